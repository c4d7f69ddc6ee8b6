/**
 * Builds one stage of the CDK app for assertions: bundling skipped, the same context as `cdk.json`.
 * Each test file builds one App and shares its templates across its tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FUNCTION_NAMES, type FunctionName, PROJECT_ROOT } from '../../infra/bundling.ts';
import { type Stage, type StageConfig, stages } from '../../infra/config.ts';
import { createSwitchyard, type Switchyard } from '../../infra/switchyard.ts';

export interface SynthesizedStage extends Switchyard {
  app: App;
  config: StageConfig;
  functions: readonly FunctionName[];
  stateful: Switchyard['stateful'];
  statefulTemplate: Template;
  statelessTemplate: Template;
}

/** A stage's configuration as the tests use it: the demo sites file, environment-agnostic. */
export function testConfig(stage: Stage, overrides: Partial<StageConfig> = {}): StageConfig {
  return { ...stages[stage], sitesFile: 'local/demo/sites.json', ...overrides };
}

export function synthStage(config: StageConfig, functions: readonly FunctionName[] = FUNCTION_NAMES): SynthesizedStage {
  process.env.CDK_VALIDATION = 'false';
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const s = createSwitchyard(app, config, functions);
  return {
    app,
    config,
    functions,
    ...s,
    statefulTemplate: Template.fromStack(s.stateful),
    statelessTemplate: Template.fromStack(s.stateless),
  };
}

/** cdk-nag AwsSolutions findings that are not acknowledged, as `rule: construct path` lines. */
export function nagFindings(app: App, severity: 'error' | 'warning'): string[] {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations
    .filter((v) => v.severity === severity)
    .flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName}: ${(r as { constructPath?: string }).constructPath ?? r.resourceLogicalId}`),
    );
}
