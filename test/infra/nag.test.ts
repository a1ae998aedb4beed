import { App, Stack } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synthBilling } from './support';

/**
 * cdk-nag 3 is a CDK policy-validation plugin: it reports through the validation report, not through
 * Annotations (so `Annotations.fromStack(..).findError('*', /AwsSolutions-.*\/)` would be vacuously empty).
 * Two checks: the app synthesizes with the plugin registered (synth throws on any finding), and the pack,
 * run directly on each stack, reports nothing unacknowledged.
 */
let stacks: Stack[];

beforeAll(() => {
  const { stateful, api } = synthBilling(undefined, { nag: true });
  stacks = [stateful, api];
});

it.each(['Stateful', 'Api'])('%s has no unacknowledged AwsSolutions finding (errors or warnings)', (name) => {
  const stack = stacks.find((s) => s.stackName === name);
  if (!stack) throw new Error(`no stack ${name}`);
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
  const findings = report.violations.map(
    (v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources[0]?.constructPath}`,
  );
  expect(findings).toEqual([]);
  expect(report.success).toBe(true);
});

it('reports what is not acknowledged (the check is not vacuous)', () => {
  const stack = new Stack(new App(), 'Scratch');
  new Queue(stack, 'PlainQueue');
  const rules = new AwsSolutionsChecks(undefined).validateScope(stack).violations.map((v) => v.ruleName);
  expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
});
