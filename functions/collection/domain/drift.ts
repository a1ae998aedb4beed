import type { Attempt, LedgerStatus, ObservedInvoice } from './collection';

/**
 * The ledger ↔ Stripe drift report, pure: our invoices (the source of truth for what is owed) against
 * Stripe's (the rail: what was collected), and our recorded attempts against Stripe's charges. Every
 * difference is listed; nothing is corrected here (an operator or the reconciler decides).
 */
export const DIFFERENCE_KINDS = [
  'missing_at_stripe',
  'missing_in_ledger',
  'status',
  'total',
  'amount_paid',
  'attempt_missing_in_ledger',
  'attempt_missing_at_stripe',
  'attempt_outcome',
] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export interface Difference {
  readonly kind: DifferenceKind;
  readonly invoiceId: string | null;
  readonly stripeInvoiceId: string | null;
  readonly chargeId?: string;
  readonly ours: string | number | null;
  readonly stripe: string | number | null;
}

/** Our side of an invoice, as the report compares it. */
export interface LedgerInvoice {
  readonly id: string;
  readonly status: LedgerStatus;
  readonly amountDueMinor: number;
  readonly issuedAt: string | null;
  readonly stripeInvoiceId: string | null;
  readonly attempts: readonly Attempt[];
}

export interface DriftReport {
  readonly orgId: string;
  readonly checkedAt: string;
  readonly invoicesChecked: number;
  readonly chargesChecked: number;
  readonly differences: readonly Difference[];
}

/** How long an issued invoice may wait for collection to mirror it before its absence is drift. */
export const MIRROR_GRACE_MS = 60 * 60_000;

const isCharge = (id: string) => id.startsWith('ch_') || id.startsWith('py_');

/**
 * Compares one org's invoices with Stripe's. An invoice still inside the mirror grace (just issued, the
 * collection schedule has not reached it) is not drift; a draft at Stripe is compared once that grace is
 * over; zero invoices are never sent to Stripe and are not expected there.
 */
export function compareWithStripe(
  orgId: string,
  ours: readonly LedgerInvoice[],
  theirs: readonly ObservedInvoice[],
  now: Date,
  graceMs: number = MIRROR_GRACE_MS,
): DriftReport {
  const differences: Difference[] = [];
  const byOurs = new Map(theirs.filter((t) => t.ourInvoiceId).map((t) => [t.ourInvoiceId!, t] as const));
  const fresh = (i: LedgerInvoice) => i.issuedAt !== null && now.getTime() - Date.parse(i.issuedAt) < graceMs;
  let charges = 0;
  for (const invoice of ours) {
    if (invoice.status === 'draft') continue;
    const stripe = byOurs.get(invoice.id);
    if (!stripe) {
      if (invoice.amountDueMinor > 0 && !fresh(invoice)) {
        differences.push({
          kind: 'missing_at_stripe',
          invoiceId: invoice.id,
          stripeInvoiceId: invoice.stripeInvoiceId,
          ours: invoice.status,
          stripe: null,
        });
      }
      continue;
    }
    const base = { invoiceId: invoice.id, stripeInvoiceId: stripe.id };
    if (stripe.status === 'draft' && fresh(invoice)) continue;
    if (stripe.status !== invoice.status) {
      differences.push({ ...base, kind: 'status', ours: invoice.status, stripe: stripe.status });
    }
    if (stripe.totalMinor !== invoice.amountDueMinor) {
      differences.push({ ...base, kind: 'total', ours: invoice.amountDueMinor, stripe: stripe.totalMinor });
    }
    const paid = invoice.status === 'paid' ? invoice.amountDueMinor : 0;
    if (stripe.amountPaidMinor !== paid) {
      differences.push({ ...base, kind: 'amount_paid', ours: paid, stripe: stripe.amountPaidMinor });
    }
    const recorded = new Map(invoice.attempts.map((a) => [a.id, a] as const));
    const seen = new Set<string>();
    for (const charge of stripe.charges) {
      if (charge.status === 'pending') continue;
      charges += 1;
      seen.add(charge.id);
      const attempt = recorded.get(charge.id);
      const outcome = charge.status === 'succeeded' ? 'succeeded' : 'failed';
      if (!attempt) {
        differences.push({
          ...base,
          kind: 'attempt_missing_in_ledger',
          chargeId: charge.id,
          ours: null,
          stripe: outcome,
        });
      } else if ((attempt.outcome === 'succeeded' ? 'succeeded' : 'failed') !== outcome) {
        differences.push({
          ...base,
          kind: 'attempt_outcome',
          chargeId: charge.id,
          ours: attempt.outcome,
          stripe: outcome,
        });
      }
    }
    for (const attempt of invoice.attempts) {
      if (isCharge(attempt.id) && !seen.has(attempt.id)) {
        differences.push({
          ...base,
          kind: 'attempt_missing_at_stripe',
          chargeId: attempt.id,
          ours: attempt.outcome,
          stripe: null,
        });
      }
    }
  }
  const ourIds = new Set(ours.map((i) => i.id));
  for (const stripe of theirs) {
    if (stripe.ourInvoiceId && ourIds.has(stripe.ourInvoiceId)) continue;
    if (stripe.status === 'draft' && stripe.totalMinor === 0) continue;
    differences.push({
      kind: 'missing_in_ledger',
      invoiceId: stripe.ourInvoiceId,
      stripeInvoiceId: stripe.id,
      ours: null,
      stripe: stripe.status,
    });
  }
  return { orgId, checkedAt: now.toISOString(), invoicesChecked: ours.length, chargesChecked: charges, differences };
}
