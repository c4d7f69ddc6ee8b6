/**
 * Probe (not part of `npm run bench`): the cost of one read of the site-day and of one override on
 * rockdale's current hour, serially, as overrides accumulate: store calls, bytes read and written,
 * the API's CPU and the embedded store's CPU per request.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { dynamoRepositories } from '#adapters/dynamo/index.ts';
import { createTable, dynamoClient } from '#adapters/dynamo/table.ts';
import { mintToken } from '#adapters/jwt.ts';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { SiteSchema } from '#domain/sites.ts';
import { startDynalite } from '#local/dynalite.ts';
import { localAuthenticator, startServer } from '#local/server.ts';
import { silentLogger } from '#ports/logger.ts';
import { CURRENT_HOUR, DAY0, seedDay, siteInput } from './api.ts';

const H = 3_600_000;
const stats = { calls: {} as Record<string, number>, reqBytes: 0, resBytes: 0, items: 0 };
const db = await startDynalite({});
const client = dynamoClient(db.endpoint);
client.middlewareStack.add(
  (next, ctx) => async (args) => {
    const name = (ctx as { commandName?: string }).commandName ?? '?';
    stats.calls[name] = (stats.calls[name] ?? 0) + 1;
    const req = (args as { request?: { body?: string } }).request;
    stats.reqBytes += typeof req?.body === 'string' ? req.body.length : 0;
    return next(args);
  },
  { step: 'finalizeRequest', name: 'probeCount' },
);
client.middlewareStack.add(
  (next) => async (args) => {
    const out = await next(args);
    const o = (out.output ?? {}) as { Items?: unknown[]; Item?: unknown };
    stats.items += o.Items?.length ?? (o.Item ? 1 : 0);
    return out;
  },
  { step: 'initialize', name: 'probeItems' },
);
const childCpu = () => {
  const pid = db.pid()!;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // ms (100 Hz)
};
await createTable(client, 'probe');
const repos = dynamoRepositories(client, 'probe');
const site = SiteSchema.parse(siteInput('rockdale'));
const clock = { now: DAY0 };
await seedDay(repos, clock, site, [site]);
const secret = new TextEncoder().encode('switchyard-bench-secret-0123456789abcdef');
const server = await startServer(
  {
    sites: [site],
    ...repos,
    publisher: new MemoryEventPublisher(),
    clock: { nowMs: () => clock.now },
    authenticate: localAuthenticator(secret),
    log: silentLogger,
  },
  0,
);
const finance = await mintToken(secret, 'f', ['finance']);
const trader = await mintToken(secret, 't', ['trader']);
const dayPath = `/sites/${site.id}/decisions?from=${new Date(DAY0).toISOString()}&to=${new Date(DAY0 + 24 * H).toISOString()}`;
async function measure(label: string, fn: () => Promise<number>, n: number) {
  stats.calls = {};
  stats.reqBytes = 0;
  stats.items = 0;
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const c0 = childCpu();
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += await fn();
  const ms = (performance.now() - t0) / n;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const calls = Object.entries(stats.calls)
    .map(([k, v]) => `${k.replace('Command', '')}×${(v / n).toFixed(1)}`)
    .join(' ');
  console.log(
    `${label}: ${ms.toFixed(1)} ms wall, api cpu ${((cpu.user + cpu.system) / 1000 / n).toFixed(1)} ms, main thread busy ${(elu.active / n).toFixed(1)} ms, store cpu ${((childCpu() - c0) / n).toFixed(1)} ms, ` +
      `items read ${(stats.items / n).toFixed(1)}, sent ${(stats.reqBytes / n / 1024).toFixed(1)} KB, response ${(bytes / n / 1024).toFixed(1)} KB | ${calls}`,
  );
}
// Reads come from a worker thread, so that the main thread's busy time is the server's alone.
const reader = new Worker(
  `const { parentPort } = require('node:worker_threads');
   parentPort.on('message', async ({ url, auth }) => {
     const r = await fetch(url, { headers: { authorization: auth } });
     parentPort.postMessage((await r.text()).length);
   });`,
  { eval: true },
);
const read = () =>
  new Promise<number>((resolve) => {
    reader.once('message', resolve);
    reader.postMessage({ url: server.url + dayPath, auth: `Bearer ${finance}` });
  });
let k = 0;
const inForce: string[] = [];
const override = async () => {
  k++;
  if (inForce.length >= 20 && k % 2 === 1) {
    const id = inForce.shift()!;
    const r = await fetch(`${server.url}/overrides/${id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${trader}`, 'content-type': 'application/json', 'if-match': '"1"' },
      body: JSON.stringify({ reason: 'probe over' }),
    });
    return (await r.text()).length;
  }
  const body = {
    action: k % 2 ? 'CURTAIL' : 'RUN',
    loadId: k % 3 ? 's21' : 's19xp',
    from: new Date(CURRENT_HOUR).toISOString(),
    to: new Date(CURRENT_HOUR + H).toISOString(),
    reason: `probe ${k}`,
  };
  const r = await fetch(`${server.url}/sites/${site.id}/overrides`, {
    method: 'POST',
    headers: { authorization: `Bearer ${trader}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status === 201) inForce.push((JSON.parse(text) as { id: string }).id);
  else console.log(r.status, text.slice(0, 200));
  return text.length;
};
const rounds = Number(process.env.PROBE_ROUNDS ?? 6);
await measure('read (warm-up)', read, 20);
for (let round = 0; round < rounds; round++) {
  await measure(`read   after ${round * 50} overrides`, read, 30);
  await measure(`override ${round * 50 + 1}-${round * 50 + 50}`, override, 50);
}
await measure(`read   after ${rounds * 50} overrides`, read, Number(process.env.PROBE_READS ?? 30));
await reader.terminate();
await server.close();
client.destroy();
await db.close();
