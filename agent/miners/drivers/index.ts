import type { DriverRegistry } from '../port.ts';
import { AntminerDriver } from './antminer.ts';
import { BraiinsDriver } from './braiins.ts';
import { LuxosDriver } from './luxos.ts';
import { WhatsminerDriver } from './whatsminer.ts';

/** One driver instance per vendor for the whole agent: token and nonce caches live in them. */
export function createDrivers(now: () => number = Date.now): DriverRegistry {
  return {
    luxos: new LuxosDriver(),
    braiins: new BraiinsDriver(now),
    whatsminer: new WhatsminerDriver(now),
    antminer: new AntminerDriver(),
  };
}
