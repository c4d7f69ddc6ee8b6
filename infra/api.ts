/**
 * The HTTP API (DESIGN §5): API Gateway HTTP API in front of its three Lambdas — the desk's (`api`), the
 * finance reads (`reports`) and the site agents' (`agent-api`), routed by the table in
 * shared/adapters/http/gateway.ts — a Cognito user pool
 * whose groups are the roles, a JWT authorizer on every route except `GET /health` and
 * `GET /openapi.json`, stage throttling and JSON access logs.
 *
 * API Gateway checks the token (signature, issuer, audience/client_id, expiry); the Lambda reads the
 * verified claims (`cognito:groups`) and checks the role per route.
 *
 * Site agents (DESIGN §9) sign in as machines, with no person's password on site: one confidential
 * app client per site of the sites file, with only the client-credentials grant and the scope
 * `switchyard/agent` of the pool's resource server. Their tokens are accepted by a second JWT
 * authorizer (audience: the agent clients, scope required) on the agent routes alone, so an agent
 * token cannot reach any other route. The site binding is the client: the agent-api Lambda is given the
 * client id → site map (`AGENT_CLIENTS`), and an agent token acts only for its client's site. A
 * leaked secret is revoked by rotating that one site's client; no other site is affected. Tokens are
 * issued at the pool domain's `/oauth2/token` endpoint, so agents need `cognitoDomainPrefix`.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpNoneAuthorizer, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  type CfnUserPoolClient,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { GATEWAY_ROUTES, type GatewayRoute, type HttpLambda } from '#adapters/http/gateway.ts';
import { HUMAN_ROLES } from '#adapters/jwt.ts';
import { readSitesFile } from '#adapters/sites-file.ts';
import type { StageConfig } from './config.ts';
import { sitesFilePath } from './config.ts';

/** Routes anyone may call; every other route needs a valid token. */
export const PUBLIC_ROUTES = [
  { method: HttpMethod.GET, path: '/health' },
  { method: HttpMethod.GET, path: '/openapi.json' },
] as const;

const GROUP_DESCRIPTIONS: Record<(typeof HUMAN_ROLES)[number], string> = {
  trader: 'Read, override decisions, review bids',
  finance: 'Read, reports, exports, audit',
  admin: 'Sites configuration, audit',
  operator: 'Runs and health',
};

/** The routes a site agent calls, behind the agent authorizer and its scope. */
export const AGENT_ROUTES = GATEWAY_ROUTES['agent-api'];

const METHODS: Record<GatewayRoute['method'], HttpMethod> = { ANY: HttpMethod.ANY, GET: HttpMethod.GET, POST: HttpMethod.POST };

/** The resource server and scope an agent token carries (`AGENT_SCOPE` in the jwt adapter). */
export const AGENT_RESOURCE_SERVER = 'switchyard';
export const AGENT_SCOPE_NAME = 'agent';

export interface ApiProps {
  config: StageConfig;
  /** The Lambda behind each group of routes. */
  handlers: Readonly<Record<HttpLambda, LambdaFunction>>;
  /** The operator console's origin (infra/console.ts): a hosted-UI callback and a CORS origin besides the dashboard's. */
  consoleOrigin?: string;
}

