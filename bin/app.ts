#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BillingApiStack } from '../lib/api-stack';
import { MissingHandlerError } from '../lib/billing-function';
import { BillingConsoleStack } from '../lib/console-stack';
import { BillingStatefulStack } from '../lib/stateful-stack';

const app = new App();
// The CLI refuses user context under `aws:` (`-c aws:cdk:bundling-stacks=[]` is rejected), and sets that key
// itself to bundle every stack on synth. `-c skipBundling=true` overrides it here, before any stack exists:
// a template-only synth (no esbuild), for reviewing templates and cdk-nag while handlers are being written.
const skipBundling = app.node.tryGetContext('skipBundling');
if (skipBundling === true || skipBundling === 'true') app.node.setContext('aws:cdk:bundling-stacks', []);
try {
  // Account/region come from the CLI profile at deploy time; synth stays environment-agnostic and offline.
  const stateful = new BillingStatefulStack(app, 'BillingStatefulStack', {
    description: 'Billing layer: DynamoDB table, SQS queues and the exports bucket (data; retained)',
  });
  const api = new BillingApiStack(app, 'BillingApiStack', {
    description: 'Billing layer: HTTP API, functions, queue consumers and schedules (stateless)',
    table: stateful.table,
    queues: stateful.queues,
    exportsBucket: stateful.exportsBucket,
  });
  new BillingConsoleStack(app, 'BillingConsoleStack', {
    description: 'Billing console: static site (S3 + CloudFront with origin access control), /v1 forwarded to the API',
    api: api.api,
  });
} catch (err) {
  // A handler named in a table but not written yet is an expected state of the worktree: say which, no trace.
  if (err instanceof MissingHandlerError) {
    console.error(`cdk synth: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
// Every synth is checked against AWS Solutions and any finding fails `cdk synth`. cdk-nag 3 is a CDK policy
// validation plugin (v2's `Aspects.of(app).add(...)` and NagSuppressions are gone): findings are accepted
// with `Validations.of(construct).acknowledge({ id, reason })` next to the construct they concern.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
