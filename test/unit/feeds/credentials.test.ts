import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { type SecretClients, SettingsReader } from '#adapters/feeds/credentials.ts';

/** Clients whose `send` answers from a table and counts calls. */
function clients(params: Record<string, string>, secrets: Record<string, string>, failFirst = false) {
  const calls: string[] = [];
  let failed = !failFirst;
  const ssm = {
    send: async (cmd: { input: { Name: string } }) => {
      calls.push(`ssm:${cmd.input.Name}`);
      if (!failed) {
        failed = true;
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      }
      const v = params[cmd.input.Name];
      if (v === undefined) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
      return { Parameter: { Value: v } };
    },
  };
  const sm = {
    send: async (cmd: { input: { SecretId: string } }) => {
      calls.push(`secret:${cmd.input.SecretId}`);
      return { SecretString: secrets[cmd.input.SecretId] };
    },
  };
  const c: SecretClients = { ssm: () => ssm as unknown as SSMClient, secrets: () => sm as unknown as SecretsManagerClient };
  return { c, calls };
}

describe('SettingsReader', () => {
  it('prefers the literal value, then an SSM parameter, then a Secrets Manager secret', async () => {
    const { c } = clients({ '/p/key': 'from-ssm' }, { 'app/keys': '{"hi":"from-secret"}', plain: 'raw-secret' });
    const r = new SettingsReader({ A: 'literal', A_PARAM: '/p/key', B_PARAM: '/p/key', C_SECRET: 'app/keys#hi', D_SECRET: 'plain' }, c);
    expect(await Promise.all(['A', 'B', 'C', 'D'].map((k) => r.required(k)))).toEqual(['literal', 'from-ssm', 'from-secret', 'raw-secret']);
    expect(await r.optional('E')).toBeUndefined();
  });

  it('reads each remote value once, however often it is asked for', async () => {
    const { c, calls } = clients({ '/p/key': 'v' }, {});
    const r = new SettingsReader({ A_PARAM: '/p/key' }, c);
    await Promise.all([r.required('A'), r.required('A'), r.required('A')]);
    expect(calls).toEqual(['ssm:/p/key']);
  });

  it('does not cache a failure: the next call tries again', async () => {
    const { c, calls } = clients({ '/p/key': 'v' }, {}, true);
    const r = new SettingsReader({ A_PARAM: '/p/key' }, c);
    await expect(r.required('A')).rejects.toThrow('A: cannot read SSM parameter /p/key: TimeoutError');
    expect(await r.required('A')).toBe('v');
    expect(calls).toHaveLength(2);
  });

  it('says how to configure a missing setting, and never prints a secret value', async () => {
    const { c } = clients({}, { 'app/keys': '{"other":"s3cr3t"}', notjson: 's3cr3t' });
    const r = new SettingsReader({ B_SECRET: 'app/keys#hi', C_SECRET: 'notjson#hi' }, c);
    await expect(r.required('A')).rejects.toThrow(
      'A is not configured: set A, A_PARAM (SSM parameter name) or A_SECRET (Secrets Manager id[#field])',
    );
    const errors = await Promise.all([r.required('B'), r.required('C')].map((p) => p.catch((e: Error) => e.message)));
    expect(errors).toEqual(['B: secret app/keys has no string field "hi"', 'C: secret notjson is not JSON, so it has no field "hi"']);
    expect(errors.join(' ')).not.toContain('s3cr3t');
  });
});
