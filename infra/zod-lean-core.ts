/** `zod/v4/core` with `locales` shadowed; see `infra/zod-lean.ts`. */
export * from '../node_modules/zod/v4/core/index.js';

export const locales: Record<string, never> = {};
