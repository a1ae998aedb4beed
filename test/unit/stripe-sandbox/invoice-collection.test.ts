import Stripe from 'stripe';
import { customerWithCard, startWorld, stopWorld, type World } from './harness';

/**
 * What collecting an invoice needs from the sandbox, as Stripe defines it: items carrying our metadata,
 * one PaymentIntent per invoice confirmed again on each attempt (`invoice.payments`), paying with a named
 * method of the customer only, send_invoice due dates, the declining and 3-D Secure test cards, the
 * events in Stripe's order, and a way to make Stripe disagree silently.
 */
describe('Stripe sandbox: collecting invoices', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => stopWorld(world));

  async function open(customerId: string, amounts: number[], extra: Stripe.InvoiceCreateParams = {}) {
    const { stripe } = world;
    const invoice = await stripe.invoices.create({ customer: customerId, auto_advance: false, ...extra });
    for (const [i, amount] of amounts.entries()) {
      await stripe.invoiceItems.create({
        customer: customerId,
        invoice: invoice.id,
        amount,
        currency: 'usd',
        metadata: { invoice_id: 'in_ours', line_id: `in_ours_00${i + 1}` },
      });
    }
    return stripe.invoices.finalizeInvoice(invoice.id);
  }

  it('keeps item metadata on the lines and links hosted page and PDF once finalized', async () => {
    const { customer } = await customerWithCard(world.stripe);
    const invoice = await open(customer.id, [1000, 250]);
    expect(invoice.lines.data.map((l) => l.metadata)).toEqual([
      { invoice_id: 'in_ours', line_id: 'in_ours_001' },
      { invoice_id: 'in_ours', line_id: 'in_ours_002' },
    ]);
    expect(invoice.hosted_invoice_url).toMatch(/^https:\/\/invoice\.stripe\.com\/i\//);
    expect(invoice.invoice_pdf).toMatch(/\/pdf$/);
    expect(invoice.due_date).toBeNull();
  });

  it('dates a send_invoice invoice days_until_due after finalization and never charges it by itself', async () => {
    const { stripe, sandbox } = world;
    const { customer } = await customerWithCard(stripe);
    const draft = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 30,
    });
    expect(draft.due_date).toBeNull();
    sandbox.control.advanceClock(3_600_000);
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 900, currency: 'usd' });
    const finalized = await stripe.invoices.finalizeInvoice(draft.id);
    expect(finalized).toMatchObject({ status: 'open', collection_method: 'send_invoice', amount_paid: 0 });
    expect(finalized.due_date).toBe(finalized.status_transitions.finalized_at! + 30 * 86_400);
    expect((await stripe.charges.list({ customer: customer.id })).data).toHaveLength(0);
  });

  it('retries on the same PaymentIntent: a charge per attempt, one payment, and a named card of the customer', async () => {
    const { stripe } = world;
    const { customer } = await customerWithCard(stripe, 'pm_card_chargeCustomerFail');
    const invoice = await open(customer.id, [4200]);
    for (let i = 0; i < 2; i++) {
      const error = await stripe.invoices.pay(invoice.id, { off_session: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline' });
    }
    // Another customer's card is refused; the customer's own new card pays.
    const stranger = await customerWithCard(stripe, 'pm_card_visa');
    await expect(stripe.invoices.pay(invoice.id, { payment_method: stranger.pm.id })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      param: 'payment_method',
    });
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const paid = await stripe.invoices.pay(invoice.id, { payment_method: visa.id }, { idempotencyKey: 'pay-1' });
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 4200, attempt_count: 3 });
    // The same key again: the stored answer, never a second charge.
    const replay = await stripe.invoices.pay(invoice.id, { payment_method: visa.id }, { idempotencyKey: 'pay-1' });
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');

    const withPayments = await stripe.invoices.retrieve(invoice.id, { expand: ['payments'] });
    expect(withPayments.payments?.data).toEqual([
      expect.objectContaining({ object: 'invoice_payment', status: 'paid', amount_paid: 4200, is_default: true }),
    ]);
    const piId = withPayments.payments!.data[0]!.payment.payment_intent as string;
    const charges = (await stripe.charges.list({ payment_intent: piId })).data;
    expect(charges.map((c) => c.status)).toEqual(['succeeded', 'failed', 'failed']);
    expect(charges.filter((c) => c.status === 'succeeded')).toHaveLength(1);
    expect(charges[0]!.payment_method).toBe(visa.id);
    const byPi = await stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: piId } });
    expect(byPi.data.map((p) => p.invoice)).toEqual([invoice.id]);
    const listed = await stripe.invoices.list({ customer: customer.id, expand: ['data.payments'] });
    expect(listed.data[0]!.payments?.data).toHaveLength(1);
  });

  it('records a failure’s events in Stripe’s order: PaymentIntent created, charge, PaymentIntent, invoice', async () => {
    const { stripe } = world;
    const { customer } = await customerWithCard(stripe, 'pm_card_chargeDeclined');
    const invoice = await open(customer.id, [700]);
    await expect(stripe.invoices.pay(invoice.id)).rejects.toMatchObject({ decline_code: 'generic_decline' });
    const all = (await stripe.events.list({ limit: 100 })).data.map((e) => e.type).reverse();
    const failed = all.slice(all.lastIndexOf('payment_intent.created'));
    expect(failed).toEqual([
      'payment_intent.created',
      'charge.failed',
      'payment_intent.payment_failed',
      'invoice.payment_failed',
    ]);
  });

  it('declines for insufficient funds, and stops at requires_action for a card that needs 3-D Secure', async () => {
    const { stripe } = world;
    const poor = await customerWithCard(stripe, 'pm_card_chargeDeclinedInsufficientFunds');
    const first = await open(poor.customer.id, [500]);
    await expect(stripe.invoices.pay(first.id)).rejects.toMatchObject({ decline_code: 'insufficient_funds' });

    const secure = await customerWithCard(stripe, 'pm_card_authenticationRequired');
    const second = await open(secure.customer.id, [500]);
    const error = await stripe.invoices.pay(second.id, { off_session: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'authentication_required', decline_code: 'authentication_required' });
    const after = await stripe.invoices.retrieve(second.id, { expand: ['payments'] });
    expect(after.status).toBe('open');
    const pi = await stripe.paymentIntents.retrieve(after.payments!.data[0]!.payment.payment_intent as string);
    expect(pi.status).toBe('requires_action');
    const types = (await stripe.events.list({ limit: 100 })).data.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['payment_intent.requires_action', 'invoice.payment_action_required']),
    );
    expect(types.filter((t) => t === 'invoice.payment_failed')).toHaveLength(1);
  });

  it('drifts an invoice silently: Stripe says paid, no event says so', async () => {
    const { stripe, sandbox } = world;
    const { customer } = await customerWithCard(stripe);
    const invoice = await open(customer.id, [1500]);
    const before = (await stripe.events.list({ limit: 100 })).data.length;
    const drifted = sandbox.control.driftInvoice(invoice.id, { status: 'paid' });
    expect(drifted).toMatchObject({ status: 'paid', amount_paid: 1500, amount_remaining: 0 });
    expect((await stripe.invoices.retrieve(invoice.id)).status).toBe('paid');
    expect((await stripe.events.list({ limit: 100 })).data).toHaveLength(before);
    const res = await fetch(`${sandbox.url}/_sandbox/invoices/${invoice.id}/drift`, {
      method: 'POST',
      body: JSON.stringify({ total: 1400 }),
    });
    expect(((await res.json()) as Stripe.Invoice).total).toBe(1400);
  });
});
