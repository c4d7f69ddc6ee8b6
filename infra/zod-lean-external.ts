/** zod's public API (`zod/v4/classic`) with `locales` shadowed here and in `core`; see `infra/zod-lean.ts`. */
export * from '../node_modules/zod/v4/classic/external.js';
export * as core from './zod-lean-core.ts';

/** The translated locales are left out of the bundles; English is built in. */
export const locales: Record<string, never> = {};
