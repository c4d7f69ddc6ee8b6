import { describe, expect, it } from 'vitest';
import { recordSitesConfig } from '#app/config-audit.ts';
import { freshTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';

const T = Date.parse('2024-07-15T20:00:00Z');

describe('configuration changes in the audit trail', () => {
  it('records the first configuration, then each site that changes, and nothing when nothing changed', async () => {
    const t = await freshTable();
    const a = site({ id: 'a' });
    const b = site({ id: 'b' });
    const first = await recordSitesConfig(t.repos, [a, b], 'deploy', T);
    expect(first.map((r) => [r.entity.id, r.before, r.reason])).toEqual([
      ['a', null, 'first configuration recorded'],
      ['b', null, 'first configuration recorded'],
    ]);
    expect(await recordSitesConfig(t.repos, [a, b], 'deploy', T + 1000)).toEqual([]);

    const a2 = site({ id: 'a', interconnectMw: 250 });
    const c = site({ id: 'c' });
    const second = await recordSitesConfig(t.repos, [a2, c], 'admin-1', T + 2000, 'new transformer');
    expect(second.map((r) => r.entity.id)).toEqual(['a', 'b', 'c']);
    const byId = Object.fromEntries(second.map((r) => [r.entity.id, r]));
    expect(byId.a!.before).toMatchObject({ interconnectMw: 200 });
    expect(byId.a!.after).toMatchObject({ interconnectMw: 250 });
    expect(byId.b!.after).toBeNull();
    expect(byId.c!.before).toBeNull();
    expect(byId.a).toMatchObject({ actor: 'admin-1', action: 'CONFIG_CHANGED', reason: 'new transformer' });

    const trail = await t.repos.audit.list(T, T + 10_000);
    expect(trail.items.filter((r) => r.action === 'CONFIG_CHANGED')).toHaveLength(5);
  });

  it('records a change once when several processes start with it at the same time', async () => {
    const t = await freshTable();
    await recordSitesConfig(t.repos, [site({ id: 'a' })], 'deploy', T);
    const changed = [site({ id: 'a', baseLoadMw: 5 })];
    const results = await Promise.all([1, 2, 3, 4].map((i) => recordSitesConfig(t.repos, changed, `lambda-${i}`, T + 1000)));
    expect(results.flat()).toHaveLength(1);
    expect((await t.repos.config.current())!.version).toBe(2);
  });
});
