import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the site agent’s import graph', () => {
  it('bundles without the AWS SDK (no AWS account on site)', async () => {
    const result = await build({
      entryPoints: [`${root}agent/main.ts`, `${root}local/commands/agent.ts`],
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      outdir: 'out',
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.startsWith('agent/controller.ts'))).toBe(true);
    expect(inputs.filter((path) => path.includes('@aws-sdk') || path.includes('@smithy'))).toEqual([]);
  });
});
