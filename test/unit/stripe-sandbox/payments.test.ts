import Stripe from 'stripe';
import { customerWithCard, startWorld, stopWorld, type World } from './harness';

describe('Stripe sandbox: charging, declines and disputes', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => stopWorld(world));

  it('charges a saved card off-session: PaymentIntent succeeded with a charge naming the customer', async () => {
    const { stripe, sandbox, receiver } = world;
    const { customer, pm } = await customerWithCard(stripe);
    const pi = await stripe.paymentIntents.create({
      amount: 1999,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      off_session: true,
      expand: ['latest_charge'],
    });
    expect(pi).toMatchObject({ status: 'succeeded', amount_received: 1999, payment_method: pm.id });
    const charge = pi.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({
      object: 'charge',
      status: 'succeeded',
      paid: true,
      amount: 1999,
      customer: customer.id,
    });
    expect((await stripe.charges.retrieve(charge.id)).payment_intent).toBe(pi.id);

    await sandbox.control.settled();
    expect(receiver.types()).toEqual(expect.arrayContaining(['charge.succeeded', 'payment_intent.succeeded']));
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
  ])('%s attaches fine but declines on charge (402 card_error %s/%s)', async (card, code, declineCode) => {
    const { stripe, sandbox, receiver } = world;
    const { customer, pm } = await customerWithCard(stripe, card);
    expect(pm.customer).toBe(customer.id);
    const error = await stripe.paymentIntents
      .create({
        amount: 5000,
        currency: 'eur',
        customer: customer.id,
        payment_method: pm.id,
        confirm: true,
        off_session: true,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code, decline_code: declineCode });
    const failedPi = (error as Stripe.errors.StripeCardError).payment_intent!;
    expect(failedPi.status).toBe('requires_payment_method');
    expect(failedPi.last_payment_error).toMatchObject({ code, decline_code: declineCode });

    const stored = await stripe.paymentIntents.retrieve(failedPi.id);
    const charge = await stripe.charges.retrieve(stored.latest_charge as string);
    expect(charge).toMatchObject({
      status: 'failed',
      paid: false,
      failure_code: code,
      outcome: { reason: declineCode },
    });

    await sandbox.control.settled();
    expect(receiver.types()).toEqual(expect.arrayContaining(['charge.failed', 'payment_intent.payment_failed']));
  });

  it('a PaymentIntent confirmed later, with a test id straight away', async () => {
    const { stripe } = world;
    const pi = await stripe.paymentIntents.create({ amount: 700, currency: 'usd' });
    expect(pi.status).toBe('requires_payment_method');
    await expect(stripe.paymentIntents.confirm(pi.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    const done = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_mastercard' });
    expect(done.status).toBe('succeeded');
    await expect(stripe.paymentIntents.confirm(pi.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    await expect(stripe.paymentIntents.create({ amount: 10, currency: 'usd' })).rejects.toMatchObject({
      code: 'amount_too_small',
      param: 'amount',
    });
  });

  it('pm_card_createDispute: paid, then disputed (needs_response, fraudulent); closed won then lost via control', async () => {
    const { stripe, sandbox, receiver } = world;
    const { customer, pm } = await customerWithCard(stripe, 'pm_card_createDispute');
    const pi = await stripe.paymentIntents.create({
      amount: 4200,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      off_session: true,
    });
    expect(pi.status).toBe('succeeded');
    const disputes = await stripe.disputes.list();
    expect(disputes.data).toHaveLength(1);
    const dispute = disputes.data[0]!;
    expect(dispute).toMatchObject({
      status: 'needs_response',
      reason: 'fraudulent',
      amount: 4200,
      charge: pi.latest_charge,
      payment_intent: pi.id,
    });
    // What the product's adapter does: the dispute names its charge, the charge names the customer.
    const charge = await stripe.charges.retrieve(dispute.charge as string);
    expect(charge).toMatchObject({ customer: customer.id, disputed: true });
    const expanded = await stripe.disputes.retrieve(dispute.id, { expand: ['charge'] });
    expect((expanded.charge as Stripe.Charge).customer).toBe(customer.id);

    const won = sandbox.control.closeDispute(dispute.id, 'won');
    expect(won.status).toBe('won');
    expect((await stripe.disputes.retrieve(dispute.id)).status).toBe('won');
    expect(() => sandbox.control.closeDispute(dispute.id, 'lost')).toThrow(/already closed/);

    await sandbox.control.settled();
    const disputeEvents = receiver.received.filter((r) => r.event.type.startsWith('charge.dispute.'));
    expect(disputeEvents.map((r) => r.event.type)).toEqual([
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
      'charge.dispute.closed',
      'charge.dispute.funds_reinstated',
    ]);
    // A dispute is opened by the network, not by an API call.
    expect(disputeEvents[0]!.event.request).toEqual({ id: null, idempotency_key: null });
    expect(disputeEvents[2]!.event.data).toMatchObject({
      object: { status: 'won' },
      previous_attributes: { status: 'needs_response' },
    });
  });

  it('a dispute lost over HTTP control, another accepted via POST /v1/disputes/:id/close, evidence updates', async () => {
    const { stripe, sandbox, receiver } = world;
    const { customer } = await customerWithCard(stripe, 'pm_card_visa');
    const pay = () =>
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        customer: customer.id,
        payment_method: 'pm_card_createDispute',
        confirm: true,
      });
    await pay();
    await pay();
    const [second, first] = (await stripe.disputes.list()).data;
    const updated = await stripe.disputes.update(first!.id, { evidence: { uncategorized_text: 'delivered' } });
    expect(updated.status).toBe('under_review');
    const response = await fetch(`${sandbox.url}/_sandbox/disputes/${first!.id}/close`, {
      method: 'POST',
      body: JSON.stringify({ outcome: 'lost' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Stripe.Dispute).status).toBe('lost');
    expect((await stripe.disputes.close(second!.id)).status).toBe('lost');

    await sandbox.control.settled();
    expect(receiver.types().filter((t) => t === 'charge.dispute.closed')).toHaveLength(2);
    expect(receiver.types()).toContain('charge.dispute.updated');
    expect(receiver.types()).not.toContain('charge.dispute.funds_reinstated');
  });

  it('control.openDispute disputes any succeeded charge', async () => {
    const { stripe, sandbox } = world;
    const pi = await stripe.paymentIntents.create({
      amount: 900,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const dispute = sandbox.control.openDispute(pi.latest_charge as string, 'duplicate');
    expect(dispute).toMatchObject({ reason: 'duplicate', status: 'needs_response', charge: pi.latest_charge });
  });
});
