/**
 * Live cadence: the ingest announces each series whose newest interval is new as a PricesStored
 * event on the stage's bus (shared/app/jobs/price-redecide.ts), and this rule hands its market and
 * node to run-interval as a price trigger, which decides again what that price informs:
 *
 *   source "switchyard", detail-type "PricesStored"  →  run-interval { "trigger": "price", "market", "node" }
 *
 * Asynchronous like a schedule: EventBridge retries delivery, Lambda retries the function, and what
 * fails for good lands in run-interval's dead-letter queue.
 */
import { Duration } from 'aws-cdk-lib';
import { EventField, type IEventBus, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { PRICE_TRIGGER } from '#functions/run-interval/contract.ts';
import { type DetailType, EVENT_SOURCE } from '#ports/events.ts';
import type { SwitchyardFunction } from './functions.ts';

/** shared/app/jobs/price-redecide.ts `PRICES_STORED`. */
export const PRICES_STORED: DetailType = 'PricesStored';

export interface PriceUpdatesProps {
  bus: IEventBus;
  /** run-interval. */
  handler: SwitchyardFunction;
}

export class PriceUpdates extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: PriceUpdatesProps) {
    super(scope, id);
    // A re-decision is worth its price only while the intervals it informs are open: 15 minutes at most.
    const retry = { maxEventAge: Duration.minutes(15), retryAttempts: 2 };
    const dlq = props.handler.asyncFailureQueue(retry);
    this.rule = new Rule(this, 'Rule', {
      eventBus: props.bus,
      description: `${EVENT_SOURCE} ${PRICES_STORED}: ${props.handler.name} decides again what the new price informs`,
      eventPattern: { source: [EVENT_SOURCE], detailType: [PRICES_STORED] },
      targets: [
        new LambdaFunction(props.handler.fn, {
          event: RuleTargetInput.fromObject({
            trigger: PRICE_TRIGGER,
            market: EventField.fromPath('$.detail.market'),
            node: EventField.fromPath('$.detail.node'),
          }),
          deadLetterQueue: dlq,
          maxEventAge: retry.maxEventAge,
          retryAttempts: retry.retryAttempts,
        }),
      ],
    });
  }
}
