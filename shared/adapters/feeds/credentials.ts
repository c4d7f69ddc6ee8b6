/**
 * Feed credentials and settings, read at the edge: from the environment locally, from SSM
 * Parameter Store or Secrets Manager in AWS. For a setting `NAME`:
 *
 *   NAME=value                    the value itself (local runs; never used for secrets in AWS)
 *   NAME_PARAM=/switchyard/x      an SSM parameter, decrypted (SecureString)
 *   NAME_SECRET=id[#field]        a Secrets Manager secret; `#field` picks one key of a JSON secret
 *
 * Each remote value is fetched once per container (the promise is cached, failures are not).
 * Values are never logged or put into error messages.
 *
 * The SDK clients are loaded with `import()` on first use only, so a handler whose settings are all
 * literals (or that has none) never loads them. In the Lambda bundles (infra/bundling.ts)
 * `@aws-sdk/client-ssm` is external: the stack configures Secrets Manager only, so SSM's ≈ 76 KB
 * client is left to the copy of the AWS SDK v3 the Node.js 22 runtime ships, loaded the first time
 * an `*_PARAM` setting is read. Secrets Manager — the path the stack uses — stays bundled (esbuild
 * inlines a bundled module's dynamic import), so the SDK deployed for it is the one tested.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';

export interface SecretClients {
  ssm(): SSMClient | Promise<SSMClient>;
  secrets(): SecretsManagerClient | Promise<SecretsManagerClient>;
}

/** SDK clients loaded and built on first use (so that a local run never loads them); endpoints only for tests. */
export function defaultSecretClients(config: { ssmEndpoint?: string; secretsEndpoint?: string } = {}): SecretClients {
  let ssm: Promise<SSMClient> | undefined;
  let secrets: Promise<SecretsManagerClient> | undefined;
  const retryable = <T>(p: Promise<T>, reset: () => void) => {
    p.catch(reset);
    return p;
  };
  return {
    ssm: () =>
      (ssm ??= retryable(
        import('@aws-sdk/client-ssm').then(({ SSMClient }) => new SSMClient(config.ssmEndpoint ? { endpoint: config.ssmEndpoint } : {})),
        () => (ssm = undefined),
      )),
    secrets: () =>
      (secrets ??= retryable(
        import('@aws-sdk/client-secrets-manager').then(
          ({ SecretsManagerClient }) => new SecretsManagerClient(config.secretsEndpoint ? { endpoint: config.secretsEndpoint } : {}),
        ),
        () => (secrets = undefined),
      )),
  };
}

export class SettingError extends Error {
  override readonly name = 'SettingError';
}

export class SettingsReader {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly clients: SecretClients,
  ) {}

  /** The setting's value, or undefined when none of NAME, NAME_PARAM, NAME_SECRET is set. */
  async optional(name: string): Promise<string | undefined> {
    const literal = this.env[name];
    if (literal !== undefined && literal !== '') return literal;
    const param = this.env[`${name}_PARAM`];
    if (param) return this.once(`param:${param}`, () => this.fromSsm(name, param));
    const secret = this.env[`${name}_SECRET`];
    if (secret) return this.once(`secret:${secret}`, () => this.fromSecretsManager(name, secret));
    return undefined;
  }

  async required(name: string): Promise<string> {
    const v = await this.optional(name);
    if (v === undefined)
      throw new SettingError(
        `${name} is not configured: set ${name}, ${name}_PARAM (SSM parameter name) or ${name}_SECRET (Secrets Manager id[#field])`,
      );
    return v;
  }

  private once(key: string, load: () => Promise<string>): Promise<string> {
    let p = this.cache.get(key);
    if (!p) {
      p = load();
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  private async fromSsm(name: string, parameter: string): Promise<string> {
    try {
      const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
      const client = await this.clients.ssm();
      const res = await client.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
      const value = res.Parameter?.Value;
      if (!value) throw new SettingError(`${name}: SSM parameter ${parameter} has no value`);
      return value;
    } catch (err) {
      if (err instanceof SettingError) throw err;
      throw new SettingError(`${name}: cannot read SSM parameter ${parameter}: ${(err as Error).name}`);
    }
  }

  private async fromSecretsManager(name: string, spec: string): Promise<string> {
    const hash = spec.lastIndexOf('#');
    const secretId = hash > 0 ? spec.slice(0, hash) : spec;
    const field = hash > 0 ? spec.slice(hash + 1) : undefined;
    let text: string | undefined;
    try {
      const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      const client = await this.clients.secrets();
      text = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
    } catch (err) {
      throw new SettingError(`${name}: cannot read secret ${secretId}: ${(err as Error).name}`);
    }
    if (!text) throw new SettingError(`${name}: secret ${secretId} has no string value`);
    if (!field) return text;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new SettingError(`${name}: secret ${secretId} is not JSON, so it has no field "${field}"`);
    }
    const value = doc && typeof doc === 'object' ? (doc as Record<string, unknown>)[field] : undefined;
    if (typeof value !== 'string' || value === '') throw new SettingError(`${name}: secret ${secretId} has no string field "${field}"`);
    return value;
  }
}
