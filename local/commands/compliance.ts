/**
 * `switchyard compliance --site <id> --from <ISO|day> --to <ISO|day> [--format json|html] [--out <file>]`: the compliance
 * evidence of a site from the local store — the same report as GET /reports/compliance (large-load facts, grid
 * deployments and emergencies with the metered response, capability tests), as JSON or the printable page.
 */
import { writeFileSync } from 'node:fs';
import { apiUseCases } from '#app/api.ts';
import { complianceHtml } from '#app/compliance-html.ts';
import { choiceFlag, parseFlags, requireFlag, windowFlags } from '../args.ts';
import { openLocalContext } from '../context.ts';
import type { Command } from './types.ts';

export interface ComplianceArgs {
  siteId: string;
  fromMs: number;
  toMs: number;
  format: 'json' | 'html';
  out: string | undefined;
}

export function parseComplianceArgs(argv: string[]): ComplianceArgs {
  const flags = parseFlags(argv, {
    site: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  });
  const siteId = requireFlag(flags.site, 'site');
  const { fromMs, toMs } = windowFlags(flags);
  const format = flags.format === undefined ? 'json' : choiceFlag(flags.format, 'format', ['json', 'html'] as const);
  return { siteId, fromMs, toMs, format, out: flags.out };
}

export const compliance: Command = {
  name: 'compliance',
  summary: 'print or write the compliance evidence of a site (SB 6 facts, grid deployments, capability tests)',
  usage: 'switchyard compliance --site <id> --from <ISO|day> --to <ISO|day> [--format json|html] [--out <file>]',
  async run(argv) {
    const args = parseComplianceArgs(argv);
    const ctx = await openLocalContext();
    try {
      const useCases = apiUseCases({ sites: ctx.sites(), ...ctx.repos, publisher: ctx.publisher, clock: ctx.clock, log: ctx.log });
      const report = await useCases.complianceReport({ siteId: args.siteId, fromMs: args.fromMs, toMs: args.toMs });
      const text = args.format === 'html' ? complianceHtml(report) : `${JSON.stringify(report, null, 2)}\n`;
      if (args.out) {
        writeFileSync(args.out, text);
        process.stderr.write(`switchyard compliance: wrote ${args.out}\n`);
      } else process.stdout.write(text);
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
