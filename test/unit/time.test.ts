import { describe, expect, it } from 'vitest';
import { parseInstant } from '#domain/time.ts';

describe('ISO instants', () => {
  it('accepts instants with an offset and refuses days and times that do not exist', () => {
    expect(parseInstant('2024-02-29T12:00:00Z')).toBe(Date.UTC(2024, 1, 29, 12));
    expect(parseInstant('2024-07-15T15:00:00-05:00')).toBe(Date.UTC(2024, 6, 15, 20));
    expect(parseInstant('2024-07-15T20:00Z')).toBe(Date.UTC(2024, 6, 15, 20));
    for (const bad of [
      '2023-02-29T00:00:00Z',
      '2024-02-30T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-07-15T24:00:00Z',
      '2024-07-15T20:60:00Z',
      '2024-07-15T20:00:00',
      '2024-07-15',
    ]) {
      expect(parseInstant(bad), bad).toBeNaN();
    }
  });
});
