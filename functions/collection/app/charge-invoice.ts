import type { Invoice } from '../../invoicing/ports';
import { AppError, notFound } from '../../kernel/errors';
import type { CallContext } from '../../kernel/ports';
import { type Collected, creditLineId, type ObservedInvoice, stripeKeys } from '../domain/collection';
import { applyObservation, type CollectionDeps, collectedOf, unattempted } from './collection-common';

export interface InvoiceRef {
  readonly orgId: string;
  readonly invoiceId: string;
}

/** What a charge ended with, as pay-now answers it. */
export interface ChargeResult {
  readonly outcome: 'paid' | 'failed' | 'requires_action';
  readonly declineCode: string | null;
  readonly message: string | null;
  readonly invoice: Invoice;
}

const now = (deps: Pick<CollectionDeps, 'clock'>) => deps.clock.now().toISOString();

async function load(deps: Pick<CollectionDeps, 'ledger'>, ref: InvoiceRef) {
  const loaded = await deps.ledger.get(ref.orgId, ref.invoiceId);
  if (!loaded) throw notFound('invoice_not_found', `there is no invoice ${ref.invoiceId}`);
  return loaded;
}

/** Our lines as Stripe invoice items: every line with an amount, and the credit applied as one negative item. */
function itemsOf(invoice: Invoice) {
  const items = invoice.lines
    .filter((l) => l.amountMinor !== 0)
    .map((l) => ({ lineId: l.id, amountMinor: l.amountMinor, description: l.description }));
  if (invoice.creditsAppliedMinor > 0) {
    items.push({
      lineId: creditLineId(invoice.id),
      amountMinor: -invoice.creditsAppliedMinor,
      description: 'Credit applied from the account balance',
    });
  }
  return items;
}

/**
 * Mirrors our issued invoice to Stripe, each step once whatever crashes in between: the invoice
 * (`auto_advance: false`, our ids in its metadata), its id recorded on ours at once (so a re-run after
 * Stripe forgot the idempotency key finds it rather than creating another), the items Stripe does not
 * have yet (each line's id in its metadata), a check that Stripe's total is our amount due, then
 * finalize. Every call's idempotency key is our invoice id and the step.
 */
export async function ensureMirrored(
  deps: CollectionDeps,
  ctx: CallContext,
  ref: InvoiceRef,
): Promise<{ invoice: Invoice; stripeInvoiceId: string }> {
  let { invoice } = await load(deps, ref);
  const link = collectedOf(invoice).stripe;
  if (link && link.status !== 'draft') return { invoice, stripeInvoiceId: link.invoiceId };
  const customerId = await deps.customers.ensureCustomer(ref.orgId);
  let stripeInvoiceId = link?.invoiceId;
  if (!stripeInvoiceId) {
    const at = now(deps);
    const created = await deps.gateway.createInvoice(
      {
        customerId,
        currency: invoice.currency,
        collectionMethod: invoice.collectionMethod ?? 'charge_automatically',
        daysUntilDue: invoice.daysUntilDue ?? null,
        description: `Invoice ${invoice.number} (${invoice.period.key})`,
        metadata: { invoice_id: invoice.id, org_id: invoice.orgId, number: invoice.number ?? '' },
      },
      stripeKeys.createInvoice(invoice.id),
    );
    await applyObservation(deps, ctx, ref, created, at);
    stripeInvoiceId = created.id;
  }
  let at = now(deps);
  let observed = await deps.gateway.retrieve(stripeInvoiceId);
  if (!observed) throw new AppError('internal', 'stripe_invoice_missing', `Stripe has no invoice ${stripeInvoiceId}`);
  if (observed.status === 'draft') {
    const present = new Set(observed.lineIds);
    const missing = itemsOf(invoice).filter((item) => !present.has(item.lineId));
    for (const item of missing) {
      await deps.gateway.addItem(
        {
          customerId,
          stripeInvoiceId,
          currency: invoice.currency,
          amountMinor: item.amountMinor,
          description: item.description,
          metadata: { invoice_id: invoice.id, line_id: item.lineId },
        },
        stripeKeys.item(invoice.id, item.lineId),
      );
    }
    if (missing.length > 0) observed = (await deps.gateway.retrieve(stripeInvoiceId)) ?? observed;
    // Our ledger is the truth: a Stripe invoice that would collect another amount is never finalized.
    if (observed.totalMinor !== invoice.amountDueMinor) {
      throw new AppError(
        'internal',
        'stripe_total_mismatch',
        `Stripe's draft ${stripeInvoiceId} totals ${observed.totalMinor}, invoice ${invoice.id} is due ${invoice.amountDueMinor}`,
      );
    }
    at = now(deps);
    observed = await deps.gateway.finalize(stripeInvoiceId, stripeKeys.finalize(invoice.id));
  }
  await applyObservation(deps, ctx, ref, observed, at);
  invoice = (await load(deps, ref)).invoice;
  return { invoice, stripeInvoiceId };
}

/**
 * Charges the invoice once for `slot` (`initial`, `retry:<n>`, `now:<request>`): off-session, with the
 * named payment method or the customer's default at that moment. The key is our invoice id and the
 * slot, so a re-run of the same slot is Stripe's stored answer, never a second charge. The outcome is
 * re-read from Stripe (the charges are the attempts) and merged like any webhook.
 */
export async function chargeInvoice(
  deps: CollectionDeps,
  ctx: CallContext,
  ref: InvoiceRef,
  slot: string,
  options: { paymentMethodId?: string; adjust?: (c: Collected) => Collected } = {},
): Promise<ChargeResult> {
  const { invoice, stripeInvoiceId } = await ensureMirrored(deps, ctx, ref);
  if (invoice.status === 'paid') return { outcome: 'paid', declineCode: null, message: null, invoice };
  const at = now(deps);
  const outcome = await deps.gateway.pay(stripeInvoiceId, options.paymentMethodId, stripeKeys.pay(invoice.id, slot));
  let observed: ObservedInvoice | undefined = outcome.kind === 'paid' ? outcome.invoice : undefined;
  observed ??= await deps.gateway.retrieve(stripeInvoiceId);
  if (!observed) throw new AppError('internal', 'stripe_invoice_missing', `Stripe has no invoice ${stripeInvoiceId}`);
  if (outcome.kind === 'not_attempted' && outcome.reason === 'no_payment_method') {
    observed = {
      ...observed,
      charges: [...observed.charges, unattempted(slot, at, invoice.amountDueMinor, 'no_payment_method')],
    };
  }
  await applyObservation(deps, ctx, ref, observed, at, options.adjust ? { adjust: options.adjust } : {});
  const after = (await load(deps, ref)).invoice;
  if (after.status === 'paid') return { outcome: 'paid', declineCode: null, message: null, invoice: after };
  const declineCode =
    outcome.kind === 'declined'
      ? outcome.declineCode
      : outcome.kind === 'not_attempted'
        ? outcome.reason
        : 'card_declined';
  return {
    outcome: declineCode === 'authentication_required' ? 'requires_action' : 'failed',
    declineCode,
    message: outcome.kind === 'declined' ? outcome.message : null,
    invoice: after,
  };
}
