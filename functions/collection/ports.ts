import type { ObservedInvoice } from './domain/collection';
import type { DriftReport } from './domain/drift';

/**
 * Ports of the collection capability. It works our invoices through the invoicing capability's
 * CollectionLedger, reaches Stripe through CollectionGateway (the one adapter over the real SDK), moves
 * dunning through the dunning capability's PaymentStanding, ends a subscription for non-payment through
 * the subscriptions capability, and notifies through the notice outbox: each wired in compose*.ts.
 */

/** What paying an invoice at Stripe ended with. */
export type PayOutcome =
  | { readonly kind: 'paid'; readonly invoice: ObservedInvoice }
  /** A card decline (Stripe's 402): the charge, its decline code, the message for people. */
  | {
      readonly kind: 'declined';
      readonly declineCode: string;
      readonly message: string;
      readonly chargeId: string | null;
    }
  /** Stripe would not try: the invoice was paid already, or the customer has no way to pay. */
  | { readonly kind: 'not_attempted'; readonly reason: 'already_paid' | 'no_payment_method' | 'not_payable' };

/**
 * Stripe as the payment rail for invoices. Every write carries the idempotency key the caller derived
 * from our invoice id and the step (domain/collection.ts `stripeKeys`), so a re-run after a crash at any
 * point creates nothing twice. Reads answer `undefined` for an id Stripe does not know.
 */
export interface CollectionGateway {
  createInvoice(
    input: {
      readonly customerId: string;
      readonly currency: string;
      readonly collectionMethod: 'charge_automatically' | 'send_invoice';
      readonly daysUntilDue: number | null;
      readonly description: string;
      readonly metadata: Readonly<Record<string, string>>;
    },
    idempotencyKey: string,
  ): Promise<ObservedInvoice>;
  addItem(
    input: {
      readonly customerId: string;
      readonly stripeInvoiceId: string;
      readonly currency: string;
      readonly amountMinor: number;
      readonly description: string;
      readonly metadata: Readonly<Record<string, string>>;
    },
    idempotencyKey: string,
  ): Promise<void>;
  finalize(stripeInvoiceId: string, idempotencyKey: string): Promise<ObservedInvoice>;
  /** Off-session, with `paymentMethodId` or (absent) the customer's default payment method at that time. */
  pay(stripeInvoiceId: string, paymentMethodId: string | undefined, idempotencyKey: string): Promise<PayOutcome>;
  markUncollectible(stripeInvoiceId: string, idempotencyKey: string): Promise<ObservedInvoice>;
  /** The invoice with its lines' metadata and the charges of its payments: Stripe's state now. */
  retrieve(stripeInvoiceId: string): Promise<ObservedInvoice | undefined>;
  /** The invoice a PaymentIntent pays, if it pays one. */
  invoiceOfPaymentIntent(paymentIntentId: string): Promise<string | undefined>;
  /** Every invoice of the customer, with the charges of its payments. */
  invoicesOfCustomer(customerId: string): Promise<ObservedInvoice[]>;
}

/** The drift reports: the latest per org, and the latest fleet run. */
export interface ReconciliationStore {
  putReport(report: DriftReport): Promise<void>;
  getReport(orgId: string): Promise<DriftReport | undefined>;
  putRun(run: FleetRun): Promise<void>;
  getRun(): Promise<FleetRun | undefined>;
}

export interface FleetRun {
  readonly checkedAt: string;
  readonly orgsChecked: number;
  readonly orgsWithDrift: number;
  readonly invoicesChecked: number;
  readonly chargesChecked: number;
  readonly differences: number;
  /** Orgs that could not be checked this run (Stripe unavailable …), with the error code. */
  readonly failed: readonly { readonly orgId: string; readonly code: string }[];
}
