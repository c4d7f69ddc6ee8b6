/**
 * The price ingest job, as the ingest-prices Lambda runs it every hour and the local runtime before
 * each run when real feeds are configured: real-time prices of the last hours and day-ahead prices
 * ahead (or one window to backfill) for the settlement points of the ERCOT sites, then the
 * staleness of every price feed. When a 5-minute feed is configured, also the SCED LMPs (price kind RT5)
 * of the last minutes, at their SCED timestamps. A feed that fails is reported; the others still run.
 * Each series whose newest interval is new is announced as a PricesStored event (./price-redecide.ts):
 * the decisions it informs are made again. With `audit` and `ingests`, a pull that changed stored prices is audited
 * and each feed window's ingest leaves a start and completion marker.
 */
import { MINUTE_MS } from '#domain/time.ts';
import type { AuditRepository } from '#ports/audit.ts';
import type { PriceFeed } from '#ports/feeds.ts';
import type { IngestMarkerRepository } from '#ports/ingest-markers.ts';
import { type IngestReport, ingestPrices } from '../ingest.ts';
import { ingestLogFields, liveWindows, nodesOf, type PullWindow, pullPrices } from '../pull.ts';
import { checkFeeds, type FeedCheck, type FeedCheckDeps } from './feed-staleness.ts';
import { announcePrices, newPriceRecorder, type PricesStored } from './price-redecide.ts';

export interface PriceIngestDeps extends FeedCheckDeps {
  /**
   * The RT and DA feeds, and the 5-minute feed where one is configured, built only when there is something to pull
   * (the Lambda reads its credentials then).
   */
  feeds(): Promise<{ rt: PriceFeed; da: PriceFeed; rt5?: PriceFeed }>;
  /** Where a pull that changed stored prices is recorded. */
  audit?: AuditRepository;
  /** Where each feed window's ingest records its start and completion. */
  ingests?: IngestMarkerRepository;
}

export interface PriceIngestSettings {
  /** Hours of real-time prices behind now (PRICE_LOOKBACK_HOURS). */
  lookbackHours: number;
  /** Minutes of 5-minute LMPs behind now (RT5_LOOKBACK_MINUTES); 0 or absent: the 5-minute feed is not pulled on schedule. */
  rt5LookbackMinutes?: number;
}

export interface PriceIngestRequest {
  /** A window to backfill, RT, DA and RT5 (when configured) alike; default: the live windows. */
  window?: PullWindow;
}

export interface PriceIngestOutcome extends FeedCheck {
  reports: (IngestReport & { kind: 'RT' | 'DA' | 'RT5' })[];
  /** One line per failed feed: `<feed>: <error>`. */
  errors: string[];
  /** Series whose newest interval is new, each announced by a PricesStored event. */
  stored: PricesStored[];
}

export async function ingestPricesJob(
  deps: PriceIngestDeps,
  settings: PriceIngestSettings,
  req: PriceIngestRequest = {},
): Promise<PriceIngestOutcome> {
  const nodes = nodesOf(deps.sites, 'ERCOT');
  const windows = req.window ? { rt: req.window, da: req.window } : liveWindows(deps.clock.nowMs(), settings.lookbackHours);
  const pulled: Pick<PriceIngestOutcome, 'reports' | 'errors' | 'stored'> = { reports: [], errors: [], stored: [] };
  if (nodes.length === 0) {
    deps.log.warn('no ERCOT sites with a settlement point: nothing to pull');
  } else {
    const feeds = await deps.feeds();
    const recorder = newPriceRecorder(deps.marketData);
    const tracking = { ...(deps.audit ? { audit: deps.audit } : {}), ...(deps.ingests ? { markers: deps.ingests } : {}) };
    const { reports, errors } = await pullPrices(recorder.repo, feeds, nodes, windows, deps.log, tracking);
    pulled.reports = reports.map((r) => ({ ...r, kind: r.source === feeds.rt.name ? 'RT' : 'DA' }));
    pulled.errors = errors;
    const rt5Minutes = settings.rt5LookbackMinutes ?? 0;
    if (feeds.rt5 && (req.window || rt5Minutes > 0)) {
      const nowMs = deps.clock.nowMs();
      const window = req.window ?? { fromMs: nowMs - rt5Minutes * MINUTE_MS, toMs: nowMs };
      try {
        const r = await ingestPrices(recorder.repo, feeds.rt5, { ...window, nodes }, tracking);
        pulled.reports.push({ ...r, kind: 'RT5' });
        deps.log.info('prices ingested', ingestLogFields(r));
      } catch (err) {
        pulled.errors.push(`${feeds.rt5.name}: ${(err as Error).message}`);
        deps.log.error('price ingest failed', { feed: feeds.rt5.name, error: (err as Error).message });
      }
    }
    pulled.stored = recorder.stored(deps.clock.nowMs());
    const announced = await announcePrices(deps.publisher, pulled.stored, deps.clock.nowMs());
    // Not re-sent: the decisions it informs wait for the next new price or the hourly run.
    for (const f of announced.failed) deps.log.warn('PricesStored not sent', { eventId: f.id, error: f.error });
  }
  return { ...pulled, ...(await checkFeeds(deps, ['price'])) };
}
