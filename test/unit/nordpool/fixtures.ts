/**
 * Hand-made answers in the providers' real formats: Nord Pool Data Portal DayAheadPrices JSON,
 * ENTSO-E A44 Publication_MarketDocument and Acknowledgement_MarketDocument XML, ECB eurofxref XML.
 * The prices are invented; the shapes, names, namespaces and instant formats are the providers'.
 */
import { readFileSync } from 'node:fs';
import { deliveryDayWindow } from '#adapters/feeds/day-ahead.ts';

const MIN = 60_000;

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

const z = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export interface NordPoolDayOptions {
  day: string;
  minutes: 15 | 60;
  areas?: string[];
  /** Price of interval i (0-based) in an area. */
  price?: (i: number, area: string) => number;
  version?: number;
  state?: string;
  currency?: string;
}

/** A DayAheadPrices answer covering the delivery day, with the aggregates Nord Pool adds. */
export function nordPoolDay(o: NordPoolDayOptions) {
  const areas = o.areas ?? ['NO3'];
  const price = o.price ?? ((i: number) => 40 + (i % 7) * 1.25);
  const { startMs, endMs } = deliveryDayWindow(o.day);
  const n = (endMs - startMs) / (o.minutes * MIN);
  const multiAreaEntries = Array.from({ length: n }, (_, i) => ({
    deliveryStart: z(startMs + i * o.minutes * MIN),
    deliveryEnd: z(startMs + (i + 1) * o.minutes * MIN),
    entryPerArea: Object.fromEntries(areas.map((a) => [a, price(i, a)])),
  }));
  const avg = (a: string) => multiAreaEntries.reduce((s, e) => s + e.entryPerArea[a]!, 0) / n;
  return {
    deliveryDateCET: o.day,
    version: o.version ?? 2,
    updatedAt: `${new Date(startMs - 10 * 3_600_000).toISOString().slice(0, 19)}.9456464Z`,
    deliveryAreas: areas,
    market: 'DayAhead',
    multiAreaEntries,
    blockPriceAggregates: [
      {
        blockName: 'Off-peak 1',
        deliveryStart: z(startMs),
        deliveryEnd: z(startMs + 8 * 3_600_000),
        averagePricePerArea: Object.fromEntries(areas.map((a) => [a, { average: avg(a), min: 0, max: 0 }])),
      },
    ],
    currency: o.currency ?? 'EUR',
    exchangeRate: 1,
    areaStates: [{ state: o.state ?? 'Final', areas }],
    areaAverages: areas.map((a) => ({ areaCode: a, price: avg(a) })),
  };
}

export interface A44Period {
  start: string;
  end: string;
  resolution: string;
  /** [position, price] pairs, written in this order. */
  points: [number, number | string][];
}

export interface A44Series {
  eic?: string;
  currency?: string;
  unit?: string;
  curveType?: string | null;
  classification?: number | null;
  periods: A44Period[];
}

