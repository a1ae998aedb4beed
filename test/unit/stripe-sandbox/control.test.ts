import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Stripe from 'stripe';
import { customerWithCard, sdkFor, startWorld, stopWorld, type World } from './harness';

describe('Stripe sandbox: idempotency, pagination, faults and webhook delivery control', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => stopWorld(world));

  it('replays the stored response for the same key and parameters (Idempotent-Replayed), once', async () => {
    const { stripe, sandbox } = world;
    const first = await stripe.customers.create(
      { name: 'Acme', metadata: { org_id: 'o1' } },
      { idempotencyKey: 'customer:o1' },
    );
    const again = await stripe.customers.create(
      { metadata: { org_id: 'o1' }, name: 'Acme' },
      { idempotencyKey: 'customer:o1' },
    );
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect((await stripe.customers.list()).data).toHaveLength(1);
    expect(sandbox.control.store.events.newestFirst().filter((e) => e.type === 'customer.created')).toHaveLength(1);
  });

  it('refuses the same key with other parameters: 400 idempotency_error', async () => {
    const { stripe } = world;
    await stripe.customers.create({ name: 'Acme' }, { idempotencyKey: 'k-1' });
    const error = await stripe.customers.create({ name: 'Other' }, { idempotencyKey: 'k-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
  });

  it('replays a card error too (a retried charge never charges twice)', async () => {
    const { stripe, sandbox } = world;
    const { customer, pm } = await customerWithCard(stripe, 'pm_card_chargeDeclined');
    const params = { amount: 1000, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true };
    const a = await stripe.paymentIntents.create(params, { idempotencyKey: 'charge-1' }).catch((e: unknown) => e);
    const b = await stripe.paymentIntents.create(params, { idempotencyKey: 'charge-1' }).catch((e: unknown) => e);
    expect((a as Stripe.errors.StripeCardError).payment_intent!.id).toBe(
      (b as Stripe.errors.StripeCardError).payment_intent!.id,
    );
    expect(sandbox.control.store.charges.newestFirst()).toHaveLength(1);
  });

  it('paginates newest first with limit/starting_after/ending_before, and the SDK auto-paginates', async () => {
    const { stripe } = world;
    const customer = await stripe.customers.create({});
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push((await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id })).id);
    const page1 = await stripe.customers.listPaymentMethods(customer.id, { type: 'card', limit: 3 });
    expect(page1).toMatchObject({
      object: 'list',
      has_more: true,
      url: `/v1/customers/${customer.id}/payment_methods`,
    });
    expect(page1.data.map((p) => p.id)).toEqual(ids.slice(4).reverse());
    const page2 = await stripe.customers.listPaymentMethods(customer.id, {
      limit: 3,
      starting_after: page1.data[2]!.id,
    });
    expect(page2.data.map((p) => p.id)).toEqual(ids.slice(1, 4).reverse());
    const back = await stripe.customers.listPaymentMethods(customer.id, { limit: 3, ending_before: page2.data[0]!.id });
    expect(back.data.map((p) => p.id)).toEqual(page1.data.map((p) => p.id));
    const all: string[] = [];
    for await (const pm of stripe.customers.listPaymentMethods(customer.id, { type: 'card', limit: 2 }))
      all.push(pm.id);
    expect(all).toEqual([...ids].reverse());
    const viaPmList = await stripe.paymentMethods.list({ customer: customer.id, type: 'card', limit: 100 });
    expect(viaPmList.has_more).toBe(false);
    await expect(stripe.customers.list({ limit: 101 })).rejects.toMatchObject({ param: 'limit' });
  });

  it('failNext: injected errors reach the SDK as Stripe errors; the SDK retries a 500 with the same key', async () => {
    const { stripe, sandbox } = world;
    sandbox.control.failNext({ method: 'POST', path: '/v1/customers', status: 429 });
    await expect(stripe.customers.create({})).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    sandbox.control.failNext({
      path: '/v1/payment_methods/',
      status: 402,
      code: 'card_declined',
      decline_code: 'do_not_honor',
      times: 2,
    });
    await expect(stripe.paymentMethods.retrieve('pm_x')).rejects.toMatchObject({
      type: 'StripeCardError',
      decline_code: 'do_not_honor',
    });
    await expect(stripe.paymentMethods.retrieve('pm_x')).rejects.toMatchObject({ type: 'StripeCardError' });
    await expect(stripe.paymentMethods.retrieve('pm_x')).rejects.toMatchObject({ code: 'resource_missing' });

    // With retries on (the product's client retries once), the retry carries the first attempt's Idempotency-Key.
    const retrying = sdkFor(sandbox, { maxNetworkRetries: 2 });
    sandbox.control.failNext({ method: 'POST', path: '/v1/customers', status: 500 });
    const customer = await retrying.customers.create({ name: 'after a 500' }, { idempotencyKey: 'cust-500' });
    expect(customer.name).toBe('after a 500');
    sandbox.control.failNext({ method: 'POST', path: '/v1/customers', status: 500, shouldRetry: false });
    await expect(retrying.customers.create({})).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
  });

  it('delayNext: a slow answer trips the SDK timeout; with phase after, the retry is an idempotent replay', async () => {
    const { sandbox } = world;
    const impatient = sdkFor(sandbox, { timeout: 100 });
    sandbox.control.delayNext({ path: '/v1/customers', ms: 300 });
    await expect(impatient.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);

    sandbox.control.delayNext({ method: 'POST', path: '/v1/customers', ms: 300, phase: 'after' });
    await expect(
      impatient.customers.create({ name: 'lost reply' }, { idempotencyKey: 'slow-1' }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
    const retried = await impatient.customers.create({ name: 'lost reply' }, { idempotencyKey: 'slow-1' });
    expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await impatient.customers.list()).data).toHaveLength(1);
  });

  it('retries a failed delivery with backoff until 2xx, keeping the order of one object’s events', async () => {
    const { stripe, sandbox, receiver } = world;
    receiver.respond = (event, attempt) => (event.type === 'setup_intent.created' && attempt < 3 ? 500 : 200);
    const customer = await stripe.customers.create({});
    const intent = await stripe.setupIntents.create({ customer: customer.id });
    await stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    await sandbox.control.settled();
    const forIntent = receiver.received.filter(
      (r) => r.event.data.object && (r.event.data.object as { id: string }).id === intent.id,
    );
    expect(forIntent.map((r) => r.event.type)).toEqual(['setup_intent.created', 'setup_intent.succeeded']);
    const [created] = sandbox.control.deliveries({ type: 'setup_intent.created' });
    expect(created).toMatchObject({ status: 'delivered', kind: 'original' });
    expect(created!.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
  });

  it('gives up after the last retry delay (status failed), and delivers again on redeliver', async () => {
    const { stripe, sandbox, receiver } = world;
    let down = true;
    receiver.respond = () => (down ? 503 : 200);
    await stripe.customers.create({});
    await sandbox.control.settled();
    const [failed] = sandbox.control.deliveries();
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed!.attempts).toHaveLength(4);
    down = false;
    sandbox.control.redeliver(failed!.eventId, 2);
    await sandbox.control.settled();
    expect(receiver.received.map((r) => r.event.id)).toEqual([failed!.eventId, failed!.eventId]);
    expect(sandbox.control.deliveries({ eventId: failed!.eventId }).map((d) => d.kind)).toEqual([
      'original',
      'redelivery',
      'redelivery',
    ]);
    const stats = sandbox.control.deliveryStats();
    expect(stats).toMatchObject({ total: 3, attempts: 6, redeliveries: 2 });
    expect(stats.byStatus).toMatchObject({ failed: 1, delivered: 2, pending: 0, retrying: 0 });
    expect(await (await fetch(`${sandbox.url}/_sandbox/deliveries/stats`)).json()).toEqual(stats);
  });

  it('hold / release delivers events out of order (reverse, or an explicit order)', async () => {
    const { stripe, sandbox, receiver } = world;
    sandbox.control.hold();
    const customer = await stripe.customers.create({});
    const a = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: a.id } });
    await stripe.paymentMethods.detach(a.id);
    await new Promise((r) => setTimeout(r, 30));
    expect(receiver.received).toHaveLength(0);
    const held = sandbox.control.deliveries({ status: 'held' });
    const types = held.map((d) => d.type);
    expect(types).toEqual([
      'customer.created',
      'payment_method.attached',
      'customer.updated',
      'payment_method.detached',
      'customer.updated',
    ]);
    await sandbox.control.release({ order: 'reverse' });
    await sandbox.control.settled();
    expect(receiver.types()).toEqual([...types].reverse());

    // Explicit order: the named events first, the rest as they were.
    receiver.received.length = 0;
    sandbox.control.hold();
    const b = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    await stripe.paymentMethods.detach(b.id);
    const [attached, detached] = sandbox.control.deliveries({ status: 'held' });
    await sandbox.control.release({ order: [detached!.eventId] });
    await sandbox.control.settled();
    expect(receiver.received.map((r) => r.event.id)).toEqual([detached!.eventId, attached!.eventId]);
  });

  it('serves the control surface over HTTP for another process', async () => {
    const { stripe, sandbox, receiver } = world;
    const post = (path: string, body: unknown = {}) =>
      fetch(`${sandbox.url}/_sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await fetch(`${sandbox.url}/_sandbox/health`)).status).toBe(200);
    expect((await post('webhooks/hold')).status).toBe(200);
    const customer = await stripe.customers.create({});
    await stripe.customers.update(customer.id, { name: 'x' });
    const list = (await (await fetch(`${sandbox.url}/_sandbox/deliveries?status=held`)).json()) as {
      data: { eventId: string }[];
    };
    expect(list.data).toHaveLength(2);
    expect((await post('webhooks/release', { order: 'reverse' })).status).toBe(200);
    expect((await post('deliveries/settle')).status).toBe(200);
    expect(receiver.types()).toEqual(['customer.updated', 'customer.created']);
    expect((await post(`events/${list.data[0]!.eventId}/redeliver`, { times: 1 })).status).toBe(200);
    await post('deliveries/settle');
    expect(receiver.received).toHaveLength(3);

    expect((await post('fail-next', { path: '/v1/customers', status: 503 })).status).toBe(200);
    await expect(stripe.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((await post('delay-next', { path: '/v1/customers', ms: 50 })).status).toBe(200);
    const started = Date.now();
    await stripe.customers.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);

    // A new endpoint: later events go there; none when unset.
    expect((await post('webhooks/url', { url: '' })).status).toBe(200);
    await stripe.customers.create({});
    expect(sandbox.control.deliveries()).toHaveLength(3);
    expect((await post('disputes/dp_missing/close', { outcome: 'won' })).status).toBe(404);
    expect((await post('nope')).status).toBe(404);
  });

  it('lists and filters events like GET /v1/events', async () => {
    const { stripe } = world;
    await customerWithCard(stripe);
    const all = await stripe.events.list({ limit: 100 });
    expect(all.data[0]!.type).toBe('customer.updated');
    const attached = await stripe.events.list({ type: 'payment_method.attached' });
    expect(attached.data).toHaveLength(1);
    const family = await stripe.events.list({ type: 'setup_intent.*' });
    expect(family.data.map((e) => e.type)).toEqual(['setup_intent.succeeded', 'setup_intent.created']);
  });
});

describe('Stripe sandbox CLI', () => {
  it('prints one JSON line with its URL and serves the API', async () => {
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), join(__dirname, '../../../scripts/stripe-sandbox/main.ts'), '--port', '0'],
      { env: { ...process.env, STRIPE_WEBHOOK_SECRETS: 'whsec_a,whsec_b' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const u = new URL(url);
      const stripe = new Stripe('sk_test_any', {
        host: u.hostname,
        port: u.port,
        protocol: 'http',
        maxNetworkRetries: 0,
      });
      expect((await stripe.customers.create({ name: 'cli' })).name).toBe('cli');
    } finally {
      child.kill('SIGTERM');
    }
  }, 20_000);
});
