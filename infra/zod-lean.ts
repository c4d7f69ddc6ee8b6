/**
 * `zod` for the Lambda bundles, without its translated error-message locales.
 *
 * `import { z } from 'zod'` hands out the whole namespace object, which esbuild cannot shake, so
 * every bundle would carry the 40-odd locales (≈ 260 KB minified) although only English — which
 * zod registers itself — is ever used. The bundler aliases `zod` to this module (see
 * `infra/bundling.ts`): the same exports and the same `z`, except that `z.locales` is empty.
 * A local export takes precedence over the star re-export of the same name.
 */
import * as z from './zod-lean-external.ts';

export * from './zod-lean-external.ts';
export { z, z as default };
