import Stripe from 'stripe';
import { loadConfig } from '../../../functions/kernel/config';
import { luhnValid } from '../../../functions/kernel/logger';
import { createSqsClient } from '../../../functions/kernel/sqs/client';
import { stripeOptions } from '../../../functions/kernel/stripe/client';
import { handler as reconcileStripeEvents } from '../../../functions/payments/queue/reconcile-stripe-events';
import { QUEUES } from '../../../functions/queues';
import { type Poller, startPoller } from '../../../scripts/local/poller';
import { type StripeSandbox, startStripeSandbox } from '../../../scripts/stripe-sandbox';
import { buildDeps, setDepsForTesting } from '../../support/deps';
import { stripeEventsSettled, until as waitUntil } from '../../support/waiting';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';

/**
 * Issue 5's "Done means", on the local stack with every real part on the one code path: the Stripe
 * sandbox (the card network's and Stripe.js's side) → signed webhook → the local gateway and the webhook
 * handler → the Stripe-events queue in fauxqs → the local event source mapping → the reconciler handler
 * module → DynamoDB Local → the product's routes. Nothing is seeded: every state the routes show was
 * reconciled from Stripe's events. One org per test; the tests run in order (later ones build on a card
 * the earlier ones saved only through their own org, never through shared state).
 */
const WEBHOOK_SECRET = 'whsec_payments_e2e_0123456789';
const SECRET_KEY = 'sk_test_payments_e2e_0123456789';
const STEP_TIMEOUT_MS = 10_000;

let sandbox: StripeSandbox;
let api: TestApi;
let poller: Poller;
/** The browser's Stripe.js, as far as the tests need it: confirms SetupIntents against the sandbox. */
let stripe: Stripe;
const sqs = createSqsClient(loadConfig());
/** Every item value the product wrote to DynamoDB during these tests (Put, Update, transactions, batches). */
const written: { command: string; input: unknown }[] = [];
const recordWrites =
  (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: unknown }) => {
    if (/Put|Update|Transact|BatchWrite/.test(context.commandName ?? '')) {
      written.push({ command: context.commandName!, input: structuredClone(args.input) });
    }
    return next(args);
  };
const queueUrl = () => process.env.STRIPE_EVENTS_QUEUE_URL!;

beforeAll(async () => {
  // Short webhook retries: a 5xx from the gateway is retried within the test's time.
  sandbox = await startStripeSandbox({
    port: 0,
    webhookSecret: WEBHOOK_SECRET,
    apiKey: SECRET_KEY,
    retryDelaysMs: [50, 200, 500],
  });
  // The product reads Stripe's location and secrets from the environment (config.ts) when its deps are
  // built: set them first, then build the deps every handler module of this file's registry will use.
  process.env.STRIPE_API_URL = sandbox.url;
  process.env.STRIPE_SECRET_KEY = SECRET_KEY;
  process.env.STRIPE_WEBHOOK_SECRETS = WEBHOOK_SECRET;
  const deps = buildDeps();
  deps.db.middlewareStack.add(recordWrites as never, { step: 'initialize', name: 'recordWrites' });
  setDepsForTesting(deps);
  api = await startTestApi();
  sandbox.control.setWebhookUrl(`${api.url}/v1/webhooks/stripe`);
  stripe = new Stripe(SECRET_KEY, stripeOptions({ stripeApiUrl: sandbox.url }));
  const definition = QUEUES.find((q) => q.id === 'stripeEvents')!;
  poller = startPoller({
    sqs,
    queueUrl: queueUrl(),
    ...(process.env.STRIPE_EVENTS_QUEUE_ARN ? { queueArn: process.env.STRIPE_EVENTS_QUEUE_ARN } : {}),
    ...(process.env.STRIPE_EVENTS_DLQ_URL ? { dlqUrl: process.env.STRIPE_EVENTS_DLQ_URL } : {}),
    definition,
    handler: reconcileStripeEvents,
    // A retryable failure (contention, a sandbox hiccup) comes back in a second, not in 3 minutes.
    retryDelaySeconds: 1,
  });
}, 60_000);

