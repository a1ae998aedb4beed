import Stripe from 'stripe';
import { isResourceMissing, toAppErrorFromStripe } from '../../kernel/stripe/errors';
import type { LedgerStatus, ObservedCharge, ObservedInvoice } from '../domain/collection';
import type { CollectionGateway, PayOutcome } from '../ports';

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();
const idOf = (ref: string | { id: string } | null | undefined): string | null =>
  ref == null ? null : typeof ref === 'string' ? ref : ref.id;

export function toObservedCharge(charge: Stripe.Charge): ObservedCharge {
  return {
    id: charge.id,
    at: iso(charge.created),
    status: charge.status === 'succeeded' ? 'succeeded' : charge.status === 'failed' ? 'failed' : 'pending',
    amountMinor: charge.amount,
    // Stripe puts the issuer's reason on the outcome; the failure code is the coarser fallback.
    declineCode: charge.status === 'failed' ? (charge.outcome?.reason ?? charge.failure_code ?? 'card_declined') : null,
    paymentMethodId: idOf(charge.payment_method as string | null),
  };
}

export function toObservedInvoice(invoice: Stripe.Invoice, charges: readonly ObservedCharge[]): ObservedInvoice {
  return {
    id: invoice.id,
    customerId: idOf(invoice.customer),
    status: (invoice.status ?? 'draft') as LedgerStatus,
    currency: invoice.currency.toUpperCase(),
    totalMinor: invoice.total,
    amountDueMinor: invoice.amount_due,
    amountPaidMinor: invoice.amount_paid,
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    invoicePdf: invoice.invoice_pdf ?? null,
    paidAt: invoice.status_transitions?.paid_at ? iso(invoice.status_transitions.paid_at) : null,
    ourInvoiceId: invoice.metadata?.invoice_id ?? null,
    ourOrgId: invoice.metadata?.org_id ?? null,
    lineIds: invoice.lines.data.flatMap((l) => (l.metadata?.line_id ? [l.metadata.line_id] : [])),
    charges: [...charges].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)),
  };
}

const paymentIntentsOf = (invoice: Stripe.Invoice): string[] =>
  (invoice.payments?.data ?? []).flatMap((p) => {
    const pi = idOf(p.payment.payment_intent as string | null | undefined);
    return pi ? [pi] : [];
  });

/**
 * The collection capability's Stripe adapter: the real SDK (locally the sandbox). Invoices are created
 * with `auto_advance: false` (nothing happens at Stripe unless we ask), paid off-session, and always
 * re-read with the charges of their payments, which are the attempts. Errors leave as AppErrors, except
 * card declines and "will not pay", which are outcomes of `pay`.
 */
export class StripeCollectionGateway implements CollectionGateway {
  constructor(private readonly stripe: () => Promise<Stripe>) {}

  private async call<T>(operation: string, run: (stripe: Stripe) => Promise<T>): Promise<T> {
    try {
      return await run(await this.stripe());
    } catch (error) {
      throw toAppErrorFromStripe(error, operation);
    }
  }

  async createInvoice(input: Parameters<CollectionGateway['createInvoice']>[0], idempotencyKey: string) {
    return this.call('create invoice', async (s) => {
      const invoice = await s.invoices.create(
        {
          customer: input.customerId,
          currency: input.currency.toLowerCase(),
          collection_method: input.collectionMethod,
          ...(input.collectionMethod === 'send_invoice' ? { days_until_due: input.daysUntilDue ?? 0 } : {}),
          auto_advance: false,
          pending_invoice_items_behavior: 'exclude',
          description: input.description,
          metadata: { ...input.metadata },
        },
        { idempotencyKey },
      );
      return toObservedInvoice(invoice, []);
    });
  }

  async addItem(input: Parameters<CollectionGateway['addItem']>[0], idempotencyKey: string): Promise<void> {
    await this.call('create invoice item', (s) =>
      s.invoiceItems.create(
        {
          customer: input.customerId,
          invoice: input.stripeInvoiceId,
          currency: input.currency.toLowerCase(),
          amount: input.amountMinor,
          description: input.description,
          metadata: { ...input.metadata },
        },
        { idempotencyKey },
      ),
    );
  }

