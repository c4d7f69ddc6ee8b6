/**
 * The operator console in AWS: a private bucket behind CloudFront with origin access control, HTTPS
 * only and security headers; the Cognito hosted UI with the console as its callback; cdk-nag clean.
 * A stage gets the console with its hosted-UI domain (here prod with a domain prefix).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stages } from '../../infra/config.ts';
import { nagFindings, synthStage, testConfig } from './synth.ts';

const prod = synthStage(testConfig('prod', { cognito: { ...stages.prod.cognito, domainPrefix: 'switchyard-console-test' } }));
const template = prod.statelessTemplate;
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

const [distributionId, distribution] = ofType('AWS::CloudFront::Distribution')[0]!;
const distributionDomain = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] };

describe('the console bucket', () => {
  it('is private, encrypted, TLS-only and logged', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/' }),
    });
    const policies = ofType('AWS::S3::BucketPolicy').map(([, p]) => JSON.stringify(p.Properties.PolicyDocument));
    expect(policies.every((p) => p.includes('"aws:SecureTransport":"false"'))).toBe(true);
  });

  it('is read by the distribution only, through origin access control', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    const grants = ofType('AWS::S3::BucketPolicy').flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement as { Effect: string; Principal?: unknown; Condition?: unknown }[],
    );
    const cloudFront = grants.filter(
      (s) => s.Effect === 'Allow' && JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudfront.amazonaws.com' }),
    );
    expect(cloudFront).toHaveLength(1);
    expect(JSON.stringify(cloudFront[0]!.Condition)).toContain(distributionId);
  });
});

describe('the distribution', () => {
  const config = distribution.Properties.DistributionConfig;

  it('redirects HTTP to HTTPS, serves index.html at /, logs, and maps /docs to the API reference', () => {
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.Logging).toMatchObject({ Prefix: 'cloudfront/' });
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: expect.anything() }]);
    const [fn] = ofType('AWS::CloudFront::Function');
    expect(fn![1].Properties.FunctionCode).toContain("r.uri = '/docs/index.html'");
  });

  it('sends HSTS, a content security policy that allows the API and the hosted UI, and no-framing headers', () => {
    const [policyId, policy] = ofType('AWS::CloudFront::ResponseHeadersPolicy')[0]!;
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    const security = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(security.StrictTransportSecurity).toMatchObject({
      AccessControlMaxAgeSec: 365 * 86400,
      IncludeSubdomains: true,
      Override: true,
    });
    expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(security.ReferrerPolicy).toEqual({ ReferrerPolicy: 'same-origin', Override: true });
    const csp = JSON.stringify(security.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain('https://switchyard-console-test.auth.');
    expect(csp).toContain('execute-api');
  });
});

describe('signing in', () => {
  it('has the hosted-UI domain', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'switchyard-console-test' });
  });

  it('lets the public client use the code grant with the console as its callback and logout URL', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: Match.arrayWith(['openid', 'email', 'profile']),
      CallbackURLs: [distributionDomain],
      LogoutURLs: [distributionDomain],
    });
  });

  it('lets the console call the API from its origin', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] }],
        ExposeHeaders: Match.arrayWith(['ETag', 'Idempotent-Replayed']),
      }),
    });
  });

  it('deploys /config.json naming the API, the hosted UI, the client and the callback, and invalidates the distribution', () => {
    const [, deployment] = ofType('Custom::CDKBucketDeployment')[0]!;
    expect(deployment.Properties.DistributionPaths).toEqual(['/*']);
    // config.json is an asset whose tokens are markers the deployment replaces (SourceMarkers).
    const dir = readdirSync(prod.app.outdir).find((d) => existsSync(join(prod.app.outdir, d, 'config.json')))!;
    const written = JSON.parse(readFileSync(join(prod.app.outdir, dir, 'config.json'), 'utf8'));
    const markers = deployment.Properties.SourceMarkers as Record<string, unknown>[];
    const value = (text: string) => markers.map((m) => m[text]).find((v) => v !== undefined) ?? text;
    const expand = (text: string) => text.replace(/<<marker:[^>]+>>/g, (m) => JSON.stringify(value(m)));
    expect(written.auth).toMatchObject({ kind: 'cognito', scopes: ['openid', 'email', 'profile'] });
    expect(expand(written.auth.domain)).toMatch(/^switchyard-console-test\.auth\..*AWS::Region.*\.amazoncognito\.com$/);
    expect(value(written.auth.clientId)).toEqual({ Ref: ofType('AWS::Cognito::UserPoolClient')[0]![0] });
    expect(value(written.apiUrl)).toEqual({ 'Fn::GetAtt': [ofType('AWS::ApiGatewayV2::Api')[0]![0], 'ApiEndpoint'] });
    expect(expand(written.auth.redirectUri)).toBe(`https://${JSON.stringify({ 'Fn::GetAtt': [distributionId, 'DomainName'] })}/`);
  });

  it('outputs the console URL', () => {
    template.hasOutput('ConsoleUrl', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] } });
  });
});

describe('cdk-nag AwsSolutions on the prod app with the console', () => {
  it('reports no unacknowledged error', () => {
    expect(nagFindings(prod.app, 'error')).toEqual([]);
  });

  it('reports no unacknowledged warning', () => {
    expect(nagFindings(prod.app, 'warning')).toEqual([]);
  });
});
