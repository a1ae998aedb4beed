import type { Currency } from '../../kernel/money';
import type { Meter } from '../../kernel/pricing/plans';

/**
 * The invoice document. Money is integer minor units in the invoice's one currency; each line is
 * rounded once (half away from zero) where its amount is computed, and the subtotal is exactly the
 * sum of the lines. The total is the subtotal minus credits applied from the org's credit balance; a
 * negative total is never charged: it is carried to the credit balance for the next invoices.
 *
 * Schema 2 added payment terms and collection; version 1 documents lack them and read as
 * `charge_automatically` with nothing collected yet.
 */
export const INVOICE_SCHEMA_VERSION = 2;

export const INVOICE_KINDS = ['period', 'threshold', 'adjustment', 'contract'] as const;
export type InvoiceKind = (typeof INVOICE_KINDS)[number];

/**
 * `preview`: the upcoming invoice, never stored. `open` → `paid` | `uncollectible` | `void`, and
 * `uncollectible` → `paid` | `void` (Stripe's invoice graph): collection moves them, only forward.
 */
export const INVOICE_STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number] | 'preview';

export const LINE_KINDS = [
  'flat_fee',
  'usage',
  'late_usage',
  'first_period_fee',
  'proration_credit',
  'proration_charge',
  'cancellation_credit',
  'platform_fee',
  'commitment',
  'prepaid_drawdown',
  'true_up',
  'termination_commitment',
] as const;
export type LineKind = (typeof LINE_KINDS)[number];

export interface InvoiceLine {
  /** Stable within the invoice: `<invoice id>_<position>`. */
  readonly id: string;
  readonly kind: LineKind;
  readonly description: string;
  readonly meter?: Meter;
  readonly model?: string;
  /** The stretch of the period the usage was counted in (its start, ISO). */
  readonly stretchFrom?: string;
  /** The billing period the line is for (`YYYY-MM`): the invoice's, the next one's (fees in advance), or an earlier one's (late usage). */
  readonly periodKey: string;
  readonly planId?: string;
  /** Integer units (tokens, calls, runs; 1 for a fee). Usage lines: the units this invoice adds. */
  readonly quantity: number;
  /** Usage lines: of `quantity`, the units charged (the rest was included usage). */
  readonly billableQuantity?: number;
  /** Minor units per unit, as a decimal string; absent when graduated tiers priced the line at several rates. */
  readonly unitAmountDecimal?: string;
  /** The exact amount before rounding, in minor units (decimal string). */
  readonly preciseAmount: string;
  readonly amountMinor: number;
  /** The subscription adjustment (proration, first period, cancellation credit) this line bills. */
  readonly adjustmentId?: string;
  /** The enterprise contract (and contract year) a commitment, drawdown or true-up line is for. */
  readonly contractId?: string;
  readonly contractYear?: number;
}

export interface BillTo {
  readonly orgId: string;
  readonly name: string;
  readonly legalName?: string;
  readonly address?: PostalAddress;
  readonly taxIds: readonly TaxId[];
  readonly memo?: string;
}

export interface PostalAddress {
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly state?: string;
  readonly postalCode?: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
}

export interface TaxId {
  readonly type: string;
  readonly value: string;
}

/**
 * How an invoice is collected: `charge_automatically` charges the org's default payment method when it is
 * issued (net 0); `send_invoice` is payable within `daysUntilDue` days (net terms), never charged by
 * itself, and starts dunning once overdue.
 */
export const COLLECTION_METHODS = ['charge_automatically', 'send_invoice'] as const;
export type CollectionMethod = (typeof COLLECTION_METHODS)[number];

export const PAYMENT_OUTCOMES = ['succeeded', 'failed', 'requires_action'] as const;
export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number];

/** One attempt to collect the invoice, as Stripe recorded it (one per charge). */
export interface PaymentAttempt {
  /** Stripe's charge id: an attempt observed twice (our call, then the webhook) is recorded once. */
  readonly id: string;
  readonly at: string;
  readonly outcome: PaymentOutcome;
  readonly amountMinor: number;
  readonly declineCode: string | null;
  readonly paymentMethodId: string | null;
}

/** The invoice's mirror at Stripe (the payment rail), as last observed. */
export interface StripeInvoiceLink {
  readonly invoiceId: string;
  /** Stripe's status when last observed (`draft` until our items are all there and it is finalized). */
  readonly status: string;
  readonly hostedInvoiceUrl: string | null;
  readonly invoicePdf: string | null;
  readonly amountPaidMinor: number;
  /** When the re-read this reflects began: a later observation always wins. */
  readonly observedAt: string;
}

