/** What the HTTP app needs: the configured sites, the repositories, the publisher, the clock, auth. */
import type { RunRequest, RunSummary } from '#app/run-interval.ts';
import type { Site } from '#domain/sites.ts';
import type { AuditRepository } from '#ports/audit.ts';
import type { BidRepository } from '#ports/bids.ts';
import type { Clock } from '#ports/clock.ts';
import type { DecisionRepository, OverrideRepository, RunRepository } from '#ports/decisions.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { IdempotencyStore } from '#ports/idempotency.ts';
import type { Logger } from '#ports/logger.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import type { Authenticate } from './auth.ts';

export interface ApiDeps {
  sites: readonly Site[];
  decisions: DecisionRepository;
  overrides: OverrideRepository;
  marketData: MarketDataRepository;
  runs: RunRepository;
  audit: AuditRepository;
  idempotency: IdempotencyStore;
  bids: BidRepository;
  publisher: EventPublisher;
  clock: Clock;
  authenticate: Authenticate;
  log: Logger;
  /** Market data comes from the demo source: re-decisions are labelled like the runs' decisions. */
  demo?: boolean;
  /** Runs the engine for an hour (POST /runs); default: the run use case with these dependencies. */
  triggerRun?: (req: RunRequest) => Promise<RunSummary>;
  /** Origin allowed to call the API from a browser (a dashboard). */
  corsOrigin?: string;
  maxBodyBytes?: number;
  /** The widest [from, to) one JSON page of decisions may span (default 31 days). */
  maxRangeDays?: number;
  /** The widest range of a CSV export or a report (default 92 days for CSV, 366 for reports and audit). */
  maxExportRangeDays?: number;
  maxReportRangeDays?: number;
}
