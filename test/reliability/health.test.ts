/** GET /health's use case: the store decides up or down, a stale feed or an unwell bus only degrade. */
import { describe, expect, it } from 'vitest';
import { type HealthDeps, healthReport } from '#app/queries/health.ts';
import { testSite } from '../api/support.ts';
import { freshTable } from '../support/dynamo.ts';

const NOW = Date.parse('2024-07-15T20:07:00Z');
const clock = { nowMs: () => NOW };

async function deps(extra: Partial<HealthDeps> = {}): Promise<HealthDeps> {
  const t = await freshTable();
  return { sites: [testSite()], marketData: t.repos.marketData, clock, probeStore: () => t.repos.runs.lastSuccessfulHour(), ...extra };
}

describe('the health report', () => {
  it('is down when the store probe fails, naming the cause and skipping the feeds it cannot read', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const r = await healthReport(await deps({ probeStore: () => Promise.reject(refused) }));
    expect(r.status).toBe('down');
    expect(r.parts.store).toMatchObject({ status: 'down', detail: 'unreachable (ECONNREFUSED)' });
    expect(r.parts.feeds).toEqual([]);
  });

  it('is down when the store does not answer within the timeout', async () => {
    const started = Date.now();
    const r = await healthReport(await deps({ probeStore: () => new Promise(() => {}), timeoutMs: 100 }));
    expect(r.parts.store.status).toBe('down');
    expect(r.parts.store.detail).toMatch(/within 100 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('is degraded, not down, when a feed is stale, and lists every feed with its age', async () => {
    const d = await deps();
    await d.marketData.putPrices([
      { market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', intervalStartMs: NOW - 7 * 60_000, intervalMinutes: 5, priceUsdPerMwh: 30 },
    ]);
    const r = await healthReport(d);
    expect(r.status).toBe('degraded');
    expect(r.parts.store.status).toBe('ok');
    const rt = r.parts.feeds.find((f) => f.feed === 'ERCOT HB_HUBAVG RT');
    expect(rt).toMatchObject({ status: 'ok', ageMinutes: 7 });
    expect(r.parts.feeds.find((f) => f.feed === 'hashprice')).toMatchObject({ status: 'degraded', ageMinutes: null });
  });

  it('is degraded when the event bus reports trouble', async () => {
    const r = await healthReport(await deps({ eventBus: () => ({ status: 'degraded', detail: 'outbox backlog' }) }));
    expect(r.parts.eventBus.status).toBe('degraded');
    expect(r.status).not.toBe('ok');
  });
});
