/**
 * Ingest throughput: parsing the ERCOT 2024 real-time year file (35,136 rows, MIS layout, from
 * ../shared/data; a synthetic year in the same layout when that folder is absent), and the whole
 * ingest of it into an in-memory dynalite through the DynamoDB repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoMarketDataRepository } from '#adapters/dynamo/market-data.ts';
import { createTable, dynamoClient } from '#adapters/dynamo/table.ts';
import { cptDay } from '#adapters/feeds/cpt.ts';
import { parseErcotDamCsv, parseErcotRtmCsv } from '#adapters/feeds/ercot-mis.ts';
import { parseFeedFile } from '#adapters/feeds/registry.ts';
import { ingestBatch } from '#app/ingest.ts';
import { startDynalite } from '../local/dynalite.ts';

const DATA = join(import.meta.dirname, '../../shared/data/ercot');
const RTM_FILE = join(DATA, 'rtm_spp_15min_HB_HUBAVG_2024.csv');
const DAM_FILE = join(DATA, 'dam_spp_hourly_HB_HUBAVG_2024.csv');

/** 2024 in the NP6-905-CD layout, with both DST days, prices from a seeded walk. */
export function syntheticRtmYear(): string {
  const lines = ['DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,SettlementPointPrice,DSTFlag'];
  let seed = 42;
  let price = 30;
  for (let m = 1; m <= 12; m++) {
    for (let d = 1; d <= 31; d++) {
      const day = cptDay(2024, m, d);
      if (!day) continue;
      const date = `${String(m).padStart(2, '0')}/${String(d).padStart(2, '0')}/2024`;
      for (let h = 1; h <= 24; h++) {
        if (day.kind === 'SPRING_FORWARD' && h === 3) continue;
        for (const flag of day.kind === 'FALL_BACK' && h === 2 ? ['N', 'Y'] : ['N']) {
          for (let q = 1; q <= 4; q++) {
            seed = (seed * 1103515245 + 12345) % 2 ** 31;
            price = Math.max(-20, price + (seed / 2 ** 31 - 0.5) * 6);
            lines.push(`${date},${h},${q},HB_HUBAVG,SH,${price.toFixed(2)},${flag}`);
          }
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Median of `runs` timings of `fn`, after `warmup` untimed calls. */
function medianMs(fn: () => void, runs = 7, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function benchIngest(): Promise<Record<string, number | string>> {
  const real = existsSync(RTM_FILE);
  const rtm = real ? readFileSync(RTM_FILE, 'utf8') : syntheticRtmYear();
  const out: Record<string, number | string> = {
    'RT year file': real ? 'ERCOT 2024 HB_HUBAVG (../shared/data)' : 'synthetic 2024 (../shared/data absent)',
  };

  const t0 = performance.now();
  const rows = parseErcotRtmCsv(rtm).rows;
  out['RT rows'] = rows;
  out['RT parse, first (cold) ms'] = Math.round(performance.now() - t0);
  const rtMs = medianMs(() => parseErcotRtmCsv(rtm));
  out['RT parse, median ms'] = Math.round(rtMs * 10) / 10;
  out['RT parse rows/s'] = Math.round((rows / rtMs) * 1000);

  if (existsSync(DAM_FILE)) {
    const dam = readFileSync(DAM_FILE, 'utf8');
    const damMs = medianMs(() => parseErcotDamCsv(dam));
    out['DAM parse rows/s'] = Math.round((8_784 / damMs) * 1000);
  }

  // The whole ingest, as `switchyard ingest` does it, into an in-memory dynalite.
  const db = await startDynalite({});
  try {
    const client = dynamoClient(db.endpoint);
    await createTable(client, 'bench-ingest');
    const repo = new DynamoMarketDataRepository(client, 'bench-ingest');
    const t1 = performance.now();
    const report = await ingestBatch(repo, parseFeedFile('ercot-rtm-csv', rtm));
    const ms = performance.now() - t1;
    out['RT ingest into dynalite (in memory), s'] = Math.round(ms / 100) / 10;
    out['RT ingest rows/s'] = Math.round((report.written.prices / ms) * 1000);
    client.destroy();
  } finally {
    await db.close();
  }
  return out;
}
