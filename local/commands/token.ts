import { mintToken, ROLES } from '#adapters/jwt.ts';
import { readSitesFile } from '#adapters/sites-file.ts';
import { choiceFlag, parseFlags, requireFlag } from '../args.ts';
import { readConfig } from '../config.ts';
import { localJwtSecret } from '../context.ts';
import { type Command, UsageError } from './types.ts';

export const token: Command = {
  name: 'token',
  summary: 'mint a bearer token for the local API',
  usage:
    'switchyard token --role <trader|finance|admin|operator> --user <name> [--ttl-hours 12]\n' +
    '       switchyard token --role agent --site <id> [--site <id>…] [--user <name>] [--ttl-hours 12]',
  async run(argv) {
    const flags = parseFlags(argv, {
      role: { type: 'string', multiple: true },
      user: { type: 'string' },
      site: { type: 'string', multiple: true },
      'ttl-hours': { type: 'string' },
    });
    const roles = (flags.role ?? []).map((r) => choiceFlag(r, 'role', ROLES));
    if (roles.length === 0) throw new UsageError('--role is required');
    const config = readConfig();
    const sites = flags.site;
    if (roles.includes('agent') && !sites?.length)
      throw new UsageError('--site is required with --role agent: an agent acts for its own site(s) only');
    if (sites?.length) {
      if (!roles.includes('agent')) throw new UsageError('--site is only for --role agent');
      const known = readSitesFile(config.sitesFile).sites.map((s) => s.id);
      const unknown = sites.filter((s) => !known.includes(s));
      if (unknown.length) throw new UsageError(`--site must name a configured site (${known.join(', ')}); unknown: ${unknown.join(', ')}`);
    }
    // An agent needs no person's name: it is its site's agent.
    const user = flags.user ?? (sites?.length ? `agent-${sites.join('-')}` : requireFlag(flags.user, 'user'));
    if (!/^[\w.@-]{1,64}$/.test(user)) throw new UsageError(`--user must be 1–64 letters, digits or . _ @ - (got "${user}")`);
    const ttlHours = flags['ttl-hours'] === undefined ? 12 : Number(flags['ttl-hours']);
    if (!(ttlHours > 0 && ttlHours <= 24 * 30))
      throw new UsageError(`--ttl-hours must be a number of hours from 0 to 720 (got "${flags['ttl-hours']}")`);
    const secret = localJwtSecret(config.home);
    process.stdout.write(`${await mintToken(secret, user, roles, Math.round(ttlHours * 3600), Date.now(), sites)}\n`);
    return 0;
  },
};
