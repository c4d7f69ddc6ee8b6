/**
 * Ingest markers: every ingest of a file or of a feed window records when it started and, once all
 * it parsed is stored, when it completed. A marker left open by an ingest that stopped half-way
 * (killed, out of memory, a Lambda timeout) is what /health and the next ingest of the same file
 * report: the prices it stored are a partial copy until that file is ingested again.
 */

/** What an ingest reads: a file (by its name; its hash says which copy) or a window of a feed. */
export interface IngestTarget {
  kind: 'file' | 'feed';
  /** The parser or feed, e.g. `ercot-rt-spp-csv`, `ercot-rtm-api`. */
  source: string;
  /** The file's base name, or the feed window as `<from>..<to>` (UTC ISO). */
  name: string;
  /** sha256 of the file's bytes (hex, first 16 characters). */
  hash?: string;
}

/** One marker per target: a later ingest of the same file or window replaces it. */
export function ingestKey(t: Pick<IngestTarget, 'kind' | 'source' | 'name'>): string {
  return `${t.kind}:${t.source}:${t.name}`;
}

export interface PriceChangeCounts {
  /** Intervals with no stored price before. */
  new: number;
  /** Intervals whose stored price (or currency) differs from the new one. */
  changed: number;
  /** Intervals stored already with the same price. */
  unchanged: number;
}

export interface IngestMarker extends IngestTarget {
  key: string;
  startedAtMs: number;
  /** The last progress the ingest recorded (its heartbeat). */
  updatedAtMs: number;
  /** Points the ingest parsed or fetched and meant to store. */
  expected: number;
  /** Points stored so far. */
  written: number;
  completedAtMs?: number;
  prices?: PriceChangeCounts;
}

export interface IngestMarkerRepository {
  /** Records an ingest's start; returns the marker it replaces (the previous ingest of the same target), or null. */
  start(marker: IngestMarker): Promise<IngestMarker | null>;
  /** Records progress of the ingest that started at `startedAtMs` (a newer ingest of the target is left alone). */
  progress(key: string, startedAtMs: number, written: number, nowMs: number): Promise<void>;
  /** Closes the marker of the ingest that started at `startedAtMs`. */
  complete(key: string, startedAtMs: number, result: { written: number; nowMs: number; prices?: PriceChangeCounts }): Promise<void>;
  get(key: string): Promise<IngestMarker | null>;
  /** Markers not completed (running, or stopped half-way), oldest first, at most `limit`. */
  open(limit?: number): Promise<IngestMarker[]>;
}
