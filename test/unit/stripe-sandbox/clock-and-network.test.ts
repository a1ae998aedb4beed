import Stripe from 'stripe';
import { customerWithCard, startWorld, stopWorld, type World } from './harness';

const T0 = new Date('2026-11-01T00:00:00Z');
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

describe('Stripe sandbox: the clock, path-regex faults and the network side of disputes', () => {
  let world: World;
  afterEach(() => stopWorld(world));

  it('stamps objects and events with the given clock, moved forward by advanceClock and setClock', async () => {
    let t = T0.getTime();
    world = await startWorld({ clock: () => new Date(t) });
    const { stripe, sandbox } = world;

    const first = await stripe.customers.create({ name: 'Acme' });
    expect(first.created).toBe(seconds(T0));
    t += 1000; // the given clock flows; the sandbox follows it
    expect(sandbox.control.now().getTime()).toBe(T0.getTime() + 1000);

    sandbox.control.advanceClock(3600_000);
    const second = await stripe.customers.create({ name: 'Later' });
    expect(second.created).toBe(seconds(T0) + 1 + 3600);
    const event = (await stripe.events.list({ type: 'customer.created', limit: 1 })).data[0]!;
    expect(event.created).toBe(second.created);

    const to = new Date('2026-12-01T00:00:00Z');
    expect(sandbox.control.setClock(to).toISOString()).toBe(to.toISOString());
    expect(() => sandbox.control.setClock(T0)).toThrow(/forward/);
    const invoice = await stripe.invoices.create({ customer: first.id });
    expect(invoice.created).toBe(seconds(to));

    // The same over HTTP, for another process.
    const advanced = await fetch(`${sandbox.url}/_sandbox/clock/advance`, {
      method: 'POST',
      body: JSON.stringify({ ms: 86_400_000 }),
    });
    expect(((await advanced.json()) as { now: string }).now).toBe('2026-12-02T00:00:00.000Z');
    const read = (await (await fetch(`${sandbox.url}/_sandbox/clock`)).json()) as { now: string };
    expect(read.now).toBe('2026-12-02T00:00:00.000Z');
  });

  it('signs webhooks with the real time even when the sandbox clock is far ahead', async () => {
    world = await startWorld({ clock: () => new Date('2031-01-01T00:00:00Z') });
    const { stripe, sandbox, receiver } = world;
    await stripe.customers.create({ name: 'Acme' });
    await sandbox.control.settled();
    // The receiver verified with constructEvent (300 s tolerance around now): it got the event.
    expect(receiver.rejected).toEqual([]);
    expect(receiver.types()).toEqual(['customer.created']);
  });

  it('failNext and delayNext match a path by RegExp, in process and over HTTP (path_regex)', async () => {
    world = await startWorld();
    const { stripe, sandbox } = world;
    const customer = await stripe.customers.create({ name: 'Acme' });

    // Only a retrieve of one customer fails, not the list under the same prefix.
    sandbox.control.failNext({ method: 'GET', path: /^\/v1\/customers\/cus_[^/]+$/, status: 500, times: 1 });
    await expect(stripe.customers.list()).resolves.toMatchObject({ object: 'list' });
    await expect(stripe.customers.retrieve(customer.id)).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    await expect(stripe.customers.retrieve(customer.id)).resolves.toMatchObject({ id: customer.id });

    const armed = await fetch(`${sandbox.url}/_sandbox/fail-next`, {
      method: 'POST',
      body: JSON.stringify({ path_regex: '^/v1/payment_methods/[^/]+/detach$', status: 429 }),
    });
    expect(armed.status).toBe(200);
    const { pm } = await customerWithCard(stripe);
    await expect(stripe.paymentMethods.detach(pm.id)).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    await expect(stripe.paymentMethods.detach(pm.id)).resolves.toMatchObject({ customer: null });

    sandbox.control.delayNext({ path: /\/v1\/customers$/, ms: 120 });
    const started = Date.now();
    await stripe.customers.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('answers 409 idempotency_error to a second request with a key whose first is still running', async () => {
    world = await startWorld();
    const { stripe, sandbox } = world;
    sandbox.control.delayNext({ method: 'POST', path: '/v1/customers', ms: 200 });
    const first = stripe.customers.create({ name: 'Acme' }, { idempotencyKey: 'customer:org_slow' });
    first.catch(() => undefined); // awaited below; keeps a failed assertion from leaving it unhandled
    await new Promise((r) => setTimeout(r, 50));
    const second = await stripe.customers
      .create({ name: 'Acme' }, { idempotencyKey: 'customer:org_slow' })
      .catch((e: unknown) => e);
    // The SDK classes every 409 as StripeAPIError (and retries it when retries are on); the type says why.
    expect(second).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(second).toMatchObject({ statusCode: 409, rawType: 'idempotency_error' });
    const created = await first;
    // Once the first is done, the same key replays it: one customer in all.
    const third = await stripe.customers.create({ name: 'Acme' }, { idempotencyKey: 'customer:org_slow' });
    expect(third.id).toBe(created.id);
    expect(third.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await stripe.customers.list()).data).toHaveLength(1);
  });

  it('updateDispute: the network moves an open dispute (charge.dispute.updated), never closes it', async () => {
    world = await startWorld();
    const { stripe, sandbox, receiver } = world;
    const { customer, pm } = await customerWithCard(stripe, 'pm_card_createDispute');
    await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      off_session: true,
    });
    const dispute = (await stripe.disputes.list()).data[0]!;
    expect(dispute.status).toBe('needs_response');

    const updated = sandbox.control.updateDispute(dispute.id, { status: 'under_review' });
    expect(updated.status).toBe('under_review');
    expect(() => sandbox.control.updateDispute(dispute.id, { status: 'won' as never })).toThrow(/closeDispute/);

    const overHttp = await fetch(`${sandbox.url}/_sandbox/disputes/${dispute.id}`, {
      method: 'POST',
      body: JSON.stringify({ reason: 'product_not_received' }),
    });
    expect(((await overHttp.json()) as Stripe.Dispute).reason).toBe('product_not_received');

    await sandbox.control.settled();
    const updates = receiver.received.filter((r) => r.event.type === 'charge.dispute.updated');
    expect(updates.map((u) => u.event.data.previous_attributes)).toEqual([
      { status: 'needs_response' },
      { reason: 'fraudulent' },
    ]);
    expect((await stripe.disputes.retrieve(dispute.id)).status).toBe('under_review');
  });
});