/** A44 Publication_MarketDocument as the platform sends it (namespace 7:3, one element per line). */
export function a44(series: A44Series[], o: { revision?: number; start?: string; end?: string } = {}): string {
  const first = series[0]?.periods[0];
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Publication_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3">',
    '  <mRID>7f3c2a9e41d44c1b8e0d5f6a7b8c9d0e</mRID>',
    `  <revisionNumber>${o.revision ?? 1}</revisionNumber>`,
    '  <type>A44</type>',
    '  <sender_MarketParticipant.mRID codingScheme="A01">10X1001A1001A450</sender_MarketParticipant.mRID>',
    '  <sender_MarketParticipant.marketRole.type>A32</sender_MarketParticipant.marketRole.type>',
    '  <receiver_MarketParticipant.mRID codingScheme="A01">10X1001A1001A450</receiver_MarketParticipant.mRID>',
    '  <receiver_MarketParticipant.marketRole.type>A33</receiver_MarketParticipant.marketRole.type>',
    '  <createdDateTime>2025-10-25T11:02:37Z</createdDateTime>',
    '  <period.timeInterval>',
    `    <start>${o.start ?? first?.start ?? ''}</start>`,
    `    <end>${o.end ?? first?.end ?? ''}</end>`,
    '  </period.timeInterval>',
  ];
  series.forEach((s, i) => {
    const eic = s.eic ?? '10YNO-3--------J';
    lines.push(
      '  <TimeSeries>',
      `    <mRID>${i + 1}</mRID>`,
      '    <auction.type>A01</auction.type>',
      '    <businessType>A62</businessType>',
      `    <in_Domain.mRID codingScheme="A01">${eic}</in_Domain.mRID>`,
      `    <out_Domain.mRID codingScheme="A01">${eic}</out_Domain.mRID>`,
      '    <contract_MarketAgreement.type>A01</contract_MarketAgreement.type>',
      `    <currency_Unit.name>${s.currency ?? 'EUR'}</currency_Unit.name>`,
      `    <price_Measure_Unit.name>${s.unit ?? 'MWH'}</price_Measure_Unit.name>`,
    );
    if (s.classification !== null) {
      lines.push(
        `    <classificationSequence_AttributeInstanceComponent.position>${s.classification ?? 1}` +
          '</classificationSequence_AttributeInstanceComponent.position>',
      );
    }
    if (s.curveType !== null) lines.push(`    <curveType>${s.curveType ?? 'A03'}</curveType>`);
    for (const p of s.periods) {
      lines.push('    <Period>', '      <timeInterval>', `        <start>${p.start}</start>`, `        <end>${p.end}</end>`);
      lines.push('      </timeInterval>');
      lines.push(`      <resolution>${p.resolution}</resolution>`);
      for (const [pos, price] of p.points) {
        lines.push('      <Point>', `        <position>${pos}</position>`, `        <price.amount>${price}</price.amount>`);
        lines.push('      </Point>');
      }
      lines.push('    </Period>');
    }
    lines.push('  </TimeSeries>');
  });
  lines.push('</Publication_MarketDocument>');
  return lines.join('\n');
}

/** The platform's answer to a query it cannot serve. */
export function acknowledgement(code: string, text: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0">',
    '  <mRID>0c6f1a52-3b7e-4d2a-9d8e-0f1e2d3c4b5a</mRID>',
    '  <createdDateTime>2025-10-25T10:15:02Z</createdDateTime>',
    '  <sender_MarketParticipant.mRID codingScheme="A01">10X1001A1001A450</sender_MarketParticipant.mRID>',
    '  <sender_MarketParticipant.marketRole.type>A32</sender_MarketParticipant.marketRole.type>',
    '  <receiver_MarketParticipant.mRID codingScheme="A01">10X1001A1001A450</receiver_MarketParticipant.mRID>',
    '  <receiver_MarketParticipant.marketRole.type>A39</receiver_MarketParticipant.marketRole.type>',
    '  <received_MarketDocument.createdDateTime>2025-10-25T10:15:02Z</received_MarketDocument.createdDateTime>',
    '  <Reason>',
    `    <code>${code}</code>`,
    `    <text>${text}</text>`,
    '  </Reason>',
    '</Acknowledgement_MarketDocument>',
  ].join('\n');
}

/** Every position of a delivery day at one resolution, price(i) for position i + 1 (an A01 curve). */
export function fullDay(day: string, minutes: 15 | 60, price: (i: number) => number): A44Period {
  const { startMs, endMs } = deliveryDayWindow(day);
  const n = (endMs - startMs) / (minutes * MIN);
  const t = (ms: number) => `${new Date(ms).toISOString().slice(0, 16)}Z`;
  return { start: t(startMs), end: t(endMs), resolution: `PT${minutes}M`, points: Array.from({ length: n }, (_, i) => [i + 1, price(i)]) };
}

/** eurofxref XML: days newest first, as the ECB writes them. */
export function ecbXml(days: { date: string; rates: Record<string, string> }[]): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">',
    '\t<gesmes:subject>Reference rates</gesmes:subject>',
    '\t<gesmes:Sender>',
    '\t\t<gesmes:name>European Central Bank</gesmes:name>',
    '\t</gesmes:Sender>',
    '\t<Cube>',
  ];
  for (const d of days) {
    lines.push(`\t\t<Cube time='${d.date}'>`);
    for (const [c, r] of Object.entries(d.rates)) lines.push(`\t\t\t<Cube currency='${c}' rate='${r}'/>`);
    lines.push('\t\t</Cube>');
  }
  lines.push('\t</Cube>', '</gesmes:Envelope>');
  return lines.join('\n');
}
