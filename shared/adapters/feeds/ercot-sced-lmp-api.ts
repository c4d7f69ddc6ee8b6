/**
 * ERCOT SCED LMPs (NP6-788-CD) from the public API, `lmp_node_zone_hub`, with the token and subscription key of the
 * ERCOT client: one query per settlement point, `SCEDTimestampFrom/To` in local Central Prevailing Time
 * (`YYYY-MM-DDTHH:MM:SS`, no offset), every page read; rows go through the NP6-788-CD page parser
 * (ercot-sced-lmp.ts), which places the repeated fall-back hour by `repeatHourFlag`.
 */
import { HOUR_MS } from '#domain/time.ts';
import type { FeedParseResult } from '#ports/feeds.ts';
import { cptOffsetMs } from './cpt.ts';
import type { ErcotApiClient, Page } from './ercot-api.ts';
import { SCED_LMP_REPORT } from './ercot-reports.ts';
import { parseErcotScedLmpPages, type ScedLmpPoint } from './ercot-sced-lmp.ts';
import type { RunLmpSource, RunRequest } from './five-minute.ts';
import { FeedError } from './http.ts';

export const ERCOT_RTM5_API_FEED = 'ercot-api-rtm5';

/** A UTC instant as the API's local timestamp filter reads it. */
export function cptTimestamp(utcMs: number): string {
  return new Date(utcMs - cptOffsetMs(utcMs)).toISOString().slice(0, 19);
}

/**
 * The local timestamps that cover [fromMs, toMs]. Local time is not monotonic on the fall-back day (01:00–01:59
 * comes twice), so a window across a change of offset is widened by an hour each side; the UTC filter after
 * parsing keeps only what was asked for.
 */
export function localWindow(fromMs: number, toMs: number): { from: string; to: string } {
  const crosses = cptOffsetMs(fromMs) !== cptOffsetMs(toMs);
  const pad = crosses ? HOUR_MS : 0;
  return { from: cptTimestamp(fromMs - pad), to: cptTimestamp(toMs + pad) };
}

export class ErcotScedLmpApi implements RunLmpSource {
  readonly name = ERCOT_RTM5_API_FEED;

  constructor(private readonly client: ErcotApiClient) {}

  async fetchRuns(req: RunRequest): Promise<FeedParseResult<ScedLmpPoint>> {
    if (req.nodes.length === 0)
      throw new FeedError(`ERCOT API ${SCED_LMP_REPORT.id.toLowerCase()}: no settlement points requested`, 'ERCOT API');
    // The filter's end is inclusive: stop a second short of `toMs`.
    const { from, to } = localWindow(req.fromMs, req.toMs - 1_000);
    const pages: Page[] = [];
    for (const node of req.nodes) {
      for await (const page of this.client.pages(SCED_LMP_REPORT, {
        SCEDTimestampFrom: from,
        SCEDTimestampTo: to,
        settlementPoint: node,
      })) {
        pages.push(page);
      }
    }
    const parsed = parseErcotScedLmpPages(pages, { settlementPoints: req.nodes, skipBadRows: req.skipBadRows ?? false });
    const { leftOut: _, points, ...rest } = parsed;
    return { ...rest, points: points.filter((p) => p.scedTimestampMs >= req.fromMs && p.scedTimestampMs < req.toMs) };
  }
}
