import { describe, expect, it } from 'vitest';
import { resolveColumns, seriesKey, seriesLabel } from '#adapters/feeds/ercot-rows.ts';

describe('seriesKey', () => {
  it('returns the same object for equal keys, so a Map can key on it', () => {
    const a = seriesKey('ERCOT', 'HB_WEST', 'DA');
    expect(seriesKey('ERCOT', 'HB_WEST', 'DA')).toBe(a);
    expect(seriesKey('ERCOT', 'HB_WEST', 'RT')).not.toBe(a);
    expect(seriesKey('ERCOT', null, 'ACTUAL')).not.toBe(seriesKey('ERCOT', 'null', 'ACTUAL'));
    expect(new Map([[a, 1]]).get(seriesKey('ERCOT', 'HB_WEST', 'DA'))).toBe(1);
  });

  it('keeps node and kind as fields, even where a node name contains the separator of a string key', () => {
    const k = seriesKey('ERCOT', 'ODD|NODE', 'REGUP');
    expect([k.market, k.node, k.kind]).toEqual(['ERCOT', 'ODD|NODE', 'REGUP']);
    expect(seriesLabel(k)).toBe('ERCOT ODD|NODE REGUP');
    expect(seriesLabel(seriesKey('ERCOT', null, 'FORECAST'))).toBe('ERCOT FORECAST');
  });
});

describe('resolveColumns', () => {
  it('finds each field under any of its names and lists the documented names of the missing ones', () => {
    const { columns, missing } = resolveColumns(
      { deliveryDate: 'DeliveryDate', settlementPoint: 'SettlementPointName', repeatedHour: 'DSTFlag' },
      ['settlementPoint', 'deliveryDate', 'x'],
    );
    expect([columns.at.deliveryDate, columns.name.deliveryDate, columns.at.settlementPoint, columns.name.settlementPoint]).toEqual([
      1,
      'deliveryDate',
      0,
      'settlementPoint',
    ]);
    expect(missing).toEqual(['DSTFlag']);
    expect(columns.at.repeatedHour).toBe(-1);
  });
});
