import Stripe from 'stripe';
import { startWorld, stopWorld, type World } from './harness';

describe('Stripe sandbox: saving a card (SetupIntent) through the real SDK', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => stopWorld(world));

  it('creates a customer and an off-session SetupIntent like Stripe', async () => {
    const { stripe } = world;
    const customer = await stripe.customers.create({ name: 'Acme', metadata: { org_id: 'org_1' } });
    expect(customer).toMatchObject({ object: 'customer', livemode: false, metadata: { org_id: 'org_1' } });
    expect(customer.id).toMatch(/^cus_/);
    const intent = await stripe.setupIntents.create({
      customer: customer.id,
      usage: 'off_session',
      metadata: { org_id: 'org_1' },
    });
    expect(intent).toMatchObject({ object: 'setup_intent', status: 'requires_payment_method', usage: 'off_session' });
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_`));
    expect((await stripe.setupIntents.retrieve(intent.id)).id).toBe(intent.id);
  });

  it('confirming with pm_card_visa makes a concrete card, attaches it, and sends signed webhooks', async () => {
    const { stripe, sandbox, receiver } = world;
    const customer = await stripe.customers.create({ name: 'Acme' });
    const intent = await stripe.setupIntents.create({ customer: customer.id, usage: 'off_session' });
    const confirmed = await stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    expect(confirmed.status).toBe('succeeded');
    const pmId = confirmed.payment_method as string;
    expect(pmId).toMatch(/^pm_/);
    expect(pmId).not.toBe('pm_card_visa');

    const pm = await stripe.paymentMethods.retrieve(pmId);
    expect(pm).toMatchObject({ customer: customer.id, type: 'card', card: { brand: 'visa', last4: '4242' } });
    const listed = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(listed.data.map((p) => p.id)).toEqual([pmId]);

    await sandbox.control.settled();
    expect(receiver.rejected).toEqual([]);
    expect(receiver.types()).toEqual(
      expect.arrayContaining([
        'customer.created',
        'setup_intent.created',
        'payment_method.attached',
        'setup_intent.succeeded',
      ]),
    );
    const succeeded = receiver.received.find((r) => r.event.type === 'setup_intent.succeeded')!;
    expect(succeeded.event).toMatchObject({
      object: 'event',
      livemode: false,
      api_version: expect.any(String),
      data: { object: { id: intent.id, status: 'succeeded', payment_method: pmId } },
      request: { id: expect.stringMatching(/^req_/), idempotency_key: expect.stringMatching(/^stripe-node-retry-/) },
    });
    expect(succeeded.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    // The signature is over the exact bytes: a tampered body or another secret fails.
    expect(() =>
      Stripe.webhooks.constructEvent(`${succeeded.raw} `, succeeded.signature, 'whsec_test_sandbox_secret'),
    ).toThrow();
    expect(() => Stripe.webhooks.constructEvent(succeeded.raw, succeeded.signature, 'whsec_other')).toThrow();
    // The event is retrievable by id too.
    expect((await stripe.events.retrieve(succeeded.event.id)).type).toBe('setup_intent.succeeded');
  });

  it('mastercard and amex test ids yield their brand and last4', async () => {
    const { stripe } = world;
    const customer = await stripe.customers.create({});
    for (const [id, brand, last4] of [
      ['pm_card_mastercard', 'mastercard', '4444'],
      ['pm_card_amex', 'amex', '8431'],
      ['pm_card_chargeDeclined', 'visa', '0002'],
      ['pm_card_chargeDeclinedInsufficientFunds', 'visa', '9995'],
      ['pm_card_createDispute', 'visa', '0259'],
    ] as const) {
      const pm = await stripe.paymentMethods.attach(id, { customer: customer.id });
      expect(pm.card).toMatchObject({ brand, last4 });
      expect(pm.card!.exp_year).toBeGreaterThan(new Date().getFullYear());
    }
    expect((await stripe.customers.listPaymentMethods(customer.id)).data).toHaveLength(5);
  });

  it('sets the default payment method (customer.updated with previous_attributes) and refuses a foreign one', async () => {
    const { stripe, sandbox, receiver } = world;
    const customer = await stripe.customers.create({});
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const updated = await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    expect(updated.invoice_settings.default_payment_method).toBe(pm.id);

    const loose = await stripe.paymentMethods.attach('pm_card_visa', {
      customer: (await stripe.customers.create({})).id,
    });
    await expect(
      stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: loose.id } }),
    ).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'resource_missing', statusCode: 400 });

    await sandbox.control.settled();
    const event = receiver.received.find((r) => r.event.type === 'customer.updated')!.event;
    expect(event.data).toMatchObject({
      object: { id: customer.id, invoice_settings: { default_payment_method: pm.id } },
      previous_attributes: { invoice_settings: { default_payment_method: null } },
    });
  });

  it('detaches: payment_method.detached names the former customer, and the default is cleared', async () => {
    const { stripe, sandbox, receiver } = world;
    const customer = await stripe.customers.create({});
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    const detached = await stripe.paymentMethods.detach(pm.id);
    expect(detached.customer).toBeNull();
    const after = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    expect(after.invoice_settings.default_payment_method).toBeNull();
    await expect(stripe.paymentMethods.detach(pm.id)).rejects.toMatchObject({ statusCode: 400 });

    await sandbox.control.settled();
    const event = receiver.received.find((r) => r.event.type === 'payment_method.detached')!.event;
    expect(event.data).toMatchObject({
      object: { id: pm.id, customer: null },
      previous_attributes: { customer: customer.id },
    });
    expect(receiver.types().filter((t) => t === 'customer.updated')).toHaveLength(2);
  });

  it('answers Stripe errors: 401 without a valid key, 404 resource_missing, 400 for a confirmed intent', async () => {
    const { stripe, sandbox } = world;
    const url = new URL(sandbox.url);
    const wrong = new Stripe('sk_test_wrong', {
      host: url.hostname,
      port: url.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    await expect(wrong.customers.list()).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
    const bare = await fetch(`${sandbox.url}/v1/customers`);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');

    await expect(stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'resource_missing',
      statusCode: 404,
      param: 'id',
    });
    await expect(stripe.setupIntents.create({ customer: 'cus_missing' })).rejects.toMatchObject({
      code: 'resource_missing',
      param: 'customer',
    });
    const customer = await stripe.customers.create({});
    const intent = await stripe.setupIntents.create({ customer: customer.id });
    await stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    await expect(stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' })).rejects.toMatchObject({
      code: 'setup_intent_unexpected_state',
    });
    // Basic auth with the key as user, as `curl -u sk_test_…:` sends it.
    const basic = await fetch(`${sandbox.url}/v1/customers/${customer.id}`, {
      headers: { authorization: `Basic ${Buffer.from('sk_test_sandbox_unit:').toString('base64')}` },
    });
    expect(basic.status).toBe(200);
  });

  it('deletes a customer: retrieve then answers deleted: true, as the adapter expects', async () => {
    const { stripe } = world;
    const customer = await stripe.customers.create({});
    await stripe.customers.del(customer.id);
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({ id: customer.id, deleted: true });
  });

  describe('as Stripe.js calls it from a browser (publishable key + client_secret)', () => {
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const post = (url: string, fields: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:3000' },
        body: form(fields),
      });

    it('confirms the SetupIntent with the paired publishable key and answers with CORS headers', async () => {
      const { stripe, sandbox } = world;
      const customer = await stripe.customers.create({ name: 'Acme' });
      const intent = await stripe.setupIntents.create({ customer: customer.id, usage: 'off_session' });
      const res = await post(`${sandbox.url}/v1/setup_intents/${intent.id}/confirm`, {
        key: 'pk_test_sandbox_unit',
        client_secret: intent.client_secret!,
        payment_method: 'pm_card_mastercard',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const body = (await res.json()) as { status: string; payment_method: string };
      expect(body.status).toBe('succeeded');
      const pm = await stripe.paymentMethods.retrieve(body.payment_method);
      expect(pm).toMatchObject({ customer: customer.id, card: { brand: 'mastercard', last4: '4444' } });
      const preflight = await fetch(`${sandbox.url}/v1/setup_intents/${intent.id}/confirm`, { method: 'OPTIONS' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
    });

    it('refuses a wrong client_secret, another account key, and any other call with a publishable key', async () => {
      const { stripe, sandbox } = world;
      const intent = await stripe.setupIntents.create({ usage: 'off_session' });
      const confirm = `${sandbox.url}/v1/setup_intents/${intent.id}/confirm`;
      const wrongSecret = await post(confirm, {
        key: 'pk_test_sandbox_unit',
        client_secret: `${intent.id}_secret_forged`,
        payment_method: 'pm_card_visa',
      });
      expect(wrongSecret.status).toBe(400);
      const otherKey = await post(confirm, {
        key: 'pk_test_someone_else',
        client_secret: intent.client_secret!,
        payment_method: 'pm_card_visa',
      });
      expect(otherKey.status).toBe(401);
      const customers = await post(`${sandbox.url}/v1/customers`, { key: 'pk_test_sandbox_unit', name: 'x' });
      expect(customers.status).toBe(401);
      expect((await stripe.setupIntents.retrieve(intent.id)).status).toBe('requires_payment_method');
    });
  });
});
