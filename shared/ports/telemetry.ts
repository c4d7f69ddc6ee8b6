/** What site agents report: load samples and state changes (DESIGN §9). */
import type { LoadSample, StateChange } from '#domain/telemetry.ts';
import type { Page, PageRequest } from './decisions.ts';

export interface TelemetryRepository {
  /** Stores samples by (site, load, instant): a sample sent again replaces itself, so a replayed batch changes nothing. */
  putSamples(samples: readonly LoadSample[]): Promise<void>;
  /** Records a state change once by (site, load, instant); a repeat leaves the first and returns 'exists'. */
  recordChange(change: StateChange): Promise<'written' | 'exists'>;
  /** A page of a site's samples with instant in [fromMs, toMs), by instant then load. */
  samples(siteId: string, fromMs: number, toMs: number, page?: PageRequest): Promise<Page<LoadSample>>;
  /** Every sample of a site in [fromMs, toMs), by instant then load. */
  allSamples(siteId: string, fromMs: number, toMs: number): Promise<LoadSample[]>;
  /** A site's state changes in [fromMs, toMs), by instant then load. */
  changes(siteId: string, fromMs: number, toMs: number): Promise<StateChange[]>;
}
