import Stripe from 'stripe';
import { ulid } from 'ulid';
import { collectInvoice, retryPayment } from '../../../functions/collection/app/collect-invoices';
import { startOverdueDunning } from '../../../functions/collection/app/overdue';
import { reconcileOrg } from '../../../functions/collection/app/reconcile-ledger';
import { advanceOrgDunning } from '../../../functions/dunning/app/dunning';
import { closeOrgPeriod } from '../../../functions/invoicing/app/close-period';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { periodByKey } from '../../../functions/kernel/period';
import { createSqsClient } from '../../../functions/kernel/sqs/client';
import { stripeOptions } from '../../../functions/kernel/stripe/client';
import { handler as reconcileStripeEvents } from '../../../functions/payments/queue/reconcile-stripe-events';
import { QUEUES } from '../../../functions/queues';
import { type Poller, startPoller } from '../../../scripts/local/poller';
import { createQueues } from '../../../scripts/local/sqs';
import { type StripeSandbox, startStripeSandbox } from '../../../scripts/stripe-sandbox';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { stripeEventsSettled, until as waitUntil } from '../../support/waiting';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';

/**
 * Issue 11's "Done means", end to end on the local stack with one injected product clock (the Stripe
 * sandbox runs on it too): Stripe.js's and the card network's side in the sandbox → signed webhooks → the
 * local gateway → the Stripe-events queue in fauxqs → the poller → the reconciler → collection, and the
 * schedules' use cases called for this test's invoices and orgs only (the table is shared with other
 * test files running at the same time). Periods are closed as the close schedule closes them.
 *
 * The orgs live in March 2027, a month no other test file closes. Team (flat USD 49.00) bought on the
 * 2nd: the March invoice bills the short first period (30 of 31 days: 4,741.9… → 4,742) and April in advance (4,900).
 */
const WEBHOOK_SECRET = 'whsec_collection_e2e_0123456789';
const SECRET_KEY = 'sk_test_collection_e2e_0123456789';
const STEP_MS = 15_000;
const MARCH = periodByKey('2027-03');
const AFTER_GRACE = '2027-04-01T01:30:00.000Z';
const DAY = 86_400_000;

const clock = fixedClock('2027-03-02T00:00:00.000Z');
// Each test drives a whole month end through real parts: seconds, not the default 5.
jest.setTimeout(60_000);
let sandbox: StripeSandbox;
let api: TestApi;
let poller: Poller;
let deps: Deps;
let stripe: Stripe;
const sqs = createSqsClient(loadConfig());
const queueUrl = () => process.env.STRIPE_EVENTS_QUEUE_URL!;

beforeAll(async () => {
  // A Stripe-events queue of this file's own: another file's poller on a shared queue would take our
  // events (and we theirs) and reconcile them against the wrong sandbox.
  const definition = QUEUES.find((q) => q.id === 'stripeEvents')!;
  const own = { ...definition, name: `collection-e2e-${ulid().toLowerCase()}` };
  const created = (await createQueues(sqs, [own])).stripeEvents;
  process.env.STRIPE_EVENTS_QUEUE_URL = created.url;
  sandbox = await startStripeSandbox({
    port: 0,
    webhookSecret: WEBHOOK_SECRET,
    apiKey: SECRET_KEY,
    deliveryRetryDelaysMs: [50, 200, 500],
    clock: () => clock.now(),
  });
  process.env.STRIPE_API_URL = sandbox.url;
  process.env.STRIPE_SECRET_KEY = SECRET_KEY;
  process.env.STRIPE_WEBHOOK_SECRETS = WEBHOOK_SECRET;
  deps = buildDeps(loadConfig(), clock);
  setDepsForTesting(deps);
  api = await startTestApi();
  sandbox.control.setWebhookUrl(`${api.url}/v1/webhooks/stripe`);
  stripe = new Stripe(SECRET_KEY, stripeOptions({ stripeApiUrl: sandbox.url }));
  poller = startPoller({
    sqs,
    queueUrl: created.url,
    queueArn: created.arn,
    dlqUrl: created.dlqUrl,
    definition: own,
    handler: reconcileStripeEvents,
    retryDelaySeconds: 1,
  });
}, 60_000);

