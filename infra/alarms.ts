/**
 * Alarms to one SNS topic: function errors, dead-letter queues that are not empty, API 5xx,
 * run staleness (no successful run for 2 hours) and market-data staleness.
 *
 * The staleness alarms treat missing data as breaching: a function that stops running emits
 * nothing, and silence must page as loudly as a failure. Their metrics come from the handlers
 * (Powertools metrics, namespace Switchyard, dimension `service`):
 *   - `RunsSucceeded` (service=run-interval): runs that succeeded in the invocation;
 *   - `FeedsStale` (service=ingest-prices / ingest-hashprice / ingest-nordpool): feeds whose newest stored interval
 *     is older than its threshold (shared/app/staleness.ts); each also has `FeedAgeSeconds` per `Feed`.
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IMetric, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '#functions/shared/settings.ts';
import type { FunctionName } from './bundling.ts';
import type { Cadence, StageConfig } from './config.ts';
import type { SwitchyardFunction } from './functions.ts';
import { CADENCES } from './schedules.ts';

/** The namespace the handlers' Powertools metrics use (the stack sets it as POWERTOOLS_METRICS_NAMESPACE). */
export { METRICS_NAMESPACE };

/** Metrics the handlers emit (Powertools metrics: namespace Switchyard, dimension `service`). */
export const HANDLER_METRICS = {
  runsSucceeded: { metricName: 'RunsSucceeded', service: 'run-interval' },
  priceFeedsStale: { metricName: 'FeedsStale', service: 'ingest-prices' },
  hashpriceFeedsStale: { metricName: 'FeedsStale', service: 'ingest-hashprice' },
  dayAheadFeedsStale: { metricName: 'FeedsStale', service: 'ingest-nordpool' },
} as const;

export interface AlarmsProps {
  config: StageConfig;
  functions: readonly SwitchyardFunction[];
  httpApi: HttpApi | undefined;
}

export class Alarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { config } = props;
    const prefix = `switchyard-${config.stage}`;

    // Alarm notifications carry alarm names and metric values, no data: SSL enforced, no KMS key
    // (CloudWatch cannot publish to a topic under the AWS-managed SNS key).
    this.topic = new Topic(this, 'Topic', {
      topicName: `${prefix}-alarms`,
      displayName: `Switchyard ${config.stage} alarms`,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new EmailSubscription(config.alarmEmail));
    const action = new SnsAction(this.topic);

    const alarm = (
      id: string,
      p: {
        metric: IMetric;
        threshold: number;
        comparison: ComparisonOperator;
        evaluationPeriods?: number;
        missing: TreatMissingData;
        description: string;
        actionsEnabled?: boolean;
      },
    ) => {
      const a = new Alarm(this, id, {
        actionsEnabled: p.actionsEnabled ?? true,
        alarmName: `${prefix}-${id}`,
        alarmDescription: p.description,
        metric: p.metric,
        threshold: p.threshold,
        comparisonOperator: p.comparison,
        evaluationPeriods: p.evaluationPeriods ?? 1,
        datapointsToAlarm: p.evaluationPeriods ?? 1,
        treatMissingData: p.missing,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    for (const f of props.functions) {
      alarm(`${f.name}-errors`, {
        metric: f.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        missing: TreatMissingData.NOT_BREACHING,
        description: `The ${f.name} function threw (see its log group ${f.logGroup.logGroupName})`,
      });
    }

    for (const f of props.functions) {
      const queue = f.deadLetterQueue;
      if (!queue) continue;
      alarm(`${f.name}-dlq-not-empty`, {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 0,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: TreatMissingData.NOT_BREACHING,
        description: `An asynchronous ${f.name} invocation failed after its retries and is in its dead-letter queue; inspect it, fix the cause, redrive or delete it`,
      });
    }

    if (props.httpApi) {
      alarm('api-5xx', {
        metric: props.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 5,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        missing: TreatMissingData.NOT_BREACHING,
        description: 'The HTTP API answered 5 or more 5xx in 5 minutes',
      });
    }

    const handlerMetric = (m: { metricName: string; service: string }, statistic: string, period: Duration) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName: m.metricName, dimensionsMap: { service: m.service }, statistic, period });

    if (props.functions.some((f) => f.name === 'run-interval')) {
      alarm('run-stale', {
        metric: handlerMetric(HANDLER_METRICS.runsSucceeded, 'Sum', Duration.hours(1)),
        threshold: 1,
        comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        missing: TreatMissingData.BREACHING,
        // With the schedules created disabled, nothing runs on purpose: no notification.
        actionsEnabled: config.schedules.enabled,
        description: 'No successful run-interval run for 2 hours: decisions are not being made',
      });
    }

    // Stale in two ingest periods in a row (or no report at all): decisions fall back to their fail-safe.
    const feedsStale = (id: string, fn: FunctionName, metric: { metricName: string; service: string }, cadence: Cadence, what: string) => {
      if (!props.functions.some((f) => f.name === fn)) return;
      alarm(id, {
        metric: handlerMetric(metric, 'Maximum', Duration.minutes(Math.max(CADENCES[cadence].minutes, 5))),
        threshold: 1,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        missing: TreatMissingData.BREACHING,
        actionsEnabled: config.schedules.enabled,
        description: `${what} are stale (MarketDataStale events name the feeds), or ${fn} stopped reporting`,
      });
    };
    feedsStale('market-data-stale', 'ingest-prices', HANDLER_METRICS.priceFeedsStale, config.schedules.ingestPrices, 'Market prices');
    feedsStale('hashprice-stale', 'ingest-hashprice', HANDLER_METRICS.hashpriceFeedsStale, config.schedules.ingestHashprice, 'Hashprices');
    // Daily slots (infra/schedules.ts NORDPOOL_SLOTS): two days without a report, or two with stale Nord Pool prices.
    feedsStale('day-ahead-stale', 'ingest-nordpool', HANDLER_METRICS.dayAheadFeedsStale, 'daily', 'Nord Pool day-ahead prices');
  }
}
