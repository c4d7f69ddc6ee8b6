/**
 * The AWS SDK's default credential provider, as the Lambda bundles use it: environment variables
 * only. Lambda always puts the execution role's credentials there (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the rest of the default chain — profiles, SSO,
 * web identity, process, container and instance metadata — is dead weight in a bundle
 * (≈ 130 KB minified, with the STS and SSO clients it carries).
 *
 * The bundler aliases `@aws-sdk/credential-provider-node` to this module (infra/bundling.ts);
 * the clients import `defaultProvider` from it. Checked against the SDK in package-lock.json:
 * @aws-sdk/credential-provider-node 3.972.98 (which exports exactly these three names; esbuild
 * fails the build should a client import another), clients 3.1169.0. test/infra/bundles.test.ts
 * runs every bundle with environment credentials, which exercises it, and builds them without it
 * to show that it is still needed: without it they exceed the 500 KB budget.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type FromEnvInit = Parameters<typeof fromEnv>[0];

export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);

/** Environment credentials are refreshed by Lambda, never by the SDK. */
export const credentialsWillNeedRefresh = (): boolean => false;
export const credentialsTreatedAsExpired = (): boolean => false;
