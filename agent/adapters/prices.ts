/**
 * The live 5-minute price for the agent: the newest dispatch-run LMP of the site's settlement point, from ERCOT's
 * public API (NP6-788-CD) or PJM Data Miner's unverified five-minute LMPs. Thin: the readers are the shared feed
 * adapters the ingest job uses (plain fetch, no AWS SDK); this file asks them for a short window behind now and
 * keeps the newest run.
 */
import { ErcotApiClient, type ErcotApiConfig } from '#adapters/feeds/ercot-api.ts';
import { ErcotScedLmpApi } from '#adapters/feeds/ercot-sced-lmp-api.ts';
import { newestByNode, type RunLmpSource } from '#adapters/feeds/five-minute.ts';
import { PjmDataMinerClient, type PjmDataMinerConfig } from '#adapters/feeds/pjm-data-miner.ts';
import type { AgentClock, FiveMinutePrice, FiveMinutePriceFeed } from '../ports.ts';

export interface LivePriceOptions {
  /** How far behind now to look for the newest run. Default 30 minutes (six SCED runs). */
  lookbackMs?: number;
  clock?: AgentClock;
}

const MINUTE_MS = 60_000;
const systemClock: AgentClock = { nowMs: () => Date.now() };

export class NewestRunPriceFeed implements FiveMinutePriceFeed {
  private readonly lookbackMs: number;
  private readonly clock: AgentClock;

  constructor(
    private readonly source: RunLmpSource,
    options: LivePriceOptions = {},
  ) {
    this.lookbackMs = options.lookbackMs ?? 30 * MINUTE_MS;
    this.clock = options.clock ?? systemClock;
  }

  async latest(node: string): Promise<FiveMinutePrice | null> {
    const now = this.clock.nowMs();
    // A minute past now too: the provider's clock and ours need not agree to the second.
    // One garbled row must not blind the agent: bad rows are skipped, and no usable run at all reads as "none yet".
    const runs = await this.source.fetchRuns({ fromMs: now - this.lookbackMs, toMs: now + MINUTE_MS, nodes: [node], skipBadRows: true });
    const newest = newestByNode(runs.points).get(node);
    return newest ? { market: newest.market, node, scedTimestampMs: newest.scedTimestampMs, lmpUsdPerMwh: newest.lmpUsdPerMwh } : null;
  }
}

/** ERCOT: the newest SCED LMP, with the same token and subscription key as the ERCOT ingest. */
export function ercotFiveMinuteFeed(config: ErcotApiConfig, options: LivePriceOptions = {}): FiveMinutePriceFeed {
  return new NewestRunPriceFeed(new ErcotScedLmpApi(new ErcotApiClient(config)), options);
}

/** PJM: the newest unverified five-minute LMP (the verified feed lags by hours). */
export function pjmFiveMinuteFeed(config: PjmDataMinerConfig, options: LivePriceOptions = {}): FiveMinutePriceFeed {
  return new NewestRunPriceFeed(new PjmDataMinerClient(config).source('unverified'), options);
}
