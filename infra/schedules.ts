/**
 * EventBridge Scheduler: the price and hashprice ingests and the hourly run (plus an optional run
 * at minutes 15, 30 and 45), in UTC; and the Nord Pool ingest's afternoon slots, in Oslo time
 * (Scheduler's time-zone support follows CET/CEST, as Nord Pool's auction does).
 *
 * Scheduler invokes Lambda asynchronously, so a failure can happen at two places, and both are
 * bounded by the schedule's interval — a retry never overlaps the next scheduled invocation:
 *   - delivery (throttling, service errors): the schedule's retry policy, then the DLQ;
 *   - the function throwing: Lambda's async retries (`configureAsyncInvoke`), then the same DLQ.
 * Each scheduled function has one encrypted SQS dead-letter queue; its depth is alarmed.
 */
import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleGroup, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { DELIVERY_TIME_ZONE } from '#adapters/feeds/day-ahead.ts';
import type { Event as NordPoolEvent } from '#functions/ingest-nordpool/contract.ts';
import type { FunctionName } from './bundling.ts';
import type { Cadence, StageConfig } from './config.ts';
import type { Functions, RetryPolicy, SwitchyardFunction } from './functions.ts';

export const CADENCES: Record<Cadence, { minutes: number; retry: RetryPolicy }> = {
  'every-5-minutes': { minutes: 5, retry: { maxEventAge: Duration.minutes(4), retryAttempts: 2 } },
  'every-15-minutes': { minutes: 15, retry: { maxEventAge: Duration.minutes(10), retryAttempts: 3 } },
  hourly: { minutes: 60, retry: { maxEventAge: Duration.minutes(45), retryAttempts: 5 } },
  daily: { minutes: 1440, retry: { maxEventAge: Duration.hours(6), retryAttempts: 10 } },
};

/** A cron expression (UTC) firing at `minute` past the cadence's boundary (and at `hour` for daily). */
export function cronFor(cadence: Cadence, minute: number, hour = 0): string {
  switch (cadence) {
    case 'every-5-minutes':
      return `cron(${minute % 5}/5 * * * ? *)`;
    case 'every-15-minutes':
      return `cron(${minute % 15}/15 * * * ? *)`;
    case 'hourly':
      return `cron(${minute} * * * ? *)`;
    case 'daily':
      return `cron(${minute} ${hour} * * ? *)`;
  }
}

export interface Job {
  /** Schedule name within the stage's group. */
  name: string;
  fn: FunctionName;
  cadence: Cadence;
  expression: string;
  /** The zone the expression's wall clock is in (IANA name); default UTC. */
  timeZone?: string;
  /** Retry policy when the cadence's is too long for the gap to the function's next slot. */
  retry?: RetryPolicy;
  description: string;
  input: Record<string, unknown>;
}

/**
 * Nord Pool publishes the day-ahead auction's results at about 12:45 CET/CEST (HTTP 204 before). The
 * first slot asks after that; the retries cover a delayed publication (a decoupling or a second
 * auction can push it past 14:00); the last comes after the ECB's reference rate of the day
 * (≈ 16:00 CET), and a day still unpublished then is an error. Local times in Oslo (CET/CEST).
 */
export const NORDPOOL_SLOTS: readonly { hour: number; minute: number; input: NordPoolEvent; description: string }[] = [
  { hour: 13, minute: 15, input: {}, description: 'Nord Pool day-ahead results of the next delivery day (published ≈ 12:45 CET)' },
  { hour: 14, minute: 0, input: {}, description: 'Nord Pool day-ahead results, retry for a late publication' },
  { hour: 15, minute: 30, input: {}, description: 'Nord Pool day-ahead results, second retry' },
  {
    hour: 16,
    minute: 30,
    input: { lastAttempt: true },
    description: 'ECB EUR/USD reference rate of the day (≈ 16:00 CET); last call for the day-ahead results',
  },
];

/** A retry that ends before the next Nord Pool slot (the shortest gap is 45 minutes). */
const NORDPOOL_RETRY: RetryPolicy = { maxEventAge: Duration.minutes(40), retryAttempts: 3 };