export class Api extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** One machine client per site (client credentials), by site id. */
  readonly agentClients: Record<string, UserPoolClient> = {};
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { config } = props;
    const prod = config.stage === 'prod';

    // Users are state: the pool is retained and, in prod, protected from deletion.
    this.userPool = new UserPool(this, 'Users', {
      userPoolName: `switchyard-${config.stage}`,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: config.cognito.mfa === 'REQUIRED' ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: config.cognito.featurePlan === 'PLUS' ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      ...(config.cognito.featurePlan === 'PLUS' ? { standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      deletionProtection: prod,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (config.cognito.mfa !== 'REQUIRED') {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason: `${config.stage}: MFA is optional so that test users can be scripted; prod requires TOTP MFA (infra/config.ts).`,
      });
    }
    if (config.cognito.featurePlan !== 'PLUS') {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason: `${config.stage}: a handful of internal users; threat protection (Plus plan) is enabled in prod (infra/config.ts).`,
      });
    }

    for (const role of HUMAN_ROLES) {
      new UserPoolGroup(this, `Group-${role}`, { userPool: this.userPool, groupName: role, description: GROUP_DESCRIPTIONS[role] });
    }

    const origin = config.api.dashboardOrigin;
    const origins = [origin, props.consoleOrigin].filter((o): o is string => o !== undefined);
    if (config.cognito.domainPrefix) this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: config.cognito.domainPrefix } });
    // A public client (no secret): the CLI signs in with SRP or USER_PASSWORD_AUTH, the dashboard with the code grant + PKCE.
    this.client = this.userPool.addClient('Client', {
      userPoolClientName: `switchyard-${config.stage}-api`,
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: true },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(prod ? 1 : 30),
      enableTokenRevocation: true,
      ...(origins.length > 0 && config.cognito.domainPrefix
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true },
              scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
              callbackUrls: origins.map((o) => `${o}/`),
              logoutUrls: origins.map((o) => `${o}/`),
            },
          }
        : { disableOAuth: true }),
    });

    const authorizer = new HttpJwtAuthorizer('Cognito', this.userPool.userPoolProviderUrl, {
      authorizerName: 'cognito-jwt',
      jwtAudience: [this.client.userPoolClientId],
      identitySource: ['$request.header.Authorization'],
    });

    const agentScope = new ResourceServerScope({
      scopeName: AGENT_SCOPE_NAME,
      scopeDescription: 'A site agent: read its dispatch plan, post its telemetry',
    });
    const resourceServer = this.userPool.addResourceServer('AgentResourceServer', {
      identifier: AGENT_RESOURCE_SERVER,
      userPoolResourceServerName: `switchyard-${config.stage}`,
      scopes: [agentScope],
    });
    for (const site of readSitesFile(sitesFilePath(config)).sites) {
      this.agentClients[site.id] = this.userPool.addClient(`Agent-${site.id}`, {
        userPoolClientName: `switchyard-${config.stage}-agent-${site.id}`,
        generateSecret: true,
        authFlows: {},
        oAuth: { flows: { clientCredentials: true }, scopes: [OAuthScope.resourceServer(resourceServer, agentScope)] },
        accessTokenValidity: Duration.hours(1),
        enableTokenRevocation: true,
        preventUserExistenceErrors: true,
      });
      // Without explicit flows Cognito would also allow SRP and custom sign-in through this client: a machine client has no users.
      (this.agentClients[site.id]!.node.defaultChild as CfnUserPoolClient).explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];
    }
    const agentClientIds = Object.values(this.agentClients).map((c) => c.userPoolClientId);
    // The site binding: client id → site, for the Lambda to read from the verified `client_id` claim.
    props.handlers['agent-api'].addEnvironment(
      'AGENT_CLIENTS',
      Object.entries(this.agentClients)
        .map(([site, c]) => `${c.userPoolClientId}=${site}`)
        .join(','),
    );

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `switchyard-${config.stage}`,
      description: 'Switchyard: decisions, overrides, audit, reports, bids',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
      ...(origins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: origins,
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE],
              allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key'],
              exposeHeaders: ['ETag', 'Idempotent-Replayed'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetentionDays,
      removalPolicy: config.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.api.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            user: '$context.authorizer.claims.username',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });

    const integration = new HttpLambdaIntegration('Handler', props.handlers.api);
    const reports = new HttpLambdaIntegration('Reports', props.handlers.reports);
    const agents = new HttpLambdaIntegration('Agents', props.handlers['agent-api']);
    for (const r of PUBLIC_ROUTES) {
      const [route] = this.httpApi.addRoutes({ path: r.path, methods: [r.method], integration, authorizer: new HttpNoneAuthorizer() });
      Validations.of(route!).acknowledge(
        {
          id: 'AwsSolutions-APIG4',
          reason: `${r.method} ${r.path} is public by design (DESIGN §5): liveness and the OpenAPI document carry no data.`,
        },
        { id: 'AwsSolutions-COG4', reason: `${r.method} ${r.path} is public by design (DESIGN §5).` },
      );
    }
    if (agentClientIds.length) {
      const agentAuthorizer = new HttpJwtAuthorizer('CognitoAgents', this.userPool.userPoolProviderUrl, {
        authorizerName: 'cognito-agent-jwt',
        jwtAudience: agentClientIds,
        identitySource: ['$request.header.Authorization'],
      });
      for (const r of AGENT_ROUTES) {
        this.httpApi.addRoutes({
          path: r.path,
          methods: [METHODS[r.method]],
          integration: agents,
          authorizer: agentAuthorizer,
          authorizationScopes: [`${AGENT_RESOURCE_SERVER}/${AGENT_SCOPE_NAME}`],
        });
      }
    }
    for (const r of GATEWAY_ROUTES.reports)
      this.httpApi.addRoutes({ path: r.path, methods: [METHODS[r.method]], integration: reports, authorizer });
    // Everything else goes to the desk's Lambda behind the JWT authorizer; each app routes and checks roles.
    this.httpApi.addRoutes({ path: '/{proxy+}', methods: [HttpMethod.ANY], integration, authorizer });
  }
}
