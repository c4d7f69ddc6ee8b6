/** 5-minute prices (RT5) in DynamoDB: stored at their SCED timestamps, a day read in one query, pulled by the ingest job. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoMarketDataRepository } from '#adapters/dynamo/market-data.ts';
import { dynamoClient } from '#adapters/dynamo/table.ts';
import { type RunLmpSource, type RunRequest, rt5PriceFeed } from '#adapters/feeds/five-minute.ts';
import { parseFeedFile } from '#adapters/feeds/registry.ts';
import { ingestBatch } from '#app/ingest.ts';
import { ingestPricesJob } from '#app/jobs/ingest-prices.ts';
import type { PriceFeed } from '#ports/feeds.ts';
import { silentLogger } from '#ports/logger.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';
import { type RecordingDynamo, startRecordingDynamo } from '../support/recording-dynamo.ts';

const SCED_HEADER = 'SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP';

/** Every SCED run of the fall-back day 2024-11-03 for two hubs, local 01:00–01:55 twice, seconds :14. */
function scedFallBackDay(): string {
  const rows = [SCED_HEADER];
  let lmp = 0;
  for (let h = 0; h < 24; h++) {
    for (const flag of h === 1 ? ['N', 'Y'] : ['N']) {
      for (let m = 0; m < 60; m += 5) {
        lmp += 1;
        const stamp = `11/03/2024 ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:14`;
        rows.push(`${stamp},${flag},HB_HUBAVG,${lmp}`, `${stamp},${flag},HB_NORTH,${-lmp}`);
      }
    }
  }
  return `${rows.join('\n')}\n`;
}

const at = (iso: string) => Date.parse(iso);
const DAY = { fromMs: at('2024-11-03T05:00:00Z'), toMs: at('2024-11-04T06:00:00Z') };

let t: TestTable;
let recording: RecordingDynamo;
let repo: DynamoMarketDataRepository;

beforeAll(async () => {
  t = await freshTable();
  recording = await startRecordingDynamo(t.endpoint);
  repo = new DynamoMarketDataRepository(dynamoClient(recording.endpoint), t.tableName);
  await ingestBatch(t.repos.marketData, parseFeedFile('ercot-rtm5-csv', scedFallBackDay()));
});
afterAll(async () => {
  await recording.close();
});

describe('RT5 prices in DynamoDB', () => {
  it('keeps every SCED run of the fall-back day at its timestamp, seconds included, and reads the day in one query', async () => {
    recording.actions.length = 0;
    const points = await repo.getPrices('ERCOT', 'HB_HUBAVG', 'RT5', DAY.fromMs, DAY.toMs);
    expect(recording.actions).toEqual(['dynamodb:Query']);
    expect(points).toHaveLength(300);
    expect(points.every((p, i) => i === 0 || p.intervalStartMs > points[i - 1]!.intervalStartMs)).toBe(true);
    expect(points.every((p) => new Date(p.intervalStartMs).getUTCSeconds() === 14 && p.intervalMinutes === 5)).toBe(true);
    expect(points.find((p) => p.intervalStartMs === at('2024-11-03T07:00:14Z'))!.priceUsdPerMwh).toBe(25);
  });

  it('keeps each node and each kind a series of its own', async () => {
    await t.repos.marketData.putPrices([
      {
        market: 'ERCOT',
        node: 'HB_HUBAVG',
        kind: 'RT',
        intervalStartMs: at('2024-11-03T07:00:00Z'),
        intervalMinutes: 15,
        priceUsdPerMwh: 999,
      },
    ]);
    const window = { fromMs: at('2024-11-03T07:00:00Z'), toMs: at('2024-11-03T07:10:00Z') };
    expect((await repo.getPrices('ERCOT', 'HB_HUBAVG', 'RT5', window.fromMs, window.toMs)).map((p) => p.priceUsdPerMwh)).toEqual([25, 26]);
    expect((await repo.getPrices('ERCOT', 'HB_NORTH', 'RT5', window.fromMs, window.toMs)).map((p) => p.priceUsdPerMwh)).toEqual([-25, -26]);
    expect((await repo.getPrices('ERCOT', 'HB_HUBAVG', 'RT', window.fromMs, window.toMs)).map((p) => p.priceUsdPerMwh)).toEqual([999]);
  });

  it('finds the newest run before an instant, to the second', async () => {
    const newest = await repo.latestPrice('ERCOT', 'HB_HUBAVG', 'RT5', at('2024-11-03T07:05:14Z'));
    expect(newest).toMatchObject({ kind: 'RT5', intervalStartMs: at('2024-11-03T07:00:14Z'), priceUsdPerMwh: 25 });
  });
});