/** The schedules of a stage. */
export function jobs(config: StageConfig): Job[] {
  const s = config.schedules;
  // The run records its trigger; the ingests take no input on a schedule (a window would mean a backfill).
  const run = { trigger: 'schedule' };
  const list: Job[] = [
    {
      name: 'ingest-prices',
      fn: 'ingest-prices',
      cadence: s.ingestPrices,
      // Real-time prices of an interval are published ~5 minutes after it ends: :05, :20, :35, :50.
      expression: cronFor(s.ingestPrices, 50, 23),
      description: 'Real-time and day-ahead prices',
      input: {},
    },
    {
      name: 'ingest-hashprice',
      fn: 'ingest-hashprice',
      cadence: s.ingestHashprice,
      // After the UTC day has closed.
      expression: cronFor(s.ingestHashprice, 10, 0),
      description: 'Hashprice of the last complete UTC days',
      input: {},
    },
    {
      name: 'ingest-intensity',
      fn: 'ingest-intensity',
      cadence: 'every-15-minutes',
      // The dashboard updates every few minutes; the :55 pull comes just before the hourly run decides the next hour.
      expression: cronFor('every-15-minutes', 55),
      description: "ERCOT's live fuel mix as grid carbon intensity",
      input: {},
    },
    {
      name: 'run-interval-hourly',
      fn: 'run-interval',
      cadence: 'hourly',
      expression: cronFor('hourly', 0),
      description: 'Decide the hour for every site; catch up missed hours',
      input: run,
    },
  ];
  for (const slot of NORDPOOL_SLOTS) {
    const at = `${String(slot.hour).padStart(2, '0')}${String(slot.minute).padStart(2, '0')}`;
    list.push({
      name: `ingest-nordpool-${at}`,
      fn: 'ingest-nordpool',
      cadence: 'daily',
      expression: `cron(${slot.minute} ${slot.hour} * * ? *)`,
      timeZone: DELIVERY_TIME_ZONE,
      retry: NORDPOOL_RETRY,
      description: slot.description,
      input: slot.input,
    });
  }
  if (s.runEvery15Minutes) {
    list.push({
      name: 'run-interval-quarter-hourly',
      fn: 'run-interval',
      cadence: 'every-15-minutes',
      expression: 'cron(15,30,45 * * * ? *)',
      description: 'Re-run within the hour: resend unpublished events, catch up a failed hourly run',
      input: run,
    });
  }
  return list;
}

export interface SchedulesProps {
  config: StageConfig;
  functions: Functions;
}

export class Schedules extends Construct {
  readonly group: ScheduleGroup;
  readonly schedules: Schedule[] = [];

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const { config, functions } = props;
    this.group = new ScheduleGroup(this, 'Group', { scheduleGroupName: `switchyard-${config.stage}` });

    const all = jobs(config);
    const roles = new Map<FunctionName, Role>();
    for (const job of all) {
      const f = functions.get(job.fn);
      if (!f) continue;
      // Function errors: Lambda retries within the shortest interval among the function's schedules.
      const shortest = all
        .filter((j) => j.fn === job.fn)
        .map((j) => j.retry ?? CADENCES[j.cadence].retry)
        .sort((a, b) => a.maxEventAge.toSeconds() - b.maxEventAge.toSeconds())[0]!;
      const dlq = f.asyncFailureQueue(shortest);
      const retry = job.retry ?? CADENCES[job.cadence].retry;
      let role = roles.get(job.fn);
      if (!role) {
        role = schedulerRole(this, f);
        roles.set(job.fn, role);
      }
      this.schedules.push(
        new Schedule(this, job.name, {
          scheduleName: job.name,
          scheduleGroup: this.group,
          description: job.description,
          schedule: ScheduleExpression.expression(job.expression, job.timeZone ? TimeZone.of(job.timeZone) : TimeZone.ETC_UTC),
          timeWindow: TimeWindow.off(),
          enabled: config.schedules.enabled,
          target: new LambdaInvoke(f.fn, {
            role,
            input: ScheduleTargetInput.fromObject(job.input),
            deadLetterQueue: dlq,
            maxEventAge: retry.maxEventAge,
            retryAttempts: retry.retryAttempts,
          }),
        }),
      );
    }
  }
}

/** The role Scheduler assumes to invoke one function (and to send to its DLQ), for this account only. */
function schedulerRole(scope: Construct, f: SwitchyardFunction): Role {
  const stack = Stack.of(scope);
  const role = new Role(scope, `${f.name}-scheduler-role`, {
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    description: `EventBridge Scheduler invokes ${f.fn.node.path}`,
  });
  const logicalId = stack.getLogicalId(f.fn.node.defaultChild as CfnFunction);
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
    reason: 'lambda:InvokeFunction on the versions and aliases of this one function, as the Scheduler target grants it; no other resource.',
  });
  return role;
}