  async finalize(stripeInvoiceId: string, idempotencyKey: string) {
    return this.call('finalize invoice', async (s) =>
      toObservedInvoice(
        await s.invoices.finalizeInvoice(stripeInvoiceId, { auto_advance: false }, { idempotencyKey }),
        [],
      ),
    );
  }

  async pay(stripeInvoiceId: string, paymentMethodId: string | undefined, idempotencyKey: string): Promise<PayOutcome> {
    const s = await this.stripe();
    try {
      await s.invoices.pay(
        stripeInvoiceId,
        { off_session: true, ...(paymentMethodId ? { payment_method: paymentMethodId } : {}) },
        { idempotencyKey },
      );
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        const raw = error.raw as { charge?: string };
        return {
          kind: 'declined',
          declineCode: error.decline_code ?? error.code ?? 'card_declined',
          message: error.message,
          chargeId: raw.charge ?? null,
        };
      }
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError) || isResourceMissing(error)) {
        throw toAppErrorFromStripe(error, 'pay invoice');
      }
      // Stripe would not try (paid already, nothing to charge it with, not payable): what it holds says why.
      const now = await this.retrieve(stripeInvoiceId);
      if (now?.status === 'paid') return { kind: 'not_attempted', reason: 'already_paid' };
      if (now?.status === 'open' || now?.status === 'uncollectible') {
        return { kind: 'not_attempted', reason: 'no_payment_method' };
      }
      return { kind: 'not_attempted', reason: 'not_payable' };
    }
    const paid = await this.retrieve(stripeInvoiceId);
    if (!paid) throw toAppErrorFromStripe(new Error('the paid invoice vanished'), 'pay invoice');
    return { kind: 'paid', invoice: paid };
  }

  async markUncollectible(stripeInvoiceId: string, idempotencyKey: string) {
    try {
      const s = await this.stripe();
      await s.invoices.markUncollectible(stripeInvoiceId, {}, { idempotencyKey });
    } catch (error) {
      // Paid or voided meanwhile (or already written off): Stripe's state is what we record.
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError) || isResourceMissing(error)) {
        throw toAppErrorFromStripe(error, 'mark invoice uncollectible');
      }
    }
    const now = await this.retrieve(stripeInvoiceId);
    if (!now) throw toAppErrorFromStripe(new Error('the invoice vanished'), 'mark invoice uncollectible');
    return now;
  }

  async retrieve(stripeInvoiceId: string): Promise<ObservedInvoice | undefined> {
    try {
      const s = await this.stripe();
      const invoice = await s.invoices.retrieve(stripeInvoiceId, { expand: ['payments'] });
      const charges: ObservedCharge[] = [];
      for (const pi of paymentIntentsOf(invoice)) {
        for await (const charge of s.charges.list({ payment_intent: pi, limit: 100 })) {
          charges.push(toObservedCharge(charge));
        }
      }
      return toObservedInvoice(invoice, charges);
    } catch (error) {
      if (isResourceMissing(error)) return undefined;
      throw toAppErrorFromStripe(error, 'retrieve invoice');
    }
  }

  invoiceOfPaymentIntent(paymentIntentId: string): Promise<string | undefined> {
    return this.call('find invoice of payment intent', async (s) => {
      const page = await s.invoicePayments.list({
        payment: { type: 'payment_intent', payment_intent: paymentIntentId },
        limit: 1,
      });
      return idOf(page.data[0]?.invoice as string | undefined) ?? undefined;
    });
  }

  invoicesOfCustomer(customerId: string): Promise<ObservedInvoice[]> {
    return this.call('list invoices', async (s) => {
      // Two listings per customer (invoices with their payments, then every charge), whatever the count.
      const invoices: Stripe.Invoice[] = [];
      for await (const invoice of s.invoices.list({ customer: customerId, limit: 100, expand: ['data.payments'] })) {
        invoices.push(invoice);
      }
      const byIntent = new Map<string, ObservedCharge[]>();
      for await (const charge of s.charges.list({ customer: customerId, limit: 100 })) {
        const pi = idOf(charge.payment_intent as string | null);
        if (pi) byIntent.set(pi, [...(byIntent.get(pi) ?? []), toObservedCharge(charge)]);
      }
      return invoices.map((i) =>
        toObservedInvoice(
          i,
          paymentIntentsOf(i).flatMap((pi) => byIntent.get(pi) ?? []),
        ),
      );
    });
  }
}
