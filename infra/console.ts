/**
 * The operator console in AWS (DESIGN §10): its static files in a private S3 bucket, served by
 * CloudFront through origin access control, HTTPS only, with security headers; users sign in through
 * the Cognito hosted UI (authorization code + PKCE, the API's public client). The files are built by
 * the project's esbuild (console/build.ts) at synth; `/config.json` tells the app where the API and
 * the hosted UI are.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { ConsoleConfig } from '../console/src/config.ts';
import type { Api } from './api.ts';
import { PROJECT_ROOT } from './bundling.ts';
import type { StageConfig } from './config.ts';

/** The scopes the console asks the hosted UI for (the API's client allows these). */
export const CONSOLE_SCOPES = ['openid', 'email', 'profile'];

/** `/docs` and `/docs/` are the API reference page: S3 has no directory index behind OAC. */
const DOCS_INDEX = `function handler(event) {
  var r = event.request;
  if (r.uri === '/docs' || r.uri === '/docs/') r.uri = '/docs/index.html';
  return r;
}`;

export interface ConsoleSiteProps {
  config: StageConfig;
}

export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  readonly logs: Bucket;
  readonly distribution: Distribution;
  /** `https://<distribution domain>`: the console's origin, the hosted UI's callback. */
  readonly url: string;
  private readonly config: StageConfig;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;
    const retain = config.retainLogs;

    // Access logs of the bucket and the distribution (CloudFront standard logs need ACLs on their bucket).
    this.logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(config.logRetentionDays) }],
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !retain,
    });
    Validations.of(this.logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'The access-log bucket itself: logging it into itself would loop.',
    });

    // The files are rebuilt from the repository on every deploy: nothing in the bucket is state.
    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: false,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `switchyard-${config.stage} console: HSTS, CSP, no framing, no sniffing`,
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, preload: true, override: true },
        contentSecurityPolicy: { contentSecurityPolicy: this.csp(), override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.SAME_ORIGIN, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `switchyard-${config.stage} operator console`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
        functionAssociations: [
          {
            eventType: FunctionEventType.VIEWER_REQUEST,
            function: new CloudFrontFunction(this, 'DocsIndex', {
              code: FunctionCode.fromInline(DOCS_INDEX),
              comment: '/docs → /docs/index.html',
            }),
          },
        ],
      },
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Traders and finance sign in from wherever they are; Cognito decides who gets in, not geography.',
      },
      { id: 'AwsSolutions-CFR2', reason: 'Static files only, no origin logic to protect; the API behind it has its own throttling.' },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate (no custom domain configured); viewers are TLS 1.2+ only once a domain and certificate are added.',
      },
    );
    this.url = `https://${this.distribution.distributionDomainName}`;
  }

  /** Scripts, styles and fetches from the console's origin, plus the API and the hosted UI it talks to. */
  private csp(): string {
    const region = Stack.of(this).region;
    const hostedUi = this.config.cognito.domainPrefix
      ? ` https://${this.config.cognito.domainPrefix}.auth.${region}.amazoncognito.com`
      : '';
    return (
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
      `connect-src 'self' https://*.execute-api.${region}.amazonaws.com${hostedUi}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`
    );
  }

  /** Puts the built files and the console's `/config.json` in the bucket, then invalidates the distribution. */
  deploy(api: Api): BucketDeployment {
    const { config } = this;
    const region = Stack.of(this).region;
    const consoleConfig: ConsoleConfig = {
      apiUrl: api.httpApi.apiEndpoint,
      auth: {
        kind: 'cognito',
        domain: `${config.cognito.domainPrefix}.auth.${region}.amazoncognito.com`,
        clientId: api.client.userPoolClientId,
        redirectUri: `${this.url}/`,
        scopes: CONSOLE_SCOPES,
      },
    };
    const files = Source.asset(join(PROJECT_ROOT, 'console'), {
      exclude: ['dist', 'node_modules'],
      bundling: {
        // Built by the project's esbuild on the machine that synthesises; the image is the fallback the CDK requires.
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
        local: {
          tryBundle(outputDir) {
            execFileSync(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), ['console/build.ts', '--out', outputDir], {
              cwd: PROJECT_ROOT,
              stdio: 'inherit',
            });
            return true;
          },
        },
      },
    });

    // The deployment's own role and log group: no AWS managed policy, logs kept for the stage's retention.
    const logGroup = new LogGroup(this, 'DeployLogs', { retention: config.logRetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    const role = new Role(this, 'DeployRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies the console files into their bucket',
    });
    role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const deployment = new BucketDeployment(this, 'Deploy', {
      sources: [files, Source.jsonData('config.json', consoleConfig)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      role,
      logGroup,
      memoryLimit: 512,
    });
    // The grants the CDK's deployment handler adds to its role, and the handler itself (a CDK singleton at the stack's root).
    const stack = Stack.of(this);
    const bucketId = stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    const why = {
      'Action::s3:GetBucket*': 'reads the staged asset (the grant CDK makes for an asset)',
      'Action::s3:GetObject*': 'reads the staged asset objects',
      'Action::s3:List*': 'lists the staged asset and the console bucket, to copy and prune',
      'Action::s3:Abort*': 'writes the console files (the grant CDK makes for a bucket write)',
      'Action::s3:DeleteObject*': 'prunes the files a new build no longer has',
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*':
        'the objects of the bootstrap assets bucket',
      [`Resource::<${bucketId}.Arn>/*`]: 'every object of the console bucket, which holds nothing else',
      'Resource::*': 'CloudFront invalidation actions take no resource',
    };
    Validations.of(role.node.findChild('DefaultPolicy')).acknowledge(
      ...Object.entries(why).map(([finding, reason]) => ({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: `The CDK deployment handler ${reason}.`,
      })),
    );
    const handler = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handler) {
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-L1',
        reason: "The CDK's own deployment handler: its runtime is the one aws-cdk-lib ships and tests.",
      });
    }
    return deployment;
  }
}