afterAll(async () => {
  await poller?.stop();
  await sandbox?.close();
  await api?.close();
  setDepsForTesting(undefined);
});

/** Every webhook delivered and every queued event reconciled. */
const quiescent = () => stripeEventsSettled(sandbox, sqs, queueUrl(), STEP_MS);
const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = STEP_MS) =>
  waitUntil(what, probe, timeoutMs);

const get = async (org: TestOrg, route: string, params: Record<string, string> = {}, query = {}) => {
  const res = await api.request(route, { token: org.tokens.owner, params: { org: org.id, ...params }, query });
  expect(res.status).toBe(200);
  return res.body;
};

/** A card saved as Stripe.js saves it, reconciled into the mirror. */
async function saveCard(org: TestOrg, testCard: string, defaults: number): Promise<string> {
  const si = await api.request('POST /v1/orgs/{org}/payment-methods/setup-intents', {
    token: org.tokens.owner,
    params: { org: org.id },
  });
  const confirmed = await stripe.setupIntents.confirm(si.body.id, { payment_method: testCard });
  const id = confirmed.payment_method as string;
  await until('the card in the mirror', async () => {
    const list = (await get(org, 'GET /v1/orgs/{org}/payment-methods')).data as { id: string; is_default: boolean }[];
    return list.some((m) => m.id === id) && list.filter((m) => m.is_default).length === defaults ? true : undefined;
  });
  return id;
}

/** A new org with a card, a `payment_failed` contact and Team, with March closed into one period invoice. */
async function invoicedOrg(card: string, settings?: Record<string, unknown>) {
  clock.set('2027-03-02T00:00:00.000Z');
  const org = await api.newOrg();
  if (settings) {
    const put = await api.request('PUT /v1/orgs/{org}/billing-settings', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: settings,
    });
    expect(put.status).toBe(200);
  }
  const contact = await api.request('POST /v1/orgs/{org}/contacts', {
    token: org.tokens.owner,
    params: { org: org.id },
    body: { name: 'Finance', email: 'finance@example.com', notice_kinds: ['payment_failed', 'dunning'] },
  });
  expect(contact.status).toBe(201);
  const pm = await saveCard(org, card, 1);
  const bought = await api.request('POST /v1/orgs/{org}/subscription', {
    token: org.tokens.owner,
    params: { org: org.id },
    body: { plan_id: 'team', currency: 'USD' },
  });
  expect(bought.status).toBe(201);
  clock.set(AFTER_GRACE);
  expect(await closeOrgPeriod(deps, org.id, MARCH.end.toISOString())).toBe('closed');
  const list = (await get(org, 'GET /v1/orgs/{org}/invoices')).data as { id: string; amount_due_minor: number }[];
  expect(list).toHaveLength(1);
  expect(list[0]!.amount_due_minor).toBe(4_742 + 4_900);
  return { org, pm, invoiceId: list[0]!.id };
}

const invoiceOf = (org: TestOrg, id: string) => get(org, 'GET /v1/orgs/{org}/invoices/{id}', { id });
const statusOf = (org: TestOrg) => get(org, 'GET /v1/orgs/{org}/billing-status');
const stripeInvoices = (customerId: string) =>
  sandbox.control.store.invoices.all().filter((i) => i.customer === customerId);
const customerOf = async (orgId: string) => (await deps.stripeCustomers.customerOf(orgId))!;
const upgrade = (org: TestOrg) =>
  api.request('PATCH /v1/orgs/{org}/subscription', {
    token: org.tokens.owner,
    params: { org: org.id },
    body: { plan_id: 'pro' },
  });

