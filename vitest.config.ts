import { readdirSync } from 'node:fs';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * One vitest project per folder under test/, each runnable alone (`npm run test:unit`, or
 * `npx vitest run --project unit`); `npm test` runs them all in one pool. Only the projects whose
 * tests talk to DynamoDB start the embedded dynalite.
 */
const DYNALITE = ['test/support/global-setup.ts'];

const PROJECTS: { name: string; globalSetup?: string[] }[] = [
  // Pure logic and file parsers: no network, no store.
  { name: 'unit' },
  // Use cases, repositories and handlers against a real dynalite.
  { name: 'integration', globalSetup: DYNALITE },
  // The HTTP API in-process (routes, roles, problems, the OpenAPI document) against dynalite.
  { name: 'api', globalSetup: DYNALITE },
  // Feed and EventBridge clients against loopback servers that speak the providers' wire formats.
  { name: 'contract' },
  // The CLI and the backtest report as a user runs them (child processes, headless Chromium).
  { name: 'e2e' },
  // CDK templates, cdk-nag, and the real esbuild bundles run end to end (those need dynalite).
  { name: 'infra', globalSetup: DYNALITE },
  // Faults through loopback proxies, crashes and fuzzing from the OpenAPI document (the fast part; `npm run bench -- reliability` the long one).
  { name: 'reliability', globalSetup: DYNALITE },
];

// A test file outside the project folders would silently never run: refuse to start instead.
const stray = readdirSync(new URL('./test', import.meta.url), { recursive: true, encoding: 'utf8' }).filter(
  (f) => f.endsWith('.test.ts') && !PROJECTS.some((p) => f.startsWith(`${p.name}/`)),
);
if (stray.length > 0) {
  throw new Error(`test files outside the vitest projects (${PROJECTS.map((p) => p.name).join(', ')}): ${stray.join(', ')}`);
}

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CDK_VALIDATION: 'false',
    },
    projects: PROJECTS.map(
      (p): TestProjectInlineConfiguration => ({
        extends: true,
        test: { name: p.name, include: [`test/${p.name}/**/*.test.ts`], globalSetup: p.globalSetup ?? [] },
      }),
    ),
  },
});
