/**
 * Capability tests and the compliance report over HTTP, on the local server and a real dynalite table. The agent's
 * telemetry is stored as the telemetry route stores it; the clock is moved through a test's window.
 *
 * Site: s21 100 MW + s19 60 MW of mining (160 MW nameplate), a 15 MW tenant, 2 MW base, 200 MW interconnect:
 *   peak demand 177 MW (a large load), half of it 88.5 MW, backup generation 100 MW (serves half).
 * A 25% test caps the mining load at 160 × 0.75 = 120 MW. Telemetry: 160 MW before 11:00; 130 MW at 11:00:30;
 * 120 MW from 11:01:10 → asked 40 MW, achieved 40 MW, 70 s to achieve, PASS.
 * A DR deployment of 50 MW at 12:00: 160 MW before, 110 MW at 12:00:20 → met in 20 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapabilityTestSchema } from '#adapters/http/routes/capability-test-schemas.ts';
import { ComplianceReportSchema } from '#adapters/http/routes/compliance-schemas.ts';
import type { LoadSample } from '#domain/telemetry.ts';
import { type Api, conforms, DAY, DAY0, H, iso, MIN, PROBLEM_TYPE, seedMarket, startApi, testSite } from './support.ts';

const T11 = DAY0 + 11 * H;
const T12 = DAY0 + 12 * H;
const S = 1000;

let api: Api;
let operator: string;
let finance: string;

const samples = (atMs: number, s21: number, s19: number, tenant = 15): Omit<LoadSample, 'siteId'>[] => [
  { loadId: 's21', atMs, actualMw: s21 },
  { loadId: 's19', atMs, actualMw: s19 },
  { loadId: 'tenant-a', atMs, actualMw: tenant },
];
const store = (list: Omit<LoadSample, 'siteId'>[]) => api.repos.telemetry.putSamples(list.map((s) => ({ ...s, siteId: 'rockdale' })));
const create = (body: unknown, token = operator, headers: Record<string, string> = {}) =>
  api.call('POST', '/sites/rockdale/capability-tests', { token, body, headers });

beforeAll(async () => {
  api = await startApi({ sites: [testSite({ backupGenerationMw: 100 })], clockMs: DAY0 + 10 * H + MIN });
  await seedMarket(api.repos, DAY0 - DAY, DAY0 + DAY, () => 25);
  await api.decideHours(DAY0 + 10 * H, DAY0 + 13 * H);
  api.clock.now = DAY0 + 10 * H + 5 * MIN;
  operator = await api.token('operator', 'ops-1');
  finance = await api.token('finance', 'fin-1');
});
afterAll(() => api.close());

describe('POST /sites/{siteId}/capability-tests', () => {
  const body = { startAt: iso(T11), minutes: 30, percent: 25, reason: 'quarterly SB 6 test' };
  let testId: string;

  it('schedules the test as a site-wide CAP override labelled with its id, audited', async () => {
    const res = await create(body, operator, { 'idempotency-key': 'cap-q3' });
    expect(res.status, res.text).toBe(201);
    const test = conforms(CapabilityTestSchema, res.body);
    testId = test.id;
    expect(res.headers.get('location')).toBe(`/sites/rockdale/capability-tests/${test.id}`);
    expect(test).toMatchObject({ status: 'SCHEDULED', fleetMw: 160, capMw: 120, percent: 25, tolerancePct: 5, requestedBy: 'ops-1' });

    const overrides = await api.call('GET', '/overrides?siteId=rockdale', { token: finance });
    const cap = (overrides.body.items as { id: string; action: string; capMw: number; reason: string; from: string; to: string }[]).find(
      (o) => o.id === test.sources.overrideId,
    )!;
    expect(cap).toMatchObject({ action: 'CAP', capMw: 120, from: iso(T11), to: iso(T11 + 30 * MIN) });
    expect(cap.reason).toContain(`Capability test ${test.id}`);
    const audit = await api.call('GET', `/audit?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}&siteId=rockdale`, { token: finance });
    expect((audit.body.items as { id: string; actor: string }[]).find((a) => a.id === test.sources.auditRecordId)).toMatchObject({
      actor: 'ops-1',
    });
    // The engine re-decided the window: the mining load shares the cap.
    const decisions = await api.call('GET', `/sites/rockdale/decisions?from=${iso(T11)}&to=${iso(T11 + 30 * MIN)}`, { token: finance });
    for (const d of decisions.body.items as { allocations: { kind: string; mw: number }[] }[]) {
      expect(d.allocations.filter((a) => a.kind === 'mining').reduce((s, a) => s + a.mw, 0)).toBeLessThanOrEqual(120);
    }
  });

  it('replays the same key and body as the same test, and refuses the key with another body', async () => {
    const again = await create(body, operator, { 'idempotency-key': 'cap-q3' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((again.body as { id: string }).id).toBe(testId);
    const listed = await api.call('GET', `/sites/rockdale/capability-tests?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}`, { token: finance });
    expect((listed.body.items as unknown[]).length).toBe(1);
    const other = await create({ ...body, percent: 50 }, operator, { 'idempotency-key': 'cap-q3' });
    expect(other.status).toBe(422);
    expect(other.body.errors).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
  });

  it.each([
    ['no token', null, 401],
    ['a trader', 'trader', 403],
    ['finance', 'finance', 403],
  ] as const)('refuses %s', async (_what, role, status) => {
    const res = await create(body, role === null ? (null as never) : await api.token(role));
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain(PROBLEM_TYPE);
  });

  it.each([
    [{ ...body, startAt: iso(T11 + 5 * MIN) }, 'startAt'],
    [{ ...body, startAt: iso(DAY0 + 9 * H) }, 'startAt'],
    [{ ...body, minutes: 20 }, 'minutes'],
    [{ ...body, minutes: 0 }, 'minutes'],
    [{ ...body, percent: 0 }, 'percent'],
    [{ ...body, percent: 120 }, 'percent'],
    [{ ...body, startAt: 'tomorrow' }, 'startAt'],
    [{ ...body, percnt: 25 }, 'percnt'],
  ])('answers bad input with a problem naming the field (%#)', async (bad, field) => {
    const res = await create(bad);
    expect(res.status, res.text).toBe(400);
    expect(res.headers.get('content-type')).toContain(PROBLEM_TYPE);
    expect((res.body.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });

  it('names an unknown site', async () => {
    const res = await api.call('POST', '/sites/nowhere/capability-tests', { token: operator, body });
    expect(res.status).toBe(404);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'siteId' })]);
  });

  it('shows the response measured so far while running, then records it once after the window', async () => {
    await store([...samples(T11 - 10 * MIN, 100, 60), ...samples(T11 - MIN, 100, 60)]);
    await store([...samples(T11 + 30 * S, 100, 30), ...samples(T11 + 70 * S, 90, 30), ...samples(T11 + 20 * MIN, 90, 30)]);
    api.clock.now = T11 + 25 * MIN;
    const running = conforms(
      CapabilityTestSchema,
      (await api.call('GET', `/sites/rockdale/capability-tests/${testId}`, { token: finance })).body,
    );
    expect(running).toMatchObject({ status: 'RUNNING', recorded: false, response: { outcome: 'PASS', secondsToAchieve: 70 } });

    // Ended, but no telemetry after the end yet: not recorded.
    api.clock.now = T11 + 35 * MIN;
    const waiting = (await api.call('GET', `/sites/rockdale/capability-tests/${testId}`, { token: finance })).body;
    expect(waiting).toMatchObject({ status: 'AWAITING_TELEMETRY', recorded: false });

    await store(samples(T11 + 31 * MIN, 100, 60));
    const done = conforms(
      CapabilityTestSchema,
      (await api.call('GET', `/sites/rockdale/capability-tests/${testId}`, { token: finance })).body,
    );
    expect(done).toMatchObject({
      status: 'EVALUATED',
      recorded: true,
      evaluatedAt: iso(T11 + 35 * MIN),
      response: {
        instructedAt: iso(T11),
        baselineMw: 160,
        capMw: 120,
        askedMw: 40,
        achievedMw: 40,
        secondsToAchieve: 70,
        held: true,
        outcome: 'PASS',
        samples: 3,
      },
      sources: { telemetry: { siteId: 'rockdale', from: iso(T11 - 15 * MIN), to: iso(T11 + 30 * MIN) } },
    });

    // Recorded: telemetry stored later does not change it.
    await store(samples(T11 + 70 * S, 100, 60));
    api.clock.now = T11 + 50 * MIN;
    const later = (await api.call('GET', `/sites/rockdale/capability-tests/${testId}`, { token: finance })).body;
    expect(later).toEqual(done);
  });
});

describe('GET /reports/compliance', () => {
  const q = `siteId=rockdale&from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}`;

  beforeAll(async () => {
    await api.repos.marketData.putGridEvent({
      id: 'dr-1200',
      type: 'DR_DEPLOYMENT',
      market: 'ERCOT',
      siteId: 'rockdale',
      mw: 50,
      startMs: T12,
      endMs: T12 + H,
    });
    await api.repos.marketData.putGridEvent({
      id: 'appeal-1',
      type: 'CONSERVATION_APPEAL',
      market: 'ERCOT',
      startMs: T12,
      endMs: T12 + 2 * H,
    });
    await store([...samples(T12 - 5 * MIN, 100, 60), ...samples(T12 + 20 * S, 100, 10), ...samples(T12 + 10 * MIN, 100, 10)]);
    await api.repos.telemetry.recordChange({
      siteId: 'rockdale',
      loadId: 's19',
      atMs: T12 + 2 * S,
      change: 'CURTAILED',
      fromMw: 60,
      toMw: 10,
      trigger: { kind: 'GRID_DEPLOYMENT', gridEventId: 'dr-1200' },
      fleetMs: 15_000,
    });
    api.clock.now = T12 + 2 * H;
  });

  it('gives the large-load facts, each deployment with its metered response, and the tests, naming their records', async () => {
    const res = await api.call('GET', `/reports/compliance?${q}`, { token: finance });
    expect(res.status, res.text).toBe(200);
    const r = conforms(ComplianceReportSchema, res.body);
    expect(r.largeLoad).toEqual({
      thresholdMw: 75,
      interconnectMw: 200,
      peakDemandMw: 177,
      miningMw: 160,
      aiContractedMw: 15,
      isLargeLoad: true,
      backupGenerationMw: 100,
      halfDemandMw: 88.5,
      backupServesHalfOfDemand: true,
      tenantBackupGenMw: 0,
    });
    const dr = r.gridEvents.find((e) => e.eventId === 'dr-1200')!;
    expect(dr).toMatchObject({ start: iso(T12), askedMw: 50, baselineMw: 160, achievedMw: 50, secondsToAchieve: 20, met: true });
    expect(dr.sources).toEqual({
      gridEventId: 'dr-1200',
      telemetry: { siteId: 'rockdale', from: iso(T12 - 15 * MIN), to: iso(T12 + H) },
      stateChangeIds: [`load#rockdale#s19#${iso(T12 + 2 * S)}`],
    });
    expect(r.gridEvents.find((e) => e.eventId === 'appeal-1')).toMatchObject({ curtailsMining: false, askedMw: null, met: null });
    expect(r.capabilityTests).toHaveLength(1);
    expect(r.capabilityTests[0]).toMatchObject({ status: 'EVALUATED', response: { outcome: 'PASS', askedMw: 40 } });
    expect(r.summary).toEqual({
      gridEvents: 2,
      deployments: 1,
      deploymentsMet: 1,
      capabilityTests: 1,
      capabilityTestsPassed: 1,
      capabilityTestsFailed: 0,
    });
  });

  it('answers a self-contained printable page for format=html and for Accept: text/html', async () => {
    for (const [path, headers] of [
      [`/reports/compliance?${q}&format=html`, {}],
      [`/reports/compliance?${q}`, { accept: 'text/html,application/xhtml+xml' }],
    ] as const) {
      const res = await api.call('GET', path, { token: finance, headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
      expect(res.text).toContain('@media print');
      expect(res.text).toContain('dr-1200');
      expect(res.text).not.toMatch(/<script|<link|<img|\bsrc=|\bhref=|url\(|@import/i);
    }
  });

  it.each([
    ['operator', 200],
    ['admin', 200],
    ['trader', 403],
  ] as const)('is open to %s: %d', async (role, status) => {
    expect((await api.call('GET', `/reports/compliance?${q}`, { token: await api.token(role) })).status).toBe(status);
  });

  it.each([
    [`siteId=rockdale&from=${iso(DAY0)}`, 'to'],
    [`from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}`, 'siteId'],
    [`siteId=rockdale&from=${iso(DAY0 + DAY)}&to=${iso(DAY0)}`, 'to'],
    [`siteId=rockdale&from=2024-01-01&to=2024-07-01`, 'to'],
    [`siteId=rockdale&from=yesterday&to=${iso(DAY0)}`, 'from'],
    [`${q}&format=pdf`, 'format'],
  ])('answers bad input with a problem naming the field (%s)', async (query, field) => {
    const res = await api.call('GET', `/reports/compliance?${query}`, { token: finance });
    expect(res.status, res.text).toBe(400);
    expect(res.headers.get('content-type')).toContain(PROBLEM_TYPE);
    expect((res.body.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });
});
