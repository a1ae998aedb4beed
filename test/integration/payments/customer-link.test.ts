import { PutCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { loadConfig } from '../../../functions/kernel/config';
import { keys } from '../../../functions/kernel/dynamo/keys';
import { stripeOptions } from '../../../functions/kernel/stripe/client';
import { reconcileStripeEvent, type StripeEventEnvelope } from '../../../functions/payments/app/reconcile-stripe-event';
import { type StripeSandbox, startStripeSandbox } from '../../../scripts/stripe-sandbox';
import { buildDeps, type Deps } from '../../support/deps';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';

/**
 * Which org a Stripe customer's events may change: only the org whose link names that customer.
 * `metadata.org_id` can be written by anyone with dashboard access, so it never decides on its own.
 */
const SECRET_KEY = 'sk_test_customer_link_0123456789';
let sandbox: StripeSandbox;
let api: TestApi;
let deps: Deps;
let stripe: Stripe;

beforeAll(async () => {
  sandbox = await startStripeSandbox({ port: 0, webhookSecret: 'whsec_customer_link_0123', apiKey: SECRET_KEY });
  deps = buildDeps({ ...loadConfig(), stripeApiUrl: sandbox.url, stripeSecretKey: SECRET_KEY });
  stripe = new Stripe(SECRET_KEY, stripeOptions({ stripeApiUrl: sandbox.url }));
  api = await startTestApi();
}, 60_000);
afterAll(async () => {
  await sandbox?.close();
  await api?.close();
});

/** A customer made outside the product (the dashboard, another integration) naming `orgId` in metadata, with a card. */
async function foreignCustomerWithCard(orgId: string) {
  const customer = await stripe.customers.create({ name: 'not ours', metadata: { org_id: orgId } });
  const intent = await stripe.setupIntents.create({ customer: customer.id, usage: 'off_session' });
  const confirmed = await stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
  return { customerId: customer.id, paymentMethodId: confirmed.payment_method as string };
}

let seq = 0;
const attached = (customerId: string, paymentMethodId: string): StripeEventEnvelope => ({
  id: `evt_link_${Date.now()}_${++seq}`,
  type: 'payment_method.attached',
  created: Math.floor(Date.now() / 1000),
  data: { object: { id: paymentMethodId, object: 'payment_method', customer: customerId } },
});

async function expectNothingMirrored(org: TestOrg, eventId: string) {
  expect(await deps.paymentMethods.list(org.id)).toEqual([]);
  expect(await deps.inbox.get(eventId)).toMatchObject({
    status: 'failed',
    outcomeCode: 'customer_mismatch',
    orgId: org.id,
  });
}

describe('the Stripe customer an event names', () => {
  it("mirrors nothing into an org that has no link, whatever the customer's metadata.org_id says", async () => {
    const victim = await api.newOrg();
    const foreign = await foreignCustomerWithCard(victim.id);
    const event = attached(foreign.customerId, foreign.paymentMethodId);
    expect(await reconcileStripeEvent(deps, event)).toBe('failed');
    await expectNothingMirrored(victim, event.id);
    // And no link was made up from the metadata either.
    expect(await deps.stripeCustomers.getLink(victim.id)).toBeUndefined();
  });

  it('mirrors nothing into an org from a customer other than the one its link names', async () => {
    const victim = await api.newOrg();
    const own = await stripe.customers.create({ name: 'ours', metadata: { org_id: victim.id } });
    await deps.stripeCustomers.link(victim.id, own.id);
    const foreign = await foreignCustomerWithCard(victim.id);
    const event = attached(foreign.customerId, foreign.paymentMethodId);
    expect(await reconcileStripeEvent(deps, event)).toBe('failed');
    await expectNothingMirrored(victim, event.id);
  });

  it('does not follow a customer → org lookup that disagrees with the org’s own link', async () => {
    const victim = await api.newOrg();
    const own = await stripe.customers.create({ name: 'ours', metadata: { org_id: victim.id } });
    await deps.stripeCustomers.link(victim.id, own.id);
    const foreign = await foreignCustomerWithCard('org_somebody_else');
    // A stray lookup entry (a bad migration, a hand edit) claims the foreign customer is the victim's.
    await deps.db.send(
      new PutCommand({
        TableName: deps.config.tableName,
        Item: {
          PK: `STRAY#${foreign.customerId}`,
          SK: 'STRAY',
          ...keys.stripeCustomerLookup(foreign.customerId),
          entity: 'stripe_customer',
          v: 1,
          data: { orgId: victim.id, customerId: foreign.customerId },
        },
      }),
    );
    const event = attached(foreign.customerId, foreign.paymentMethodId);
    expect(await reconcileStripeEvent(deps, event)).toBe('failed');
    await expectNothingMirrored(victim, event.id);
  });

  it('still mirrors the linked customer’s card while the customer → org index lags behind the link', async () => {
    const org = await api.newOrg();
    const own = await stripe.customers.create({ name: 'ours', metadata: { org_id: org.id } });
    await deps.stripeCustomers.link(org.id, own.id);
    const intent = await stripe.setupIntents.create({ customer: own.id, usage: 'off_session' });
    const confirmed = await stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    // GSI1 is eventually consistent on AWS: right after the link is written a Query may not find it.
    const lookup = keys.stripeCustomerLookup(own.id).GSI1PK;
    const laggingIndex =
      (next: (a: unknown) => Promise<unknown>) =>
      async (args: { input: { IndexName?: string; ExpressionAttributeValues?: Record<string, unknown> } }) =>
        args.input.IndexName === 'GSI1' && args.input.ExpressionAttributeValues?.[':pk'] === lookup
          ? { output: { Items: [], $metadata: {} }, response: {} }
          : next(args);
    deps.db.middlewareStack.add(laggingIndex as never, { step: 'initialize', name: 'laggingIndex' });
    try {
      expect(await reconcileStripeEvent(deps, attached(own.id, confirmed.payment_method as string))).toBe('applied');
    } finally {
      deps.db.middlewareStack.remove('laggingIndex');
    }
    expect((await deps.paymentMethods.list(org.id)).map((m) => m.id)).toEqual([confirmed.payment_method]);
  });
});
