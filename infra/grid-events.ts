/**
 * Grid-event deliveries: an operator integration (or a person, with the CLI) puts the grid-events
 * document on the stage's bus, and a rule hands its detail to ingest-grid-events:
 *
 *   source "switchyard.grid", detail-type "GridEvents", detail { "events": [ … ] }
 *
 * The rule is asynchronous like a schedule: EventBridge retries delivery, Lambda retries the
 * function, and what fails for good lands in the function's dead-letter queue.
 */
import { Duration } from 'aws-cdk-lib';
import { type IEventBus, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { SwitchyardFunction } from './functions.ts';

export const GRID_EVENTS_SOURCE = 'switchyard.grid';
export const GRID_EVENTS_DETAIL_TYPE = 'GridEvents';

export interface GridEventDeliveryProps {
  bus: IEventBus;
  handler: SwitchyardFunction;
}

export class GridEventDelivery extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: GridEventDeliveryProps) {
    super(scope, id);
    // Grid emergencies are acted on within minutes: an hour-old delivery is no longer worth retrying.
    const retry = { maxEventAge: Duration.hours(1), retryAttempts: 2 };
    const dlq = props.handler.asyncFailureQueue(retry);
    this.rule = new Rule(this, 'Rule', {
      eventBus: props.bus,
      description: `${GRID_EVENTS_SOURCE} ${GRID_EVENTS_DETAIL_TYPE} deliveries to ${props.handler.name}`,
      eventPattern: { source: [GRID_EVENTS_SOURCE], detailType: [GRID_EVENTS_DETAIL_TYPE] },
      targets: [
        new LambdaFunction(props.handler.fn, {
          event: RuleTargetInput.fromEventPath('$.detail'),
          deadLetterQueue: dlq,
          maxEventAge: retry.maxEventAge,
          retryAttempts: 8,
        }),
      ],
    });
  }
}
