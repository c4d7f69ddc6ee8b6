/**
 * CDK entry (`cdk.json`): `npm run synth` (dev), `npx cdk deploy --all -c stage=prod`, …
 * The stage comes from `-c stage=` (or SWITCHYARD_STAGE), default dev; see infra/config.ts for the
 * other overrides. cdk-nag's AWS Solutions checks run on every synth: an unsuppressed finding fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseStage, resolveStageConfig } from './config.ts';
import { createSwitchyard } from './switchyard.ts';

const app = new App();
const stage = parseStage(app.node.tryGetContext('stage') ?? process.env.SWITCHYARD_STAGE ?? 'dev');
const config = resolveStageConfig(stage, { context: (key) => app.node.tryGetContext(key), env: process.env });
createSwitchyard(app, config);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
