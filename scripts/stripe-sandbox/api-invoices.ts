import type Stripe from 'stripe';
import { requireLiveCustomer, resolvePaymentMethod } from './api-customers';
import { chargePaymentIntent } from './api-payments';
import { invalidRequest, missingParam, StripeApiError } from './errors';
import { previousAttributes } from './events';
import { nowSeconds } from './ids';
import * as build from './objects';
import { mergeMetadata } from './params';
import { type ApiContext, route } from './router';
import { expand, type ListObject, paginate, snapshot } from './store';

/**
 * One-off invoices: items (integer minor units) gathered on a draft, finalized (numbered, `open`),
 * then paid by charging a card off-session, or voided. Totals are the sum of the items (no tax,
 * discounts or credit balance).
 */

const idOf = (ref: string | { id: string } | null | undefined) =>
  ref == null ? null : typeof ref === 'string' ? ref : ref.id;
const respond = (ctx: ApiContext, value: unknown) => expand(ctx.store, value, ctx.params.strings('expand'));

/** The invoice's payments, oldest first (`invoice.payments`, only when expanded, as in Stripe). */
const paymentsOf = (ctx: Pick<ApiContext, 'store'>, invoiceId: string) =>
  ctx.store.invoicePayments.all().filter((p) => p.invoice === invoiceId);

/**
 * Invoices answer `payments` only when asked (`expand[]=payments`, on lists `data.payments`); other
 * expansions work as for any object.
 */
function respondInvoice(ctx: ApiContext, value: Stripe.Invoice | ListObject<Stripe.Invoice>) {
  const paths = ctx.params.strings('expand') ?? [];
  const list = (value as { object: string }).object === 'list';
  const wanted = list ? 'data.payments' : 'payments';
  if (!paths.includes(wanted)) return respond(ctx, value);
  const copy = snapshot(value);
  const invoices = list ? (copy as ListObject<Stripe.Invoice>).data : [copy as Stripe.Invoice];
  for (const invoice of invoices) {
    const payments = paymentsOf(ctx, invoice.id);
    invoice.payments = {
      object: 'list',
      data: payments,
      has_more: false,
      url: `/v1/invoice_payments?invoice=${invoice.id}`,
    };
  }
  return expand(
    ctx.store,
    copy,
    paths.filter((p) => p !== wanted),
  );
}

const unexpectedState = (message: string) => invalidRequest(message, undefined, 'invoice_unexpected_state');

