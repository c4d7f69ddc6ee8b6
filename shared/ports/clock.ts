export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export function fixedClock(ms: number): Clock {
  return { nowMs: () => ms };
}
