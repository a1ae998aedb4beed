import type { Currency } from '../../kernel/money';
import type { Meter } from '../../kernel/pricing/plans';

/**
 * The invoice document. Money is integer minor units in the invoice's one currency; each line is
 * rounded once (half away from zero) where its amount is computed, and the subtotal is exactly the
 * sum of the lines. The total is the subtotal minus credits applied from the org's credit balance; a
 * negative total is never charged: it is carried to the credit balance for the next invoices.
 */
export const INVOICE_SCHEMA_VERSION = 1;

export const INVOICE_KINDS = ['period', 'threshold', 'adjustment'] as const;
export type InvoiceKind = (typeof INVOICE_KINDS)[number];

/** `preview`: the upcoming invoice, never stored. `paid`, `uncollectible` and `void` come with collection. */
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
  readonly schemaVersion: number;
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
