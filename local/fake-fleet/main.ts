import { parseArgs } from 'node:util';
import { DRIVER_NAMES, type DriverName } from '../../agent/miners/port.ts';
import { startFakeFleet } from './fleet.ts';

/**
 * `tsx local/fake-fleet/main.ts --driver luxos --first-index 0 --count 14300`: serves the miners, prints them as an
 * inventory fragment (one JSON line on stdout), and closes every listener on SIGTERM or SIGINT.
 */
const { values } = parseArgs({
  options: {
    driver: { type: 'string', default: 'luxos' },
    'first-index': { type: 'string', default: '0' },
    count: { type: 'string', default: '100' },
    'first-address': { type: 'string', default: '127.1.0.1' },
    port: { type: 'string' },
    'effect-ms': { type: 'string', default: '0' },
    'rated-w': { type: 'string', default: '3500' },
    username: { type: 'string', default: 'root' },
    credential: { type: 'string', default: 'env:MINER_CREDENTIAL' },
    /** LuxOS: the session idle timeout (the firmware's minute by default). */
    'session-timeout-ms': { type: 'string', default: '60000' },
  },
});

const driver = values.driver as DriverName;
if (!DRIVER_NAMES.includes(driver)) {
  process.stderr.write(`--driver: expected one of ${DRIVER_NAMES.join(', ')}\n`);
  process.exit(2);
}
const integer = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`--${name}: expected a whole number ≥ 0, got ${text}\n`);
    process.exit(2);
  }
  return value;
};

// The fake's password comes from the environment so it never shows in `ps`.
const fleet = await startFakeFleet({
  driver,
  firstIndex: integer('first-index', values['first-index'])!,
  count: integer('count', values.count)!,
  firstAddress: values['first-address'],
  ...(values.port === undefined ? {} : { port: integer('port', values.port)! }),
  effectDelayMs: integer('effect-ms', values['effect-ms'])!,
  ratedW: integer('rated-w', values['rated-w'])!,
  username: values.username,
  password: process.env.FAKE_MINER_PASSWORD ?? 'root',
});
const sessionTimeoutMs = integer('session-timeout-ms', values['session-timeout-ms'])!;
for (const miner of fleet.miners) miner.fake.sessionTimeoutMs = sessionTimeoutMs;
process.stdout.write(`${JSON.stringify({ miners: [fleet.inventoryFragment(values.credential)].flat() })}\n`);

let closing = false;
const stop = () => {
  if (closing) return;
  closing = true;
  void fleet.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
