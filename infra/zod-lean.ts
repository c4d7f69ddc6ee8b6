/**
 * `zod` for the Lambda bundles: the `z` the code base uses, and nothing else.
 *
 * `import { z } from 'zod'` hands out zod's whole namespace object, which esbuild cannot shake, so
 * every bundle would carry all of zod: its 40-odd translated locales (≈ 260 KB minified), the JIT
 * compiler `z.compile` (≈ 29 KB), `z.fromJSONSchema` (≈ 12 KB), codecs, `z.core` and dozens of
 * schema types nobody builds. The bundler aliases `zod` to this module (infra/bundling.ts), whose
 * `z` is a plain object holding only the members used by `shared/`, `functions/` and the packages
 * bundled with them (`@hono/zod-openapi` calls `extendZodWithOpenApi(z)`, which needs
 * `z.ZodType`; `@asteasolutions/zod-to-openapi` reads schemas' `_zod.def` and imports no zod), so
 * the rest is tree-shaken. The schemas are zod's own (the classic API, English messages, which zod
 * registers on first use); every method of a schema (`.optional()`, `.openapi()`, `.safeParse()`…)
 * works as usual.
 *
 * Type checking still sees the real `zod`: a member used in the code but missing here would be
 * `undefined` in the bundles only. test/infra/bundles.test.ts therefore checks that every `z.<name>`
 * in shared/ and functions/ is present here — add the member here when that test says so.
 */
import {
  array,
  boolean,
  discriminatedUnion,
  enum as zenum,
  literal,
  number,
  object,
  record,
  strictObject,
  string,
  union,
  unknown,
  ZodType,
} from '../node_modules/zod/v4/classic/schemas.js';
import { number as coerceNumber } from '../node_modules/zod/v4/classic/coerce.js';
import { date as isoDate, datetime as isoDatetime } from '../node_modules/zod/v4/classic/iso.js';

export const z = {
  array,
  boolean,
  coerce: { number: coerceNumber },
  discriminatedUnion,
  enum: zenum,
  iso: { date: isoDate, datetime: isoDatetime },
  literal,
  number,
  object,
  record,
  strictObject,
  string,
  union,
  unknown,
  ZodType,
};

export default z;
