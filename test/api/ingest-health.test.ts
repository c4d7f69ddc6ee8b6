/** GET /health names an ingest that stopped half-way (degraded, still 200); GET /audit lists price corrections. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditPageSchema, HealthSchema } from '#adapters/http/schemas.ts';
import { ingestBatch } from '#app/ingest.ts';
import { INGEST_STALLED_MS } from '#app/queries/health.ts';
import { ingestKey } from '#ports/ingest-markers.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { type Api, conforms, DAY, DAY0, iso, MIN, Q, startApi } from './support.ts';

const point = (i: number, price: number): PricePoint => ({
  market: 'ERCOT',
  node: 'HB_WEST',
  kind: 'RT',
  intervalStartMs: DAY0 - DAY + i * Q,
  intervalMinutes: 15,
  priceUsdPerMwh: price,
});

describe('ingest markers and corrections through the API', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({ clockMs: DAY0 + 10 * MIN });
  });
  afterAll(() => api.close());

  it('reports an unfinished ingest as a degraded part once it made no progress for 5 minutes, naming the file', async () => {
    const target = { kind: 'file' as const, source: 'ercot-rtm-csv', name: 'year-2023.csv' };
    const startedAtMs = DAY0;
    await api.repos.ingests.start({
      ...target,
      key: ingestKey(target),
      startedAtMs,
      updatedAtMs: startedAtMs,
      expected: 35_136,
      written: 0,
    });
    await api.repos.ingests.progress(ingestKey(target), startedAtMs, 19_650, startedAtMs + MIN);

    api.clock.now = startedAtMs + MIN + INGEST_STALLED_MS - 1_000;
    const running = await api.call('GET', '/health');
    expect(running.status).toBe(200);
    expect(conforms(HealthSchema, running.body).parts.ingest).toMatchObject({ status: 'ok', detail: '1 running' });

    api.clock.now = startedAtMs + MIN + INGEST_STALLED_MS + 1_000;
    const stalled = await api.call('GET', '/health');
    expect(stalled.status).toBe(200);
    const body = conforms(HealthSchema, stalled.body);
    expect(body.status).toBe('degraded');
    expect(body.parts.ingest.status).toBe('degraded');
    expect(body.parts.ingest.detail).toBe(
      `ingest of file year-2023.csv (ercot-rtm-csv) started ${iso(startedAtMs)} did not complete: 19,650 of 35,136 points stored; ingest it again`,
    );

    await api.repos.ingests.complete(ingestKey(target), startedAtMs, { written: 35_136, nowMs: api.clock.now });
    const repaired = conforms(HealthSchema, (await api.call('GET', '/health')).body);
    expect(repaired.parts.ingest).toMatchObject({ status: 'ok', detail: 'no unfinished ingest' });
  });

  it('lists a price correction in GET /audit as the document describes it', async () => {
    const at = DAY0 + 10 * MIN;
    await api.repos.marketData.putPrices([point(0, 10), point(1, 11), point(2, 12)]);
    const batch = {
      source: 'ercot-rtm-csv',
      rows: 4,
      rejects: [],
      gaps: [],
      duplicates: 0,
      prices: [point(0, 10), point(1, 99), point(2, 12), point(3, 13)],
    };
    const r = await ingestBatch(api.repos.marketData, batch, {
      audit: api.repos.audit,
      markers: api.repos.ingests,
      target: { kind: 'file', source: 'ercot-rtm-csv', name: 'fix.csv' },
      nowMs: at,
    });
    expect(r.prices).toEqual({ changed: 1, new: 1, unchanged: 2 });

    const res = await api.call('GET', `/audit?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}`, { token: await api.token('finance') });
    expect(res.status).toBe(200);
    const items = conforms(AuditPageSchema, res.body).items.filter((i) => i.action === 'PRICES_CORRECTED');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      entity: { type: 'prices', id: 'file:ercot-rtm-csv:fix.csv' },
      before: { prices: { [`ERCOT:HB_WEST:RT ${iso(DAY0 - DAY + Q)}`]: 11 } },
      after: { changed: 1, new: 1, unchanged: 2, prices: { [`ERCOT:HB_WEST:RT ${iso(DAY0 - DAY + Q)}`]: 99 } },
    });
  });
});