afterAll(async () => {
  await poller?.stop();
  await sandbox?.close();
  await api?.close();
  setDepsForTesting(undefined);
});

/** Every webhook delivered (or given up) and every queued event reconciled and deleted. */
const quiescent = () => stripeEventsSettled(sandbox, sqs, queueUrl(), STEP_TIMEOUT_MS);
const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = STEP_TIMEOUT_MS) =>
  waitUntil(what, probe, timeoutMs);

interface WireMethod {
  id: string;
  brand: string;
  last4: string;
  is_default: boolean;
}

async function listMethods(org: TestOrg): Promise<WireMethod[]> {
  const res = await api.request<{ data: WireMethod[] }>('GET /v1/orgs/{org}/payment-methods', {
    token: org.tokens.owner,
    params: { org: org.id },
  });
  expect(res.status).toBe(200);
  return res.body.data;
}

/** Polls the product's list until `accept` holds (each step's change arrives asynchronously). */
const methodsWhen = (org: TestOrg, what: string, accept: (methods: WireMethod[]) => boolean) =>
  until(what, async () => {
    const methods = await listMethods(org);
    return accept(methods) ? methods : undefined;
  });

/**
 * Saves a card the way the product's client does: the server creates the SetupIntent, the browser
 * confirms it with Stripe.js (card data never reaches the server). Answers the new method's id.
 */
async function saveCard(org: TestOrg, testCard: string): Promise<{ paymentMethodId: string; customerId: string }> {
  const res = await api.request<{ id: string; client_secret: string; customer_id: string }>(
    'POST /v1/orgs/{org}/payment-methods/setup-intents',
    { token: org.tokens.owner, params: { org: org.id } },
  );
  expect(res.status).toBe(201);
  expect(res.body.client_secret).toMatch(/^seti_.+_secret_/);
  const confirmed = await stripe.setupIntents.confirm(res.body.id, { payment_method: testCard });
  expect(confirmed.status).toBe('succeeded');
  return { paymentMethodId: confirmed.payment_method as string, customerId: res.body.customer_id };
}

async function billingStatus(org: TestOrg) {
  const res = await api.request<{ freeze_reasons: string[]; new_spend_allowed: boolean; disputes: unknown[] }>(
    'GET /v1/orgs/{org}/billing-status',
    { token: org.tokens.owner, params: { org: org.id } },
  );
  expect(res.status).toBe(200);
  return res.body;
}

async function auditActions(org: TestOrg): Promise<string[]> {
  const res = await api.request<{ data: { action: string }[] }>('GET /v1/orgs/{org}/audit', {
    token: org.tokens.owner,
    params: { org: org.id },
    query: { limit: 100 },
  });
  expect(res.status).toBe(200);
  return res.body.data.map((e) => e.action);
}

const subscribeToTeam = (org: TestOrg) =>
  api.request('POST /v1/orgs/{org}/subscription', {
    token: org.tokens.billing_admin,
    params: { org: org.id },
    body: { plan_id: 'team', currency: 'usd' },
  });

