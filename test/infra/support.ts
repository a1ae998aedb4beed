import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { QUEUES, type QueueDefinition } from '../../functions/queues';
import { ROUTES, type RouteDefinition } from '../../functions/routes';
import { SCHEDULES, type ScheduleDefinition } from '../../functions/schedules';
import { BillingApiStack } from '../../lib/api-stack';
import { BillingStatefulStack } from '../../lib/stateful-stack';

/**
 * The template tests check the product's real tables, but handlers are still being written in the same
 * worktree: every entry points at one stub so the tests depend on the tables' shape, not on which handler
 * files exist today (`cdk synth` is what checks those).
 */
export const STUB_ENTRY = 'test/infra/fixtures/stub-handler.ts';

export interface Tables {
  readonly routes: readonly RouteDefinition[];
  readonly queues: readonly QueueDefinition[];
  readonly schedules: readonly ScheduleDefinition[];
}

export const PRODUCT_TABLES: Tables = {
  routes: ROUTES.map((r) => ({ ...r, entry: STUB_ENTRY })),
  queues: QUEUES.map((q) => (q.consumerEntry ? { ...q, consumerEntry: STUB_ENTRY } : q)),
  schedules: SCHEDULES.map((s) => ({ ...s, entry: STUB_ENTRY })),
};

export function synthBilling(tables: Tables = PRODUCT_TABLES, opts: { nag?: boolean } = {}) {
  // An empty bundling-stacks list skips esbuild: the templates are the same, minus the asset contents.
  // CDK's built-in CloudFormation linter (several seconds) runs only where it is the subject: with nag,
  // as `cdk synth` runs it.
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: opts.nag === true,
  });
  const stateful = new BillingStatefulStack(app, 'Stateful', { queues: tables.queues });
  const api = new BillingApiStack(app, 'Api', {
    table: stateful.table,
    queues: stateful.queues,
    exportsBucket: stateful.exportsBucket,
    routes: tables.routes,
    schedules: tables.schedules,
  });
  if (opts.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  // Validation plugins run here and throw on any finding; Template.fromStack reuses this assembly.
  app.synth();
  return { app, stateful, api };
}