/** Rebuilds `lines` and the totals from the invoice's items (a line keeps its id across rebuilds). */
function recompute(ctx: ApiContext, invoice: Stripe.Invoice): void {
  const items = ctx.store.invoiceItems
    .newestFirst()
    .reverse()
    .filter((ii) => ii.invoice === invoice.id);
  const lines = items.map((ii) => {
    const line = build.lineItem(ii, invoice.id);
    const known = ctx.store.lineIds.get(ii.id);
    if (known) line.id = known;
    else ctx.store.lineIds.set(ii.id, line.id);
    return line;
  });
  const total = items.reduce((sum, ii) => sum + ii.amount, 0);
  invoice.lines = { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${invoice.id}/lines` };
  invoice.subtotal = total;
  invoice.subtotal_excluding_tax = total;
  invoice.total = total;
  invoice.total_excluding_tax = total;
  // A negative total would become customer credit in Stripe; the amount due never goes below zero.
  invoice.amount_due = Math.max(total, 0);
  invoice.amount_remaining = Math.max(invoice.amount_due - invoice.amount_paid, 0);
  if (items.length > 0) {
    invoice.period_start = Math.min(...items.map((ii) => ii.period.start));
    invoice.period_end = Math.max(...items.map((ii) => ii.period.end));
  }
}

function requireDraft(ctx: ApiContext, invoiceId: string, param: string): Stripe.Invoice {
  const invoice = ctx.store.invoices.require(invoiceId, param);
  if (invoice.status !== 'draft') {
    throw invalidRequest(
      `You can only add invoice items to draft invoices. ${invoiceId} is ${invoice.status}.`,
      param,
      'invoice_not_editable',
    );
  }
  return invoice;
}

function createInvoiceItem(ctx: ApiContext) {
  const p = ctx.params;
  const customer = requireLiveCustomer(ctx, p.requiredString('customer'));
  const amount = p.integer('amount');
  if (amount === undefined) throw missingParam('amount');
  const invoiceId = p.string('invoice') ?? null;
  const invoice = invoiceId ? requireDraft(ctx, invoiceId, 'invoice') : undefined;
  const currency = (p.string('currency') ?? invoice?.currency ?? customer.currency ?? 'usd').toLowerCase();
  if (invoice && invoice.currency !== currency) {
    throw invalidRequest(
      `The currency of this invoice item (${currency}) does not match the invoice's (${invoice.currency}).`,
      'currency',
    );
  }
  if (invoice && invoice.customer !== customer.id) {
    throw invalidRequest('The invoice belongs to another customer.', 'invoice');
  }
  const period = p.hash('period');
  const item = build.invoiceItem({
    customer: customer.id,
    amount,
    currency,
    description: p.string('description') ?? null,
    quantity: p.integer('quantity') ?? 1,
    invoice: invoiceId,
    metadata: mergeMetadata({}, p),
    period: period
      ? { start: period.integer('start') ?? nowSeconds(), end: period.integer('end') ?? nowSeconds() }
      : null,
  });
  ctx.store.invoiceItems.insert(item);
  ctx.emit('invoiceitem.created', item);
  if (invoice) recompute(ctx, invoice);
  return respond(ctx, item);
}

function deleteInvoiceItem(ctx: ApiContext) {
  const item = ctx.store.invoiceItems.require(ctx.pathParams.id!);
  const invoice = item.invoice ? ctx.store.invoices.get(idOf(item.invoice)!) : undefined;
  if (invoice && invoice.status !== 'draft') {
    throw invalidRequest('Invoice items on a finalized invoice cannot be deleted.', undefined, 'invoice_not_editable');
  }
  ctx.store.invoiceItems.delete(item.id);
  ctx.emit('invoiceitem.deleted', item);
  if (invoice) recompute(ctx, invoice);
  return { id: item.id, object: 'invoiceitem', deleted: true };
}

function createInvoice(ctx: ApiContext) {
  const p = ctx.params;
  const customer = requireLiveCustomer(ctx, p.requiredString('customer'));
  const collectionMethod =
    p.enumOf('collection_method', ['charge_automatically', 'send_invoice']) ?? 'charge_automatically';
  const daysUntilDue = p.integer('days_until_due') ?? null;
  if (collectionMethod === 'send_invoice' && daysUntilDue === null && !p.has('due_date')) {
    throw invalidRequest('Missing required param: days_until_due.', 'days_until_due', 'parameter_missing');
  }
  const defaultPm = p.string('default_payment_method') ?? null;
  if (defaultPm) ctx.store.paymentMethods.require(defaultPm, 'default_payment_method');
  const dueDate = p.integer('due_date') ?? null;
  const invoice = build.invoice({
    customer,
    currency: (p.string('currency') ?? customer.currency ?? 'usd').toLowerCase(),
    // API-created invoices default to auto_advance false: nothing happens without explicit calls.
    autoAdvance: p.boolean('auto_advance') ?? false,
    collectionMethod,
    dueDate,
    description: p.string('description') ?? null,
    defaultPaymentMethod: defaultPm,
    metadata: mergeMetadata({}, p),
  });
  ctx.store.invoices.insert(invoice);
  if (collectionMethod === 'send_invoice' && daysUntilDue !== null)
    ctx.store.daysUntilDue.set(invoice.id, daysUntilDue);
  // Since API version 2022-08-01 pending items are left out unless asked for.
  if (p.enumOf('pending_invoice_items_behavior', ['exclude', 'include']) === 'include') {
    for (const ii of ctx.store.invoiceItems.newestFirst()) {
      if (ii.customer === customer.id && ii.invoice === null && ii.currency === invoice.currency)
        ii.invoice = invoice.id;
    }
  }
  recompute(ctx, invoice);
  ctx.emit('invoice.created', invoice);
  return respondInvoice(ctx, invoice);
}

