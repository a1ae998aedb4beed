import { Template } from 'aws-cdk-lib/assertions';
import { PRODUCT_TABLES, synthBilling } from './support';

let api: Template;
let stateful: Template;

beforeAll(() => {
  const stacks = synthBilling();
  api = Template.fromStack(stacks.api);
  stateful = Template.fromStack(stacks.stateful);
});

it('the API stack outputs the API URL and the URL to register in Stripe', () => {
  api.hasOutput('ApiUrl', {});
  const webhook = PRODUCT_TABLES.routes.find((r) => r.auth === 'stripe_signature');
  expect(JSON.stringify(api.findOutputs('StripeWebhookUrl'))).toContain(webhook?.path);
});

it('the stateful stack outputs the table name and, per queue, its URL, ARN and DLQ URL', () => {
  stateful.hasOutput('TableName', {});
  for (const q of PRODUCT_TABLES.queues) {
    for (const suffix of ['QueueUrl', 'QueueArn', 'DlqUrl']) stateful.hasOutput(`${q.id}${suffix}`, {});
  }
});
