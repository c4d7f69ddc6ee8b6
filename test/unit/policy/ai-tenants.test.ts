import { describe, expect, it } from 'vitest';
import { serveTenantsFirst } from '#domain/policy/ai-tenants.ts';
import { obligeTenants } from '#domain/policy/grid-obligations.ts';
import type { TenantPlan } from '#domain/policy/plans.ts';
import { site } from '../../support/fixtures.ts';
import { event, situation } from './helpers.ts';

describe('AI tenants first step', () => {
  it('serves each tenant from the capacity before the miners and leaves them the rest', () => {
    const s = situation({ site: site({ interconnectMw: 120, baseLoadMw: 5 }) });
    const out = serveTenantsFirst(s, obligeTenants(s));
    expect(out.allocations).toEqual([{ loadId: 'tenant', kind: 'ai', action: 'SERVE', mw: 15, reasons: ['AI_SERVED_FIRST'] }]);
    expect(out.capacityLeftMw).toBe(100);
    expect(out.revenueUsd).toBeCloseTo(15 * 180 * 0.25, 9);
  });

  it('counts backup generation as served but not as grid draw', () => {
    const s = site({ loads: [{ id: 't', kind: 'ai', contractedMw: 20, priceUsdPerMwh: 100, backupGenMw: 8 }] });
    const sit = situation({ site: s, gridEvents: [event({ type: 'SB6_DIRECTIVE' })] });
    const out = serveTenantsFirst(sit, obligeTenants(sit));
    expect(out.allocations[0]).toMatchObject({ mw: 12, backupGenMw: 8, reasons: ['AI_SERVED_FIRST', 'AI_ON_BACKUP_GEN'] });
    expect(out.servedMw).toBe(20);
    expect(out.capacityLeftMw).toBe(200 - 12);
  });

  it('flags a tenant the interconnect cannot carry', () => {
    const s = situation();
    const [t] = obligeTenants(s);
    const tooMuch: TenantPlan = { ...t!, wantMw: 500 };
    const out = serveTenantsFirst(s, [tooMuch]);
    expect(out.allocations[0]).toMatchObject({ mw: 200, reasons: ['AI_SERVED_FIRST', 'INTERCONNECT_LIMIT'] });
    expect(out.flags).toEqual(['AI_SHORTFALL']);
  });
});