/** What collecting the invoice has done so far (written by the collection capability). */
export interface InvoiceCollection {
  readonly stripe?: StripeInvoiceLink;
  readonly attempts: readonly PaymentAttempt[];
  /** Retries the retry schedule has made (the first automatic charge is not one). */
  readonly retries: number;
  /** When the first attempt failed: retries are dated from it. */
  readonly firstFailedAt: string | null;
  readonly paidAt: string | null;
  /** Dunning was started for this invoice (a failed charge, or net terms overdue). */
  readonly dunningStartedAt: string | null;
}

export const emptyCollection = (): InvoiceCollection => ({
  attempts: [],
  retries: 0,
  firstFailedAt: null,
  paidAt: null,
  dunningStartedAt: null,
});

export interface Invoice {
  readonly id: string;
  readonly orgId: string;
  /** Per-org prefix + sequence, assigned at finalization; null while draft. */
  readonly number: string | null;
  readonly kind: InvoiceKind;
  readonly status: InvoiceStatus;
  readonly currency: Currency;
  /** The billing period the invoice belongs to, half-open [start, end). */
  readonly period: { readonly key: string; readonly start: string; readonly end: string };
  readonly billTo: BillTo;
  readonly lines: readonly InvoiceLine[];
  readonly subtotalMinor: number;
  readonly creditsAppliedMinor: number;
  readonly totalMinor: number;
  /** What is to be paid: the total, or 0 when the total is negative. */
  readonly amountDueMinor: number;
  /** A negative total carried to the org's credit balance (positive number), else 0. */
  readonly creditCarriedMinor: number;
  readonly createdAt: string;
  readonly issuedAt: string | null;
  readonly dueAt: string | null;
  /** The subscription adjustments this invoice bills (so a line is billed once, even across a crash). */
  readonly adjustmentIds: readonly string[];
  /** Absent on invoices issued before collection existed: `charge_automatically`. */
  readonly collectionMethod?: CollectionMethod;
  /** Net terms: `send_invoice` invoices are due this many days after issue; null when charged at once. */
  readonly daysUntilDue?: number | null;
  /** Absent until collection starts. */
  readonly collection?: InvoiceCollection;
  readonly schemaVersion: number;
}

export const collectionMethodOf = (invoice: Pick<Invoice, 'collectionMethod'>): CollectionMethod =>
  invoice.collectionMethod ?? 'charge_automatically';

export const collectionOf = (invoice: Pick<Invoice, 'collection'>): InvoiceCollection =>
  invoice.collection ?? emptyCollection();

/**
 * The payment terms of an invoice as it is planned: net 0 charges automatically, due at issue; net N
 * is `send_invoice`, due N days after issue. An issued invoice with nothing to pay (zero, or credits
 * beyond its charges) is `paid` at once, as Stripe marks it: nothing is ever charged for it.
 */
export function applyPaymentTerms(invoice: Invoice, netDays: number): Invoice {
  const due = invoice.issuedAt ? new Date(Date.parse(invoice.issuedAt) + netDays * 86_400_000).toISOString() : null;
  const settled = invoice.status === 'open' && invoice.amountDueMinor === 0;
  return {
    ...invoice,
    collectionMethod: netDays > 0 ? 'send_invoice' : 'charge_automatically',
    daysUntilDue: netDays > 0 ? netDays : null,
    dueAt: due,
    ...(settled ? { status: 'paid', collection: { ...emptyCollection(), paidAt: invoice.issuedAt } } : {}),
  };
}

/** The sum of the lines, exactly. */
export const subtotalOf = (lines: readonly Pick<InvoiceLine, 'amountMinor'>[]): number =>
  lines.reduce((sum, line) => sum + line.amountMinor, 0);

/**
 * Credits from the org's balance go against a positive subtotal; a negative subtotal is not charged
 * and grows the balance instead. Returns what the invoice records and the balance after it.
 */
export function applyCredit(
  subtotalMinor: number,
  balanceMinor: number,
): {
  creditsAppliedMinor: number;
  totalMinor: number;
  amountDueMinor: number;
  creditCarriedMinor: number;
  balanceAfterMinor: number;
} {
  if (balanceMinor < 0) throw new Error('a credit balance is never negative');
  const creditsAppliedMinor = subtotalMinor > 0 ? Math.min(balanceMinor, subtotalMinor) : 0;
  const totalMinor = subtotalMinor - creditsAppliedMinor;
  const creditCarriedMinor = totalMinor < 0 ? -totalMinor : 0;
  return {
    creditsAppliedMinor,
    totalMinor,
    amountDueMinor: Math.max(totalMinor, 0),
    creditCarriedMinor,
    balanceAfterMinor: balanceMinor - creditsAppliedMinor + creditCarriedMinor,
  };
}
