import type { DriverRegistry } from '../port.ts';
import { AntminerDriver } from './antminer.ts';
import { BraiinsDriver } from './braiins.ts';
import { LuxosDriver, type LuxosDriverOptions } from './luxos.ts';
import { WhatsminerDriver } from './whatsminer.ts';

export interface DriverOptions {
  readonly now?: () => number;
  readonly luxos?: LuxosDriverOptions;
}

/** One driver instance per vendor for the whole agent: token, nonce and session caches live in them. */
export function createDrivers(options: DriverOptions = {}): DriverRegistry {
  const { now = Date.now, luxos } = options;
  return {
    luxos: new LuxosDriver(luxos),
    braiins: new BraiinsDriver(now),
    whatsminer: new WhatsminerDriver(now),
    antminer: new AntminerDriver(),
  };
}
