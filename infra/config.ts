/**
 * Stage configuration: everything that differs between dev and prod, typed, in one place.
 * `app.ts` reads the stage and the few deploy-time overrides (context or environment) once and
 * hands a resolved `StageConfig` to the stacks; nothing below the app reads `process.env`.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { readSitesFile } from '#adapters/sites-file.ts';
import { PROJECT_ROOT } from './bundling.ts';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** How often a scheduled function runs. Each cadence has its expression and retry policy in `schedules.ts`. */
export type Cadence = 'every-5-minutes' | 'every-15-minutes' | 'hourly' | 'daily';

export interface StageConfig {
  stage: Stage;
  /** Target account and region; undefined = environment-agnostic (offline synth). */
  env: { account?: string | undefined; region?: string | undefined };
  /** The sites file bundled with every function (path relative to the repository root, or absolute). */
  sitesFile: string;
  schedules: {
    /** false: schedules are created DISABLED (deploy without running anything). */
    enabled: boolean;
    ingestPrices: Cadence;
    ingestHashprice: Cadence;
    /** The hourly run (minute 0) always exists; this adds runs at minutes 15, 30 and 45. */
    runEvery15Minutes: boolean;
  };
  feeds: {
    /** A Hashrate Index subscription: its API key secret is created and hashprice prefers it to mempool.space. */
    hashrateIndex: boolean;
  };
  /** Missed hours a scheduled run catches up at most. */
  maxCatchUpHours: number;
  /** Email subscribed to the alarm topic; none = subscribe later. */
  alarmEmail: string | undefined;
  /** Log retention, days (one of CloudWatch's allowed values). */
  logRetentionDays: 7 | 14 | 30 | 90 | 180 | 365;
  /** Log groups are kept when the stateless stack is deleted. */
  retainLogs: boolean;
  /** POWERTOOLS_LOG_LEVEL / Lambda application log level. */
  logLevel: 'DEBUG' | 'INFO' | 'WARN';
  api: {
    /** Steady-state requests per second and burst for the whole stage. */
    throttle: { rateLimit: number; burstLimit: number };
    /** Origin of the dashboard allowed by CORS and as the Cognito callback; none = no browser access. */
    dashboardOrigin: string | undefined;
  };
  cognito: {
    /** Hosted sign-in domain `https://<prefix>.auth.<region>.amazoncognito.com`; globally unique; none = no hosted UI. */
    domainPrefix: string | undefined;
    mfa: 'OPTIONAL' | 'REQUIRED';
    /** PLUS enables threat protection (compromised credentials, adaptive authentication). */
    featurePlan: 'ESSENTIALS' | 'PLUS';
  };
  /** EventBridge archive retention, days. */
  eventArchiveDays: number;
  /** Stack termination protection on the stateful stack (the table also has deletion protection). */
  terminationProtection: boolean;
}

export const stages: Record<Stage, StageConfig> = {
  dev: {
    stage: 'dev',
    env: {},
    sitesFile: 'local/demo/sites.json',
    schedules: { enabled: true, ingestPrices: 'hourly', ingestHashprice: 'daily', runEvery15Minutes: false },
    feeds: { hashrateIndex: false },
    maxCatchUpHours: 24,
    alarmEmail: undefined,
    logRetentionDays: 14,
    retainLogs: false,
    logLevel: 'DEBUG',
    api: { throttle: { rateLimit: 50, burstLimit: 100 }, dashboardOrigin: 'http://localhost:5173' },
    cognito: { domainPrefix: undefined, mfa: 'OPTIONAL', featurePlan: 'ESSENTIALS' },
    eventArchiveDays: 30,
    terminationProtection: false,
  },
  prod: {
    stage: 'prod',
    env: {},
    sitesFile: 'sites.prod.json',
    schedules: { enabled: true, ingestPrices: 'every-15-minutes', ingestHashprice: 'hourly', runEvery15Minutes: true },
    feeds: { hashrateIndex: true },
    maxCatchUpHours: 24,
    alarmEmail: undefined,
    logRetentionDays: 90,
    retainLogs: true,
    logLevel: 'INFO',
    api: { throttle: { rateLimit: 200, burstLimit: 400 }, dashboardOrigin: undefined },
    cognito: { domainPrefix: undefined, mfa: 'REQUIRED', featurePlan: 'PLUS' },
    eventArchiveDays: 365,
    terminationProtection: true,
  },
};

export function parseStage(value: unknown): Stage {
  if (typeof value === 'string' && (STAGES as readonly string[]).includes(value)) return value as Stage;
  throw new Error(`stage must be one of ${STAGES.join(', ')} (got ${JSON.stringify(value)}); pass -c stage=dev|prod`);
}

/** Deploy-time overrides: CDK context (`-c key=value`) first, then environment variables. */
export interface Overrides {
  context: (key: string) => unknown;
  env: NodeJS.ProcessEnv;
}

/**
 * The stage's configuration with the overrides applied:
 *   account / region          -c account= -c region=     CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION
 *   sitesFile                 -c sitesFile=               SWITCHYARD_SITES_FILE
 *   alarmEmail                -c alarmEmail=              SWITCHYARD_ALARM_EMAIL
 *   dashboardOrigin           -c dashboardOrigin=         SWITCHYARD_DASHBOARD_ORIGIN
 *   cognitoDomainPrefix       -c cognitoDomainPrefix=     SWITCHYARD_COGNITO_DOMAIN_PREFIX
 *   schedules                 -c schedules=off            (create them disabled)
 * The sites file is validated here, so a bad file fails the synth, not the first Lambda run.
 */
export function resolveStageConfig(stage: Stage, o: Overrides): StageConfig {
  const base = stages[stage];
  const pick = (key: string, envName: string): string | undefined => {
    const v = o.context(key) ?? o.env[envName];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const schedulesOff = o.context('schedules') === 'off';
  const config: StageConfig = {
    ...base,
    env: {
      account: pick('account', 'CDK_DEFAULT_ACCOUNT') ?? base.env.account,
      region: pick('region', 'CDK_DEFAULT_REGION') ?? base.env.region,
    },
    sitesFile: pick('sitesFile', 'SWITCHYARD_SITES_FILE') ?? base.sitesFile,
    alarmEmail: pick('alarmEmail', 'SWITCHYARD_ALARM_EMAIL') ?? base.alarmEmail,
    schedules: { ...base.schedules, enabled: base.schedules.enabled && !schedulesOff },
    api: { ...base.api, dashboardOrigin: pick('dashboardOrigin', 'SWITCHYARD_DASHBOARD_ORIGIN') ?? base.api.dashboardOrigin },
    cognito: {
      ...base.cognito,
      domainPrefix: pick('cognitoDomainPrefix', 'SWITCHYARD_COGNITO_DOMAIN_PREFIX') ?? base.cognito.domainPrefix,
    },
  };
  validateSitesFile(config);
  return config;
}

export function sitesFilePath(config: StageConfig): string {
  return isAbsolute(config.sitesFile) ? config.sitesFile : join(PROJECT_ROOT, config.sitesFile);
}

/** Throws a message naming the file and the failing field (or how to pass another file). */
export function validateSitesFile(config: StageConfig): void {
  const path = sitesFilePath(config);
  if (!existsSync(path)) {
    throw new Error(`stage ${config.stage}: sites file ${path} does not exist; pass -c sitesFile=<path> or set SWITCHYARD_SITES_FILE`);
  }
  readSitesFile(path);
}
