/**
 * The site agent in a process of its own for `npm run bench -- agent`, as a site runs it (`node --import tsx`, the real
 * `startAgent`, the real drivers, its LuxOS sessions kept in its state directory), so that the memory and CPU measured
 * are the agent's alone and not the bench's. Only the live inputs are stand-ins, steered by the bench over the IPC
 * channel: the 5-minute price, the meters (fixed) and the agent's clock (moved on so minimum off times pass).
 *
 * Bench → agent: start, price, clock, arm-first-sleep, status, memory, cpu, profile, stop.
 * Agent → bench: started, state-change, price-known, first-sleep, status, memory, cpu, profiled, stopped, warn.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tokenSource } from '../agent/cloud.ts';
import { fileLuxosSessionStore } from '../agent/luxos-sessions.ts';
import { type RunningAgent, startAgent } from '../agent/main.ts';
import { createDrivers } from '../agent/miners/drivers/index.ts';
import { LuxosDriver } from '../agent/miners/drivers/luxos.ts';
import type { Miner } from '../agent/miners/port.ts';
import { spareSockets } from '../agent/miners/transport/tcp.ts';
import type { StateChange } from '../agent/plan.ts';
import { type AgentSettingsInput, parseAgentSettings } from '../agent/settings.ts';

export type ToAgent =
  | { type: 'start'; settings: AgentSettingsInput; token: string; sessionIdleMs: number }
  | { type: 'price'; lmp: number }
  | { type: 'clock'; offsetMs: number }
  | { type: 'arm-first-sleep' }
  | { type: 'status' }
  | { type: 'memory' }
  | { type: 'cpu' }
  | { type: 'profile'; seconds: number; path: string }
  | { type: 'stop' };

export interface MemoryFigures {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  /** Heap in use after a full collection: what the agent keeps alive. */
  readonly heapLive: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Resident pages mapped from files (the node binary, libraries) and anonymous ones, where the OS says (Linux). */
  readonly rssFile: number | null;
  readonly rssAnon: number | null;
  /** The process's peak RSS so far (VmHWM), where the OS says (Linux). */
  readonly rssPeak: number | null;
  readonly spareSockets: number;
  readonly luxosSessions: number;
}

export interface CpuFigures {
  readonly userUs: number;
  readonly systemUs: number;
  readonly atMs: number;
  /** Per thread (Linux): name → [user, system] in clock ticks. */
  readonly threads: Record<string, [number, number]>;
}

export type FromAgent =
  | { type: 'started'; ms: number; before: MemoryFigures }
  | { type: 'state-change'; change: StateChange; seenAt: number }
  | { type: 'price-known'; lmp: number; at: number }
  | { type: 'first-sleep'; at: number }
  | { type: 'status'; loads: { loadId: string; running: number; asleep: number; unreachable: number }[] }
  | { type: 'memory'; memory: MemoryFigures }
  | { type: 'cpu'; cpu: CpuFigures }
  | { type: 'profiled' }
  | { type: 'stopped' }
  | { type: 'warn'; message: string };

const send = (message: FromAgent) => process.send?.(message);
let agent: RunningAgent | undefined;
let luxosSessions = () => 0;
let offsetMs = 0;
let lmp = 20;
let returned = Number.NaN;
let armed = false;

const clock = { nowMs: () => Date.now() + offsetMs };

function memory(): MemoryFigures {
  const m = process.memoryUsage();
  global.gc?.();
  const live = process.memoryUsage().heapUsed;
  let rssFile: number | null = null;
  let rssAnon: number | null = null;
  let rssPeak: number | null = null;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    rssFile = kb('RssFile');
    rssAnon = kb('RssAnon');
    rssPeak = kb('VmHWM');
  } catch {
    // Not Linux: RSS is not split.
  }
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    heapLive: live,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    rssFile,
    rssAnon,
    rssPeak,
    spareSockets: spareSockets(),
    luxosSessions: luxosSessions(),
  };
}

