/** The sites configuration last seen by the system, so that a change to it is noticed and audited. */
import type { Site } from '#domain/sites.ts';

export interface RecordedConfig {
  version: number;
  /** SHA-256 of the canonical sites JSON. */
  hash: string;
  sites: Site[];
  recordedAt: string;
}

export interface ConfigStore {
  current(): Promise<RecordedConfig | null>;
  /** Stores `next` when the stored version is still `expectedVersion` (0: none stored); false when another writer was first. */
  replace(next: RecordedConfig, expectedVersion: number): Promise<boolean>;
}