function updateInvoice(ctx: ApiContext) {
  const invoice = ctx.store.invoices.require(ctx.pathParams.id!);
  const p = ctx.params;
  const before = snapshot(invoice);
  invoice.metadata = mergeMetadata(invoice.metadata ?? {}, p);
  if (p.has('description')) invoice.description = p.string('description') ?? null;
  if (p.has('auto_advance')) invoice.auto_advance = p.boolean('auto_advance') ?? false;
  if (p.has('default_payment_method')) {
    const pm = p.string('default_payment_method') ?? null;
    if (pm) ctx.store.paymentMethods.require(pm, 'default_payment_method');
    invoice.default_payment_method = pm;
  }
  const previous = previousAttributes(before, invoice);
  if (Object.keys(previous).length > 0) ctx.emit('invoice.updated', invoice, previous);
  return respondInvoice(ctx, invoice);
}

function markPaid(ctx: ApiContext, invoice: Stripe.Invoice, amount: number): void {
  invoice.amount_paid += amount;
  invoice.amount_remaining = 0;
  invoice.status = 'paid';
  invoice.status_transitions.paid_at = nowSeconds();
  invoice.next_payment_attempt = null;
  ctx.emit('invoice.paid', invoice);
  ctx.emit('invoice.payment_succeeded', invoice);
}

function finalize(ctx: ApiContext, invoice: Stripe.Invoice): void {
  if (invoice.status !== 'draft') {
    throw unexpectedState("This invoice is already finalized, you can't re-finalize a non-draft invoice.");
  }
  const customer = ctx.store.customers.get(idOf(invoice.customer)!);
  const sequence = customer?.next_invoice_sequence ?? 1;
  if (customer) customer.next_invoice_sequence = sequence + 1;
  recompute(ctx, invoice);
  const now = nowSeconds();
  invoice.number = `${customer?.invoice_prefix ?? 'SANDBOX'}-${String(sequence).padStart(4, '0')}`;
  invoice.status = 'open';
  invoice.status_transitions.finalized_at = now;
  invoice.effective_at = now;
  invoice.automatically_finalizes_at = null;
  // A send_invoice invoice is due `days_until_due` days after it is finalized, not after it is created.
  const days = ctx.store.daysUntilDue.get(invoice.id);
  if (days !== undefined) invoice.due_date = now + days * 86_400;
  // The customer's page to pay (and authenticate) and the PDF exist once the invoice is finalized.
  const token = `test_${invoice.id.slice(3)}`;
  invoice.hosted_invoice_url = `https://invoice.stripe.com/i/acct_sandbox/${token}`;
  invoice.invoice_pdf = `https://pay.stripe.com/invoice/acct_sandbox/${token}/pdf`;
  ctx.emit('invoice.finalized', invoice);
  // Stripe marks an invoice with nothing to collect as paid when it is finalized.
  if (invoice.amount_due === 0) markPaid(ctx, invoice, 0);
}

/**
 * Pays an open (or uncollectible) invoice: out of band, or by charging a card off-session through the
 * invoice's one PaymentIntent (created on the first attempt, confirmed again on each later one, each
 * attempt leaving its charge). A named method must be the customer's. A decline answers Stripe's 402
 * and leaves the invoice open with the attempt counted (`invoice.payment_failed`; a card that needs
 * 3-D Secure: `invoice.payment_action_required`, to be completed on the hosted invoice page).
 */
