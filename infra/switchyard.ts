/** One stage of Switchyard: the stateful stack and the stateless stack that uses it. */
import { Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FUNCTION_NAMES, type FunctionName } from './bundling.ts';
import type { StageConfig } from './config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface Switchyard {
  stateful: StatefulStack;
  stateless: StatelessStack;
}

export function createSwitchyard(scope: Construct, config: StageConfig, functions: readonly FunctionName[] = FUNCTION_NAMES): Switchyard {
  const env = config.env.account || config.env.region ? { env: { account: config.env.account, region: config.env.region } } : {};
  const name = (part: string) => `Switchyard-${config.stage}-${part}`;
  const stateful = new StatefulStack(scope, name('Stateful'), {
    ...env,
    config,
    description: `Switchyard ${config.stage}: table, event bus, feed secrets (retained)`,
  });
  const stateless = new StatelessStack(scope, name('Stateless'), {
    ...env,
    config,
    description: `Switchyard ${config.stage}: functions, schedules, HTTP API, alarms`,
    table: stateful.table,
    bus: stateful.bus,
    secrets: stateful.secrets,
    functions,
  });
  for (const stack of [stateful, stateless]) {
    Tags.of(stack).add('project', 'switchyard');
    Tags.of(stack).add('stage', config.stage);
  }
  return { stateful, stateless };
}
