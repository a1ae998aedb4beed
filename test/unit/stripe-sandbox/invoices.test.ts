import Stripe from 'stripe';
import { customerWithCard, startWorld, stopWorld, type World } from './harness';

describe('Stripe sandbox: invoices', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => stopWorld(world));

  async function draft(customerId: string, amounts: number[]) {
    const { stripe } = world;
    const invoice = await stripe.invoices.create({
      customer: customerId,
      auto_advance: false,
      metadata: { period: '2026-01' },
    });
    for (const amount of amounts) {
      await stripe.invoiceItems.create({
        customer: customerId,
        invoice: invoice.id,
        amount,
        currency: 'usd',
        description: `item ${amount}`,
      });
    }
    return invoice;
  }

  it('create → items → finalize → pay: totals are the sum of items, paid by the default card', async () => {
    const { stripe, sandbox, receiver } = world;
    const { customer } = await customerWithCard(stripe);
    const created = await draft(customer.id, [1234, 766, 5000]);
    expect(created).toMatchObject({ status: 'draft', total: 0, auto_advance: false, metadata: { period: '2026-01' } });

    const withItems = await stripe.invoices.retrieve(created.id);
    expect(withItems).toMatchObject({ subtotal: 7000, total: 7000, amount_due: 7000, amount_remaining: 7000 });
    expect(withItems.lines.data.map((l) => l.amount)).toEqual([1234, 766, 5000]);

    const finalized = await stripe.invoices.finalizeInvoice(created.id);
    expect(finalized.status).toBe('open');
    expect(finalized.number).toMatch(/^[0-9A-F]{8}-0001$/);
    await expect(stripe.invoices.finalizeInvoice(created.id)).rejects.toMatchObject({ statusCode: 400 });
    await expect(
      stripe.invoiceItems.create({ customer: customer.id, invoice: created.id, amount: 1, currency: 'usd' }),
    ).rejects.toMatchObject({ code: 'invoice_not_editable' });

    const paid = await stripe.invoices.pay(created.id);
    expect(paid).toMatchObject({
      status: 'paid',
      amount_paid: 7000,
      amount_remaining: 0,
      attempted: true,
      attempt_count: 1,
    });
    expect(paid.status_transitions.paid_at).toEqual(expect.any(Number));
    const charges = await stripe.charges.list({ customer: customer.id });
    expect(charges.data.map((c) => c.amount)).toEqual([7000]);

    await sandbox.control.settled();
    const invoiceEvents = receiver.types().filter((t) => t.startsWith('invoice.'));
    expect(invoiceEvents).toEqual([
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
    expect((await stripe.invoices.list({ customer: customer.id, status: 'paid' })).data).toHaveLength(1);
  });

  it('a declined card: 402, the invoice stays open with an attempt, invoice.payment_failed; then void', async () => {
    const { stripe, sandbox, receiver } = world;
    const { customer } = await customerWithCard(stripe, 'pm_card_chargeDeclinedInsufficientFunds');
    const invoice = await draft(customer.id, [2500]);
    await stripe.invoices.finalizeInvoice(invoice.id);
    const error = await stripe.invoices.pay(invoice.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ decline_code: 'insufficient_funds' });
    const open = await stripe.invoices.retrieve(invoice.id);
    expect(open).toMatchObject({
      status: 'open',
      amount_paid: 0,
      amount_remaining: 2500,
      attempted: true,
      attempt_count: 1,
    });

    // Another card pays it.
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const voidable = await draft(customer.id, [300]);
    await stripe.invoices.finalizeInvoice(voidable.id);
    expect((await stripe.invoices.pay(invoice.id, { payment_method: visa.id })).status).toBe('paid');
    expect((await stripe.invoices.voidInvoice(voidable.id)).status).toBe('void');
    await expect(stripe.invoices.pay(voidable.id)).rejects.toMatchObject({ statusCode: 400 });

    await sandbox.control.settled();
    expect(receiver.types()).toEqual(
      expect.arrayContaining([
        'charge.failed',
        'payment_intent.payment_failed',
        'invoice.payment_failed',
        'invoice.voided',
      ]),
    );
  });

  it('a zero invoice is paid on finalize; paying a draft finalizes it; no card is a 400', async () => {
    const { stripe } = world;
    const customer = await stripe.customers.create({});
    const empty = await draft(customer.id, []);
    expect((await stripe.invoices.finalizeInvoice(empty.id)).status).toBe('paid');
    const unpaid = await draft(customer.id, [100]);
    await expect(stripe.invoices.pay(unpaid.id)).rejects.toMatchObject({ type: 'StripeInvalidRequestError' });
    expect((await stripe.invoices.retrieve(unpaid.id)).status).toBe('open');
    const out = await stripe.invoices.pay(unpaid.id, { paid_out_of_band: true });
    expect(out.status).toBe('paid');
  });

  it('pending items join an invoice only with pending_invoice_items_behavior=include', async () => {
    const { stripe } = world;
    const customer = await stripe.customers.create({});
    await stripe.invoiceItems.create({ customer: customer.id, amount: 400, currency: 'usd' });
    const excluded = await stripe.invoices.create({ customer: customer.id });
    expect(excluded.total).toBe(0);
    const included = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    expect(included.total).toBe(400);
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toHaveLength(0);
  });
});