function payInvoice(ctx: ApiContext) {
  const invoice = ctx.store.invoices.require(ctx.pathParams.id!);
  const p = ctx.params;
  // Paying a draft finalizes it first, as Stripe does.
  if (invoice.status === 'draft') finalize(ctx, invoice);
  if (invoice.status === 'paid') throw unexpectedState('Invoice is already paid');
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible')
    throw unexpectedState(`You can only pay an open or uncollectible invoice; this one is ${invoice.status}.`);

  if (p.boolean('paid_out_of_band')) {
    markPaid(ctx, invoice, 0);
    return respondInvoice(ctx, invoice);
  }
  const customerId = idOf(invoice.customer)!;
  const customer = ctx.store.customers.get(customerId);
  const pmId =
    p.string('payment_method') ??
    idOf(invoice.default_payment_method) ??
    idOf(customer?.invoice_settings.default_payment_method);
  if (!pmId) {
    throw invalidRequest(
      'This customer has no attached payment source or default payment method. Please consider adding a default payment method.',
    );
  }
  const pm = resolvePaymentMethod(ctx, pmId, 'payment_method');
  const owner = idOf(pm.customer);
  if (owner && owner !== customerId) {
    throw invalidRequest(
      `The PaymentMethod ${pm.id} does not belong to the Customer ${customerId}. Please attach it to this Customer first.`,
      'payment_method',
    );
  }
  let payment = paymentsOf(ctx, invoice.id).find((x) => x.is_default);
  let pi = payment ? ctx.store.paymentIntents.get(idOf(payment.payment.payment_intent)!) : undefined;
  if (!payment || !pi) {
    pi = build.paymentIntent({
      amount: invoice.amount_remaining,
      currency: invoice.currency,
      customer: customerId,
      paymentMethod: pm.id,
      description: `Payment for Invoice ${invoice.number}`,
      metadata: {},
      setupFutureUsage: null,
      receiptEmail: null,
    });
    ctx.store.paymentIntents.insert(pi);
    ctx.emit('payment_intent.created', pi);
    payment = ctx.store.invoicePayments.insert(
      build.invoicePayment({
        invoice: invoice.id,
        amountRequested: invoice.amount_remaining,
        currency: invoice.currency,
        paymentIntent: pi.id,
      }),
    );
  } else {
    pi.payment_method = pm.id;
    pi.status = 'requires_confirmation';
  }
  invoice.attempted = true;
  invoice.attempt_count += 1;
  try {
    chargePaymentIntent(ctx, pi, pm);
  } catch (error) {
    if (error instanceof StripeApiError && error.status === 402) {
      ctx.emit(pi.status === 'requires_action' ? 'invoice.payment_action_required' : 'invoice.payment_failed', invoice);
    }
    throw error;
  }
  payment.status = 'paid';
  payment.amount_paid = pi.amount;
  payment.status_transitions.paid_at = nowSeconds();
  markPaid(ctx, invoice, pi.amount);
  return respondInvoice(ctx, invoice);
}

function voidInvoice(ctx: ApiContext) {
  const invoice = ctx.store.invoices.require(ctx.pathParams.id!);
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw unexpectedState(`You can only void an open or uncollectible invoice; this one is ${invoice.status}.`);
  }
  invoice.status = 'void';
  invoice.status_transitions.voided_at = nowSeconds();
  ctx.emit('invoice.voided', invoice);
  return respondInvoice(ctx, invoice);
}

/**
 * Stripe changing an invoice behind the product's back (a dashboard action whose webhook was lost): for
 * the drift report. No event is emitted, on purpose.
 */
