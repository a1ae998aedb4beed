import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { QueueDefinition } from '../../functions/queues';
import type { RouteDefinition } from '../../functions/routes';
import { BillingApiStack } from '../../lib/api-stack';
import { MissingHandlerError } from '../../lib/billing-function';
import { BillingStatefulStack } from '../../lib/stateful-stack';
import { STUB_ENTRY, synthBilling } from './support';

/** The stacks follow whatever tables they are given: a route that sends email, a queue with no consumer yet. */
const routes: RouteDefinition[] = [
  {
    id: 'sendNotice',
    method: 'POST',
    path: '/v1/notices',
    auth: 'jwt',
    roles: ['platform'],
    entry: STUB_ENTRY,
    summary: 'x',
    needs: ['email', 'usage_queue'],
  },
  { id: 'ping', method: 'GET', path: '/v1/ping', auth: 'none', roles: [], entry: STUB_ENTRY, summary: 'x' },
];
const queues: QueueDefinition[] = [
  {
    id: 'usage',
    name: 'u',
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 3,
    batchSize: 7,
    maxBatchingWindowSeconds: 2,
    dlqRetentionDays: 4,
  },
];

let template: Template;
let api: BillingApiStack;

beforeAll(() => {
  api = synthBilling({ routes, queues, schedules: [] }).api;
  template = Template.fromStack(api);
});

it('counts follow the tables: no consumer and no event source for a queue without consumerEntry', () => {
  template.resourceCountIs('AWS::Lambda::Function', 2);
  template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
  template.resourceCountIs('AWS::Events::Rule', 0);
  template.resourceCountIs('AWS::ApiGatewayV2::Route', 2);
});

it('email: ses:SendEmail on the sender identity (address and its domain) and SES_FROM_ADDRESS from a parameter', () => {
  template.hasParameter('SesFromAddress', { Type: 'String' });
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Action: 'ses:SendEmail',
          Resource: [
            Match.objectLike({ 'Fn::Join': Match.anyValue() }),
            Match.objectLike({ 'Fn::Join': Match.anyValue() }),
          ],
        }),
      ]),
    },
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({ SES_FROM_ADDRESS: { Ref: 'SesFromAddress' }, USAGE_QUEUE_URL: Match.anyValue() }),
    },
  });
});

it('no SES parameter when no function sends email', () => {
  const product = Template.fromStack(synthBilling({ routes: routes.slice(1), queues, schedules: [] }).api);
  expect(product.findParameters('SesFromAddress')).toEqual({});
});

it('a bundling synth with a missing handler file fails naming every missing entry, before esbuild runs', () => {
  // Bundling on (the default, as in `cdk synth`): the check runs before the first function is created.
  const app = new App({ builtinCloudFormationValidation: false });
  const stateful = new BillingStatefulStack(app, 'S', { queues });
  const build = () =>
    new BillingApiStack(app, 'A', {
      table: stateful.table,
      queues: stateful.queues,
      exportsBucket: stateful.exportsBucket,
      routes: [...routes, { ...routes[1]!, id: 'ghost', path: '/v1/ghost', entry: 'functions/handlers/http/ghost.ts' }],
      schedules: [{ id: 'later', everyMinutes: 5, entry: 'functions/handlers/schedule/not-yet.ts', description: 'x' }],
    });
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MissingHandlerError);
  expect((error as Error).message).toMatch(
    /ghost: functions\/handlers\/http\/ghost\.ts\n {2}- later: functions\/handlers\/schedule\/not-yet\.ts/,
  );
  expect(api.functions.size).toBe(2);
});

it('a template-only synth (bundling skipped) stands in a placeholder for a missing handler and warns', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stateful = new BillingStatefulStack(app, 'S', { queues });
  const stack = new BillingApiStack(app, 'A', {
    table: stateful.table,
    queues: stateful.queues,
    exportsBucket: stateful.exportsBucket,
    routes: [{ ...routes[1]!, entry: 'functions/handlers/http/ghost.ts' }],
    schedules: [],
  });
  Annotations.fromStack(stack).hasWarning(
    '*',
    Match.stringLikeRegexp('functions/handlers/http/ghost.ts does not exist'),
  );
});