function cpu(): CpuFigures {
  const usage = process.cpuUsage();
  const threads: Record<string, [number, number]> = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads[`${tid === String(process.pid) ? 'main' : name} ${tid}`] = [Number(fields[11]), Number(fields[12])];
    }
  } catch {
    // Not Linux: the process as a whole only.
  }
  return { userUs: usage.user, systemUs: usage.system, atMs: performance.timeOrigin + performance.now(), threads };
}

async function start(message: Extract<ToAgent, { type: 'start' }>): Promise<void> {
  const before = memory();
  const settings = parseAgentSettings(message.settings);
  const stateDir = settings.stateDir!;
  // The drivers a site runs, LuxOS sessions kept in the state directory; the bench only notes the first sleep it is
  // waiting for (an override's first command).
  const luxos = new LuxosDriver({ sessionIdleMs: message.sessionIdleMs, sessionStore: fileLuxosSessionStore(stateDir) });
  luxosSessions = () => luxos.sessions;
  const drivers = {
    ...createDrivers(),
    luxos: {
      name: luxos.name,
      readState: luxos.readState.bind(luxos),
      wake: luxos.wake.bind(luxos),
      setPowerTarget: luxos.setPowerTarget.bind(luxos),
      close: luxos.close.bind(luxos),
      sleep: (miner: Miner, options: { timeoutMs: number }) => {
        if (armed) {
          armed = false;
          send({ type: 'first-sleep', at: Date.now() });
        }
        return luxos.sleep(miner, options);
      },
    },
  };
  const started = Date.now();
  agent = await startAgent(settings, {
    adapters: {
      meters: () => ({ read: async () => ({ atMs: clock.nowMs(), aiLoadMw: 5, siteTotalMw: 110 }), close: async () => undefined }),
      basePoint: () => null,
      prices: () => ({
        latest: async (node) => {
          if (lmp !== returned) {
            returned = lmp;
            send({ type: 'price-known', lmp, at: Date.now() });
          }
          return { market: 'ERCOT', node, scedTimestampMs: clock.nowMs(), lmpUsdPerMwh: lmp };
        },
      }),
    },
    token: tokenSource({ value: message.token }),
    clock,
    drivers,
    log: {
      info: (text, fields) => {
        if (text === 'load state change') send({ type: 'state-change', change: fields as unknown as StateChange, seenAt: Date.now() });
      },
      warn: (text, fields) => send({ type: 'warn', message: `${text} ${JSON.stringify(fields ?? {})}` }),
      error: (text, fields) => send({ type: 'warn', message: `${text} ${JSON.stringify(fields ?? {})}` }),
    },
  });
  send({ type: 'started', ms: Date.now() - started, before });
}

async function profile(seconds: number, path: string): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const { profile: recorded } = await session.post('Profiler.stop');
  writeFileSync(path, JSON.stringify(recorded));
  session.disconnect();
}

process.on('message', (message: ToAgent) => {
  void (async () => {
    switch (message.type) {
      case 'start':
        return start(message);
      case 'price':
        lmp = message.lmp;
        return;
      case 'clock':
        offsetMs = message.offsetMs;
        return;
      case 'arm-first-sleep':
        armed = true;
        return;
      case 'status':
        return send({
          type: 'status',
          loads: (agent?.controller.status() ?? []).map((s) => ({
            loadId: s.loadId,
            running: s.running,
            asleep: s.asleep,
            unreachable: s.unreachable,
          })),
        });
      case 'memory':
        return send({ type: 'memory', memory: memory() });
      case 'cpu':
        return send({ type: 'cpu', cpu: cpu() });
      case 'profile':
        await profile(message.seconds, message.path);
        return send({ type: 'profiled' });
      case 'stop':
        await agent?.stop();
        send({ type: 'stopped' });
        process.disconnect();
        return;
    }
  })().catch((error: unknown) => {
    send({ type: 'warn', message: `bench agent process: ${(error as Error).stack ?? String(error)}` });
    process.exit(1);
  });
});