/** The org's card set as Stripe holds it now, in the product's wire shape (ids and the default). */
async function stripeView(customerId: string) {
  const [customer, methods] = await Promise.all([
    stripe.customers.retrieve(customerId),
    stripe.paymentMethods.list({ customer: customerId, type: 'card' }),
  ]);
  const defaultId = (customer as Stripe.Customer).invoice_settings.default_payment_method;
  return methods.data
    .map((m) => ({ id: m.id, is_default: m.id === defaultId }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

const productView = (methods: WireMethod[]) =>
  methods.map((m) => ({ id: m.id, is_default: m.is_default })).sort((a, b) => a.id.localeCompare(b.id));

describe('payments end to end (sandbox → webhook → queue → reconciler → routes)', () => {
  it('saves a first card as the default, adds a second and removes the first, leaving the second as default', async () => {
    const org = await api.newOrg();
    expect(await listMethods(org)).toEqual([]);

    const visa = await saveCard(org, 'pm_card_visa');
    const first = await methodsWhen(org, 'the visa as default', (m) => m.length === 1 && m[0]!.is_default);
    expect(first).toEqual([expect.objectContaining({ id: visa.paymentMethodId, brand: 'visa', last4: '4242' })]);

    const mastercard = await saveCard(org, 'pm_card_mastercard');
    expect(mastercard.customerId).toBe(visa.customerId);
    const both = await methodsWhen(org, 'two cards', (m) => m.length === 2);
    expect(both.find((m) => m.id === visa.paymentMethodId)?.is_default).toBe(true);
    expect(both.find((m) => m.id === mastercard.paymentMethodId)).toMatchObject({
      brand: 'mastercard',
      last4: '4444',
      is_default: false,
    });

    const removed = await api.request('DELETE /v1/orgs/{org}/payment-methods/{id}', {
      token: org.tokens.owner,
      params: { org: org.id, id: visa.paymentMethodId },
    });
    expect(removed.status).toBe(204);
    const after = await methodsWhen(
      org,
      'only the mastercard, as default',
      (m) => m.length === 1 && m[0]!.id === mastercard.paymentMethodId && m[0]!.is_default,
    );
    expect(after).toEqual([expect.objectContaining({ brand: 'mastercard', last4: '4444', is_default: true })]);
    await quiescent();
    expect(productView(await listMethods(org))).toEqual(await stripeView(visa.customerId));
  });

  it('freezes new spend on a dispute, unfreezes when it is won, and applies a redelivered event once', async () => {
    const org = await api.newOrg();
    const { customerId } = await saveCard(org, 'pm_card_visa');
    await methodsWhen(org, 'a default card', (m) => m.length === 1 && m[0]!.is_default);

    // The cardholder disputes a charge on the org's customer (an off-session charge, as invoices make).
    const intent = await stripe.paymentIntents.create({
      amount: 4900,
      currency: 'usd',
      customer: customerId,
      payment_method: 'pm_card_createDispute',
      confirm: true,
      off_session: true,
    });
    expect(intent.status).toBe('succeeded');
    const dispute = (await stripe.disputes.list({ limit: 100 })).data.find((d) => d.charge === intent.latest_charge);
    expect(dispute).toBeDefined();
    const reason = `dispute:${dispute!.id}`;

    const frozen = await until('the dispute to freeze the org', async () => {
      const status = await billingStatus(org);
      return status.freeze_reasons.includes(reason) ? status : undefined;
    });
    expect(frozen.new_spend_allowed).toBe(false);
    expect(frozen.disputes).toEqual([
      expect.objectContaining({ id: dispute!.id, status: 'needs_response', reason: 'fraudulent' }),
    ]);
    const blocked = await subscribeToTeam(org);
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('billing_frozen');

    sandbox.control.closeDispute(dispute!.id, 'won');
    const unfrozen = await until('the won dispute to unfreeze the org', async () => {
      const status = await billingStatus(org);
      return status.freeze_reasons.length === 0 ? status : undefined;
    });
    expect(unfrozen.new_spend_allowed).toBe(true);
    expect(unfrozen.disputes).toEqual([expect.objectContaining({ id: dispute!.id, status: 'won' })]);
    const purchased = await subscribeToTeam(org);
    expect(purchased.status).toBe(201);

    // Stripe delivers at least once: three more copies of the event that froze the org change nothing.
    await quiescent();
    const created = sandbox.control
      .deliveries({ type: 'charge.dispute.created' })
      .find((d) => d.objectId === dispute!.id && d.kind === 'original');
    const auditBefore = await auditActions(org);
    const statusBefore = await billingStatus(org);
    expect(auditBefore.filter((a) => a === 'dispute.opened')).toHaveLength(1);
    sandbox.control.redeliver(created!.eventId, 3);
    await quiescent();
    const copies = sandbox.control.deliveries({ eventId: created!.eventId });
    expect(copies).toHaveLength(4);
    expect(copies.every((d) => d.status === 'delivered')).toBe(true);
    expect(await auditActions(org)).toEqual(auditBefore);
    expect(await billingStatus(org)).toEqual(statusBefore);
  });

  it('converges on Stripe’s latest objects when a burst of events arrives reversed and duplicated', async () => {
    const org = await api.newOrg();
    const visa = await saveCard(org, 'pm_card_visa');
    await methodsWhen(org, 'a default card', (m) => m.length === 1 && m[0]!.is_default);
    await quiescent();

    // Held: the reconciler sees none of these until they are released, last first.
    sandbox.control.hold();
    const mastercard = await saveCard(org, 'pm_card_mastercard');
    const amex = await saveCard(org, 'pm_card_amex');
    // Changes made at Stripe directly (the dashboard): amex becomes the default, the visa goes.
    await stripe.customers.update(visa.customerId, {
      invoice_settings: { default_payment_method: amex.paymentMethodId },
    });
    await stripe.paymentMethods.detach(visa.paymentMethodId);
    const held = sandbox.control.deliveries({ status: 'held' });
    expect(held.length).toBeGreaterThanOrEqual(4);
    const attached = held.find(
      (d) => d.type === 'payment_method.attached' && d.objectId === mastercard.paymentMethodId,
    );
    sandbox.control.redeliver(attached!.eventId, 2);
    await sandbox.control.release({ order: 'reverse' });

    const expected = await stripeView(visa.customerId);
    expect(expected).toEqual(
      [
        { id: mastercard.paymentMethodId, is_default: false },
        { id: amex.paymentMethodId, is_default: true },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    await until('the mirror to match Stripe', async () =>
      JSON.stringify(productView(await listMethods(org))) === JSON.stringify(expected) ? true : undefined,
    );
    // And it stays there once every delivery and queued copy has been processed.
    await quiescent();
    expect(productView(await listMethods(org))).toEqual(expected);
    expect(await stripeView(visa.customerId)).toEqual(expected);
  });
  it('replays a SetupIntent created with an Idempotency-Key with its client secret read again from Stripe', async () => {
    const org = await api.newOrg();
    const create = () =>
      api.request<{ id: string; client_secret: string; customer_id: string }>(
        'POST /v1/orgs/{org}/payment-methods/setup-intents',
        { token: org.tokens.owner, params: { org: org.id }, headers: { 'idempotency-key': `seti-${org.id}` } },
      );
    const first = await create();
    expect(first.status).toBe(201);
    const replay = await create();
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(replay.body.client_secret).toBe((await stripe.setupIntents.retrieve(first.body.id)).client_secret);
  });

  it('wrote no client secret and no card number into any item during these payment tests', async () => {
    await quiescent();
    const findings: string[] = [];
    const scan = (value: unknown, path: string) => {
      if (typeof value === 'string') {
        if (/_secret_/.test(value)) findings.push(`${path}: ${value.slice(0, 40)}`);
        for (const run of value.match(/\b(?:\d[ -]?){12,18}\d\b/g) ?? []) {
          if (luhnValid(run.replace(/[ -]/g, ''))) findings.push(`${path}: card-number-shaped ${run}`);
        }
      } else if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) scan(v, `${path}[${i}]`);
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) scan(v, `${path}.${k}`);
      }
    };
    for (const [i, w] of written.entries()) scan(w.input, `#${i} ${w.command}`);
    // The tests above did create SetupIntents, PaymentIntents and disputes, and their events were stored.
    expect(written.length).toBeGreaterThan(50);
    expect(JSON.stringify(written)).toContain('payment_intent.succeeded');
    expect(findings).toEqual([]);
  });
});