describe('the price ingest job with a 5-minute feed', () => {
  const NOW = at('2024-11-05T15:03:20Z');
  const empty: PriceFeed['fetchPrices'] = async () => ({ points: [], rejects: [], gaps: [], rows: 0, duplicates: 0 });
  const publisher = { publish: async () => ({ sent: [], failed: [] }) };

  function source(fail = false): RunLmpSource & { asked: RunRequest[] } {
    const asked: RunRequest[] = [];
    return {
      name: 'ercot-api-rtm5',
      asked,
      fetchRuns: async (req) => {
        asked.push(req);
        if (fail) throw new Error('HTTP 503 after 4 attempts');
        const runs = [at('2024-11-05T14:55:13Z'), at('2024-11-05T15:00:12Z')];
        const points = runs.map((ms, i) => ({ market: 'ERCOT', node: req.nodes[0]!, scedTimestampMs: ms, lmpUsdPerMwh: 40 + i }));
        return { points, rejects: [], gaps: [], rows: points.length, duplicates: 0 };
      },
    };
  }

  async function run(rt5: RunLmpSource, rt5LookbackMinutes: number) {
    const table = await freshTable();
    const outcome = await ingestPricesJob(
      {
        sites: [site({ id: 'rockdale', settlementPoint: 'HB_WEST' })],
        marketData: table.repos.marketData,
        publisher,
        clock: { nowMs: () => NOW },
        log: silentLogger,
        feeds: async () => ({ rt: { name: 'rt', fetchPrices: empty }, da: { name: 'da', fetchPrices: empty }, rt5: rt5PriceFeed(rt5) }),
      },
      { lookbackHours: 1, rt5LookbackMinutes },
    );
    return { outcome, table };
  }

  it('pulls the last minutes of SCED LMPs for the sites settlement points and stores them as RT5', async () => {
    const rt5 = source();
    const { outcome, table } = await run(rt5, 15);
    expect(rt5.asked).toEqual([{ fromMs: NOW - 15 * 60_000, toMs: NOW, nodes: ['HB_WEST'] }]);
    expect(outcome.errors).toEqual([]);
    expect(outcome.reports.find((r) => r.kind === 'RT5')).toMatchObject({ source: 'ercot-api-rtm5', written: { prices: 2 } });
    const stored = await table.repos.marketData.getPrices('ERCOT', 'HB_WEST', 'RT5', NOW - 3_600_000, NOW);
    expect(stored.map((p) => [new Date(p.intervalStartMs).toISOString(), p.priceUsdPerMwh])).toEqual([
      ['2024-11-05T14:55:13.000Z', 40],
      ['2024-11-05T15:00:12.000Z', 41],
    ]);
  });

  it('leaves the 5-minute feed alone when no lookback is configured', async () => {
    const rt5 = source();
    const { outcome } = await run(rt5, 0);
    expect(rt5.asked).toEqual([]);
    expect(outcome.reports.map((r) => r.kind)).toEqual(['RT', 'DA']);
  });

  it('reports a failed 5-minute pull and still stores the other feeds', async () => {
    const { outcome } = await run(source(true), 15);
    expect(outcome.errors).toEqual(['ercot-api-rtm5: HTTP 503 after 4 attempts']);
    expect(outcome.reports.map((r) => r.kind)).toEqual(['RT', 'DA']);
  });
});
