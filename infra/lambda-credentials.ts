/**
 * The AWS SDK's default credential provider, as the Lambda bundles use it: environment variables
 * only. Lambda always puts the execution role's credentials there (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the rest of the default chain — profiles, SSO,
 * web identity, process, container and instance metadata — is dead weight in a bundle
 * (≈ 95 KB minified, with the STS and SSO clients it carries).
 *
 * The bundler aliases `@aws-sdk/credential-provider-node` to this module (infra/bundling.ts);
 * the clients import `defaultProvider` from it. The bundle tests run every bundle with
 * environment credentials, which exercises it.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type FromEnvInit = Parameters<typeof fromEnv>[0];

export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);

/** Environment credentials are refreshed by Lambda, never by the SDK. */
export const credentialsWillNeedRefresh = (): boolean => false;
export const credentialsTreatedAsExpired = (): boolean => false;