describe('collection end to end (close → Stripe → webhooks → dunning → pay now → drift)', () => {
  it('charges a period invoice with pm_card_visa: paid, one Stripe invoice, the hosted link on ours', async () => {
    const { org, pm, invoiceId } = await invoicedOrg('pm_card_visa');
    expect(await collectInvoice(deps, { orgId: org.id, invoiceId })).toBe('charged');
    await quiescent();
    const invoice = await invoiceOf(org, invoiceId);
    expect(invoice).toMatchObject({
      status: 'paid',
      collection_method: 'charge_automatically',
      amount_paid_minor: 9_642,
      paid_at: AFTER_GRACE,
      stripe_invoice_id: expect.stringMatching(/^in_/),
      hosted_invoice_url: expect.stringMatching(/^https:\/\/invoice\.stripe\.com\//),
      invoice_pdf: expect.stringMatching(/\/pdf$/),
      payment_attempts: [expect.objectContaining({ outcome: 'succeeded', amount_minor: 9_642, payment_method_id: pm })],
    });
    const theirs = stripeInvoices(await customerOf(org.id));
    expect(theirs).toHaveLength(1);
    expect(theirs[0]).toMatchObject({ id: invoice.stripe_invoice_id, status: 'paid', total: 9_642 });
    expect(theirs[0]!.lines.data.map((l) => l.metadata)).toEqual(
      invoice.lines.map((l: { id: string }) => ({ invoice_id: invoiceId, line_id: l.id })),
    );
    // The schedule running again (or late) charges nothing more.
    expect(await collectInvoice(deps, { orgId: org.id, invoiceId })).toBe('nothing_to_do');
    expect(sandbox.control.store.charges.all().filter((c) => c.customer === theirs[0]!.customer)).toHaveLength(1);
    expect((await statusOf(org)).dunning_state).toBe('none');

    // The drift report: empty after the month; then Stripe is made to disagree behind our back.
    expect((await reconcileOrg(deps, org.id)).differences).toEqual([]);
    const clean = await get(org, 'GET /v1/orgs/{org}/reconciliation');
    expect(clean).toMatchObject({ in_sync: true, invoices_checked: 1, charges_checked: 1, differences: [] });
    sandbox.control.driftInvoice(invoice.stripe_invoice_id, { amount_paid: 100 });
    await reconcileOrg(deps, org.id);
    const drift = await get(org, 'GET /v1/orgs/{org}/reconciliation');
    expect(drift.in_sync).toBe(false);
    expect(drift.differences).toEqual([
      {
        kind: 'amount_paid',
        invoice_id: invoiceId,
        stripe_invoice_id: invoice.stripe_invoice_id,
        charge_id: null,
        ours: 9_642,
        stripe: 100,
      },
    ]);
  });

  it('a card that always fails: past_due, purchases frozen, the notice; a new card and pay now: paid and unfrozen', async () => {
    const { org, invoiceId } = await invoicedOrg('pm_card_chargeCustomerFail');
    expect(await collectInvoice(deps, { orgId: org.id, invoiceId })).toBe('charged');
    await quiescent();
    const failed = await invoiceOf(org, invoiceId);
    expect(failed.status).toBe('open');
    expect(failed.payment_attempts).toEqual([
      expect.objectContaining({ outcome: 'failed', decline_code: 'generic_decline' }),
    ]);
    expect(await statusOf(org)).toMatchObject({ dunning_state: 'past_due', freeze_reasons: ['dunning'] });
    const blocked = await upgrade(org);
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('billing_frozen');
    const notices = (await get(org, 'GET /v1/orgs/{org}/notifications')).data as { kind: string; cause: string }[];
    const failedNotices = notices.filter((n) => n.kind === 'payment_failed');
    expect(failedNotices).toEqual([
      expect.objectContaining({ cause: `payment_failed:${invoiceId}:${failed.payment_attempts[0].id}` }),
    ]);
    expect(notices.filter((n) => n.cause.startsWith('dunning:past_due'))).toHaveLength(1);

    // Bad input first: another org's invoice, another customer's card, an unknown card.
    const other = await api.newOrg();
    const foreign = await api.request('POST /v1/orgs/{org}/invoices/{id}/pay', {
      token: other.tokens.owner,
      params: { org: other.id, id: invoiceId },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('invoice_not_found');
    const stranger = await stripe.customers.create({ payment_method: 'pm_card_visa' });
    const strangerPm = (await stripe.paymentMethods.list({ customer: stranger.id, type: 'card' })).data[0]!.id;
    const notOurs = await api.request('POST /v1/orgs/{org}/invoices/{id}/pay', {
      token: org.tokens.billing_admin,
      params: { org: org.id, id: invoiceId },
      body: { payment_method_id: strangerPm },
    });
    expect(notOurs.status).toBe(404);
    expect(notOurs.body.error.code).toBe('payment_method_not_found');

    // A new card, then pay now with it (the failing card stays the default).
    const visa = await saveCard(org, 'pm_card_visa', 1);
    const paid = await api.request('POST /v1/orgs/{org}/invoices/{id}/pay', {
      token: org.tokens.billing_admin,
      params: { org: org.id, id: invoiceId },
      headers: { 'idempotency-key': 'pay-now-1' },
      body: { payment_method_id: visa },
    });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ paid: true, outcome: 'paid', decline_code: null, invoice: { status: 'paid' } });
    await quiescent();
    expect(await statusOf(org)).toMatchObject({ dunning_state: 'none', freeze_reasons: [], new_spend_allowed: true });
    expect((await upgrade(org)).status).toBe(200);
    const customer = await customerOf(org.id);
    const charges = sandbox.control.store.charges.all().filter((c) => c.customer === customer);
    expect(charges.map((c) => c.status)).toEqual(['failed', 'succeeded']);
    // One attempt per charge (both at the same instant of the test's clock: compared as sets).
    expect((await invoiceOf(org, invoiceId)).payment_attempts.map((a: { id: string }) => a.id).sort()).toEqual(
      charges.map((c) => c.id).sort(),
    );

    const again = await api.request('POST /v1/orgs/{org}/invoices/{id}/pay', {
      token: org.tokens.owner,
      params: { org: org.id, id: invoiceId },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invoice_already_paid');
    const replay = await api.request('POST /v1/orgs/{org}/invoices/{id}/pay', {
      token: org.tokens.billing_admin,
      params: { org: org.id, id: invoiceId },
      headers: { 'idempotency-key': 'pay-now-1' },
      body: { payment_method_id: visa },
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('a card that needs 3-D Secure: the attempt requires action and the notice links the hosted page', async () => {
    const { org, invoiceId } = await invoicedOrg('pm_card_authenticationRequired');
    await collectInvoice(deps, { orgId: org.id, invoiceId });
    await quiescent();
    const invoice = await invoiceOf(org, invoiceId);
    expect(invoice.payment_attempts).toEqual([
      expect.objectContaining({ outcome: 'requires_action', decline_code: 'authentication_required' }),
    ]);
    const notices = (await get(org, 'GET /v1/orgs/{org}/notifications')).data as {
      kind: string;
      subject: string;
      body: string;
    }[];
    expect(notices.filter((n) => n.kind === 'payment_failed')).toEqual([
      expect.objectContaining({
        subject: expect.stringContaining('Authenticate the payment'),
        body: expect.stringContaining(invoice.hosted_invoice_url),
      }),
    ]);
    expect((await statusOf(org)).dunning_state).toBe('past_due');
  });

  it('net 30: sent, not charged, due in 30 days; unpaid past due, dunning starts once; paid on the hosted page, it ends', async () => {
    const { org, invoiceId } = await invoicedOrg('pm_card_visa', { net_days: 30 });
    const ref = { orgId: org.id, invoiceId };
    const issued = await invoiceOf(org, invoiceId);
    const due = new Date(Date.parse(AFTER_GRACE) + 30 * DAY).toISOString();
    expect(issued).toMatchObject({ collection_method: 'send_invoice', days_until_due: 30, due_at: due });
    expect(await collectInvoice(deps, ref)).toBe('sent');
    await quiescent();
    const sent = await invoiceOf(org, invoiceId);
    expect(sent).toMatchObject({ status: 'open', payment_attempts: [], hosted_invoice_url: expect.any(String) });
    const atStripe = stripeInvoices(await customerOf(org.id))[0]!;
    expect(atStripe).toMatchObject({ collection_method: 'send_invoice', status: 'open', amount_paid: 0 });
    expect(atStripe.due_date).toBe(Date.parse(due) / 1000);

    clock.set(new Date(Date.parse(due) - 60_000).toISOString());
    expect(await startOverdueDunning(deps, ref)).toBe('not_due');
    clock.set(new Date(Date.parse(due) + 3_600_000).toISOString());
    expect(await startOverdueDunning(deps, ref)).toBe('overdue');
    expect(await startOverdueDunning(deps, ref)).toBe('nothing_to_do');
    expect(await statusOf(org)).toMatchObject({ dunning_state: 'past_due', freeze_reasons: ['dunning'] });
    const notices = (await get(org, 'GET /v1/orgs/{org}/notifications')).data as { cause: string }[];
    expect(notices.filter((n) => n.cause === `invoice_overdue:${invoiceId}`)).toHaveLength(1);

    // The customer pays on Stripe's hosted page (here: the card on file, as the page would charge it).
    await stripe.invoices.pay(atStripe.id);
    await quiescent();
    expect(await invoiceOf(org, invoiceId)).toMatchObject({ status: 'paid' });
    expect((await statusOf(org)).dunning_state).toBe('none');
  });

  it('left unpaid: retries, then grace → suspended (not entitled) → canceled (free tier, invoice uncollectible), each once', async () => {
    const { org, invoiceId } = await invoicedOrg('pm_card_chargeDeclinedInsufficientFunds');
    const ref = { orgId: org.id, invoiceId };
    await collectInvoice(deps, ref);
    const t0 = Date.parse(AFTER_GRACE);
    const at = (days: number) => new Date(t0 + days * DAY + 60_000).toISOString();
    const fire = async (days: number) => {
      clock.set(at(days));
      await retryPayment(deps, ref);
      // The schedule firing twice at once applies each step once.
      await Promise.all([advanceOrgDunning(deps, org.id, at(days)), advanceOrgDunning(deps, org.id, at(days))]);
    };
    for (const day of [1, 3, 5, 7]) await fire(day);
    await quiescent();
    const retried = await invoiceOf(org, invoiceId);
    expect(retried.payment_attempts.map((a: { decline_code: string }) => a.decline_code)).toEqual(
      Array(5).fill('insufficient_funds'),
    );
    expect((await statusOf(org)).dunning_state).toBe('grace');

    await fire(10);
    expect((await statusOf(org)).dunning_state).toBe('suspended');
    const entitlement = await get(org, 'GET /v1/orgs/{org}/entitlement');
    expect(entitlement).toMatchObject({ allowed: false, reason: 'suspended' });

    await fire(24);
    await fire(24.5);
    expect((await statusOf(org)).dunning_state).toBe('canceled');
    const subscription = await get(org, 'GET /v1/orgs/{org}/subscription');
    expect(subscription).toMatchObject({ status: 'canceled', terms_now: { plan_id: 'free' } });
    expect(subscription.history.filter((e: { type: string }) => e.type === 'canceled')).toEqual([
      expect.objectContaining({ reason: 'non_payment', to: expect.objectContaining({ plan_id: 'free' }) }),
    ]);
    expect((await invoiceOf(org, invoiceId)).status).toBe('uncollectible');
    // Stripe's copy follows through the collection outbox.
    expect(await collectInvoice(deps, ref)).toBe('written_off');
    await quiescent();
    const invoice = await invoiceOf(org, invoiceId);
    expect(invoice.status).toBe('uncollectible');
    expect(stripeInvoices(await customerOf(org.id))[0]!.status).toBe('uncollectible');

    const audit = (await get(org, 'GET /v1/orgs/{org}/audit', {}, { limit: 100 })).data as { action: string }[];
    const actions = audit.map((a) => a.action).reverse();
    expect(actions.filter((a) => a.startsWith('dunning.'))).toEqual([
      'dunning.past_due',
      'dunning.grace',
      'dunning.suspended',
      'dunning.canceled',
    ]);
    expect(actions.filter((a) => a === 'subscription.canceled')).toHaveLength(1);
    expect(actions.filter((a) => a === 'invoice.uncollectible')).toHaveLength(1);
    const notices = (await get(org, 'GET /v1/orgs/{org}/notifications', {}, { limit: 100 })).data as {
      cause: string;
    }[];
    for (const state of ['past_due', 'grace', 'suspended', 'canceled']) {
      expect(notices.filter((n) => n.cause.startsWith(`dunning:${state}:`))).toHaveLength(1);
    }
  });
});