export function driftInvoice(
  fx: Pick<ApiContext, 'store'>,
  id: string,
  change: { status?: Stripe.Invoice.Status; amount_paid?: number; total?: number },
): Stripe.Invoice {
  const invoice = fx.store.invoices.require(id);
  if (change.total !== undefined) {
    invoice.total = change.total;
    invoice.amount_due = Math.max(change.total, 0);
  }
  if (change.status !== undefined) {
    invoice.status = change.status;
    if (change.status === 'paid') {
      invoice.amount_paid = invoice.amount_due;
      invoice.status_transitions.paid_at = nowSeconds();
    }
  }
  if (change.amount_paid !== undefined) invoice.amount_paid = change.amount_paid;
  invoice.amount_remaining = Math.max(invoice.amount_due - invoice.amount_paid, 0);
  return invoice;
}

function markUncollectible(ctx: ApiContext) {
  const invoice = ctx.store.invoices.require(ctx.pathParams.id!);
  if (invoice.status !== 'open') throw unexpectedState(`You can only mark an open invoice uncollectible.`);
  invoice.status = 'uncollectible';
  invoice.status_transitions.marked_uncollectible_at = nowSeconds();
  ctx.emit('invoice.marked_uncollectible', invoice);
  return respondInvoice(ctx, invoice);
}

export const invoiceRoutes = [
  route('POST', '/v1/invoiceitems', createInvoiceItem),
  route('GET', '/v1/invoiceitems', (ctx) => {
    const customer = ctx.params.string('customer');
    const invoice = ctx.params.string('invoice');
    const pending = ctx.params.boolean('pending');
    const items = ctx.store.invoiceItems
      .newestFirst()
      .filter(
        (ii) =>
          (!customer || ii.customer === customer) &&
          (!invoice || ii.invoice === invoice) &&
          (pending === undefined || (ii.invoice === null) === pending),
      );
    return respond(ctx, paginate(items, ctx.params, '/v1/invoiceitems'));
  }),
  route('GET', '/v1/invoiceitems/:id', (ctx) => respond(ctx, ctx.store.invoiceItems.require(ctx.pathParams.id!))),
  route('DELETE', '/v1/invoiceitems/:id', deleteInvoiceItem),
  route('POST', '/v1/invoices', createInvoice),
  route('GET', '/v1/invoices', (ctx) => {
    const customer = ctx.params.string('customer');
    const status = ctx.params.string('status');
    const items = ctx.store.invoices
      .newestFirst()
      .filter((inv) => (!customer || inv.customer === customer) && (!status || inv.status === status));
    return respondInvoice(ctx, paginate(items, ctx.params, '/v1/invoices'));
  }),
  route('GET', '/v1/invoices/:id', (ctx) => respondInvoice(ctx, ctx.store.invoices.require(ctx.pathParams.id!))),
  route('POST', '/v1/invoices/:id', updateInvoice),
  route('POST', '/v1/invoices/:id/finalize', (ctx) => {
    const invoice = ctx.store.invoices.require(ctx.pathParams.id!);
    if (ctx.params.has('auto_advance')) invoice.auto_advance = ctx.params.boolean('auto_advance') ?? false;
    finalize(ctx, invoice);
    return respondInvoice(ctx, invoice);
  }),
  route('POST', '/v1/invoices/:id/pay', payInvoice),
  route('POST', '/v1/invoices/:id/void', voidInvoice),
  route('POST', '/v1/invoices/:id/mark_uncollectible', markUncollectible),
  route('GET', '/v1/invoice_payments', (ctx) => {
    const invoice = ctx.params.string('invoice');
    const payment = ctx.params.hash('payment');
    const pi = payment?.string('payment_intent');
    const items = ctx.store.invoicePayments
      .newestFirst()
      .filter((x) => (!invoice || x.invoice === invoice) && (!pi || idOf(x.payment.payment_intent) === pi));
    return respond(ctx, paginate(items, ctx.params, '/v1/invoice_payments'));
  }),
  route('GET', '/v1/invoice_payments/:id', (ctx) =>
    respond(ctx, ctx.store.invoicePayments.require(ctx.pathParams.id!)),
  ),
];
