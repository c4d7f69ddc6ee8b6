import { type DriverName, type Miner, Secret } from '../../../agent/miners/port.ts';
import type { FakeFleetMiner } from '../../../local/fake-fleet/fleet.ts';

export const PASSWORD = 'correct horse battery staple';

export function minerFor(fake: FakeFleetMiner, driver: DriverName, password: string = PASSWORD): Miner {
  return {
    id: fake.id,
    host: fake.host,
    port: fake.port,
    driver,
    ratedW: fake.fake.ratedW,
    credential: { username: 'root', password: new Secret(password) },
  };
}

export const quick = { timeoutMs: 2_000 };
export const short = { timeoutMs: 300 };
