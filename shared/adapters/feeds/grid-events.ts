/**
 * Grid events from a JSON file: `{ "events": [ … ] }` or a bare array, each item the
 * GridEventBodySchema of the operator route (EEA, conservation appeal, DR deployment, AS award or
 * deployment, SB 6 directive) plus an optional `id`. Without an id, one is derived from the
 * event's type, market, site, product and start, so re-ingesting the same file is idempotent.
 */
import { createHash } from 'node:crypto';
import { formatPath, ValidationError } from '#domain/errors.ts';
import { type GridEvent, GridEventBodySchema } from '#domain/grid.ts';
import type { FeedParseOptions, FeedParseResult } from '#ports/feeds.ts';
import { Rejects } from './csv.ts';

const WHAT = 'grid events JSON';

/** A stable id for an event that came without one. */
export function gridEventId(e: Pick<GridEvent, 'type' | 'market' | 'siteId' | 'product' | 'startMs'>): string {
  const key = [e.type, e.market, e.siteId ?? '', e.product ?? '', new Date(e.startMs).toISOString()].join('|');
  return `ge-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** The 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function parseGridEventsJson(text: string, opts: FeedParseOptions = {}): FeedParseResult<GridEvent> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? `line ${lineAt(text, Number(pos[1]))}` : 'the file';
    throw new ValidationError(`${WHAT}, ${where}`, [{ path: '', message: `not valid JSON: ${msg}` }]);
  }
  const items = Array.isArray(doc)
    ? doc
    : doc && typeof doc === 'object' && Array.isArray((doc as { events?: unknown }).events)
      ? (doc as { events: unknown[] }).events
      : null;
  if (!items) throw new ValidationError(WHAT, [{ path: '', message: 'expected { "events": [ … ] } or an array of events' }]);
  const prefix = Array.isArray(doc) ? '' : 'events';
  const rejects = new Rejects(WHAT, opts.skipBadRows ?? false, 'event');
  const byId = new Map<string, { event: GridEvent; n: number }>();
  let duplicates = 0;
  items.forEach((item, i) => {
    const n = i + 1;
    const at = (path: readonly PropertyKey[]) => formatPath([...(prefix ? [prefix] : []), i, ...path]);
    const idValue = item && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
    if (idValue !== undefined && (typeof idValue !== 'string' || !/^[A-Za-z0-9_.:#-]{1,100}$/.test(idValue))) {
      rejects.reject(n, at(['id']), 'must be 1–100 letters, digits or _ . : # -');
      return;
    }
    const parsed = GridEventBodySchema.safeParse(item);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      rejects.reject(n, at(first.path), first.message);
      return;
    }
    const b = parsed.data;
    const base = {
      type: b.type,
      market: b.market,
      siteId: b.siteId,
      level: b.level,
      mw: b.mw,
      product: b.product,
      priceUsdPerMwh: b.priceUsdPerMwh,
      startMs: Date.parse(b.start),
      endMs: Date.parse(b.end),
      note: b.note,
    };
    const event: GridEvent = { id: (idValue as string | undefined) ?? gridEventId(base), ...base };
    const prev = byId.get(event.id);
    if (prev) {
      if (JSON.stringify(prev.event) === JSON.stringify(event)) duplicates++;
      else rejects.reject(n, at(['id']), `event id "${event.id}" is also used by event ${prev.n} with different content`);
      return;
    }
    byId.set(event.id, { event, n });
  });
  const points = [...byId.values()].map((v) => v.event).sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : 1));
  return { points, rejects: rejects.sorted(), gaps: [], rows: items.length, duplicates };
}
