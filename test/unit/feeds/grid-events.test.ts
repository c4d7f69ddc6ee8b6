import { describe, expect, it } from 'vitest';
import { gridEventId, parseGridEventsJson } from '#adapters/feeds/grid-events.ts';

const eea = { type: 'EEA', level: 1, start: '2024-08-20T22:00:00Z', end: '2024-08-21T01:00:00Z' };

describe('parseGridEventsJson', () => {
  it('reads every event type with its window in UTC ms', () => {
    const text = JSON.stringify({
      events: [
        eea,
        {
          type: 'CONSERVATION_APPEAL',
          start: '2024-08-20T20:00:00-05:00',
          end: '2024-08-21T02:00:00Z',
          note: 'ERCOT asks for conservation 3–8 pm',
        },
        { id: 'dr-1', type: 'DR_DEPLOYMENT', siteId: 'rockdale', mw: 40, start: '2024-08-20T22:00:00Z', end: '2024-08-20T23:00:00Z' },
        {
          type: 'AS_AWARD',
          siteId: 'rockdale',
          mw: 20,
          product: 'ECRS',
          priceUsdPerMwh: 12.5,
          start: '2024-08-20T00:00:00Z',
          end: '2024-08-21T00:00:00Z',
        },
        { type: 'AS_DEPLOYMENT', siteId: 'rockdale', mw: 20, product: 'RRS', start: '2024-08-20T22:10:00Z', end: '2024-08-20T22:40:00Z' },
        { type: 'SB6_DIRECTIVE', start: '2024-08-20T23:00:00Z', end: '2024-08-21T00:00:00Z' },
      ],
    });
    const { points, rejects } = parseGridEventsJson(text);
    expect(rejects).toEqual([]);
    // By start, then id: the appeal's 20:00-05:00 start is 01:00 UTC the next day.
    expect(points.map((e) => e.type)).toEqual([
      'AS_AWARD',
      'DR_DEPLOYMENT',
      'EEA',
      'AS_DEPLOYMENT',
      'SB6_DIRECTIVE',
      'CONSERVATION_APPEAL',
    ]);
    expect(points.find((e) => e.type === 'CONSERVATION_APPEAL')).toMatchObject({
      market: 'ERCOT',
      startMs: Date.parse('2024-08-21T01:00:00Z'),
    });
    expect(points.find((e) => e.type === 'DR_DEPLOYMENT')).toMatchObject({ id: 'dr-1', siteId: 'rockdale', mw: 40 });
  });

  it('derives the same id for the same event, so re-ingesting is idempotent', () => {
    const a = parseGridEventsJson(JSON.stringify([eea])).points[0]!;
    const b = parseGridEventsJson(JSON.stringify([{ ...eea, note: 'updated note' }])).points[0]!;
    expect(a.id).toBe(b.id);
    expect(a.id).toBe(gridEventId({ type: 'EEA', market: 'ERCOT', startMs: Date.parse(eea.start) }));
    expect(a.id).not.toBe(parseGridEventsJson(JSON.stringify([{ ...eea, start: '2024-08-20T22:05:00Z' }])).points[0]!.id);
  });

  it('names the event and field that fail validation', () => {
    const text = JSON.stringify({
      events: [eea, { type: 'DR_DEPLOYMENT', siteId: 'rockdale', start: '2024-08-20T22:00:00Z', end: '2024-08-20T23:00:00Z' }],
    });
    expect(() => parseGridEventsJson(text)).toThrow('grid events JSON, event 2: events[1].mw: required for DR_DEPLOYMENT');
  });

  it('with skipBadRows reports every bad event and keeps the rest', () => {
    const text = JSON.stringify([{ ...eea, end: eea.start }, eea, { ...eea, type: 'BLACKOUT' }]);
    const r = parseGridEventsJson(text, { skipBadRows: true });
    expect(r.points).toHaveLength(1);
    expect(r.rejects.map((x) => [x.line, x.field])).toEqual([
      [1, '[0].end'],
      [3, '[2].type'],
    ]);
  });

  it('rejects one id used for two different events', () => {
    const text = JSON.stringify([
      { id: 'x', ...eea },
      { id: 'x', ...eea, level: 3 },
    ]);
    expect(() => parseGridEventsJson(text)).toThrow(/event 2: \[1\]\.id: event id "x" is also used by event 1 with different content/);
  });

  it('points at the line of broken JSON', () => {
    expect(() => parseGridEventsJson('{\n  "events": [\n    {"type": "EEA",,}\n  ]\n}')).toThrow(
      /^grid events JSON, line 3: not valid JSON/,
    );
    expect(() => parseGridEventsJson('{"items": []}')).toThrow(/expected \{ "events": \[ … \] \} or an array/);
  });
});
