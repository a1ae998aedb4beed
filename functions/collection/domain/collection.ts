/**
 * Collecting invoices, pure. Our ledger is the source of truth for what is owed (lines, amounts);
 * Stripe is the payment rail, and what it observed (its invoice's status, the charges of its payments)
 * is merged into our invoice as a join: statuses only move forward (open → uncollectible → paid | void),
 * attempts are a set keyed by Stripe's charge id. Merging the same or an older observation changes
 * nothing, so events applied in any order, any number of times, converge on Stripe's latest state.
 */
export type LedgerStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';
export type AttemptOutcome = 'succeeded' | 'failed' | 'requires_action';

export interface Attempt {
  readonly id: string;
  readonly at: string;
  readonly outcome: AttemptOutcome;
  readonly amountMinor: number;
  readonly declineCode: string | null;
  readonly paymentMethodId: string | null;
}

export interface StripeLink {
  readonly invoiceId: string;
  readonly status: string;
  readonly hostedInvoiceUrl: string | null;
  readonly invoicePdf: string | null;
  readonly amountPaidMinor: number;
  readonly observedAt: string;
}

/** The collection fields of our invoice (structurally the invoicing capability's InvoiceCollection). */
export interface Collected {
  readonly stripe?: StripeLink;
  readonly attempts: readonly Attempt[];
  readonly retries: number;
  readonly firstFailedAt: string | null;
  readonly paidAt: string | null;
  readonly dunningStartedAt: string | null;
}

/** A charge of the Stripe invoice's payments: one collection attempt. */
export interface ObservedCharge {
  readonly id: string;
  readonly at: string;
  readonly status: 'succeeded' | 'failed' | 'pending';
  readonly amountMinor: number;
  readonly declineCode: string | null;
  readonly paymentMethodId: string | null;
}

/** Stripe's invoice as re-read, in our words (the adapter maps Stripe's object onto this). */
export interface ObservedInvoice {
  readonly id: string;
  readonly customerId: string | null;
  readonly status: LedgerStatus;
  readonly currency: string;
  readonly totalMinor: number;
  readonly amountDueMinor: number;
  readonly amountPaidMinor: number;
  readonly hostedInvoiceUrl: string | null;
  readonly invoicePdf: string | null;
  readonly paidAt: string | null;
  /** `metadata.invoice_id` / `metadata.org_id`: our invoice it mirrors (absent: not one of ours). */
  readonly ourInvoiceId: string | null;
  readonly ourOrgId: string | null;
  /** `metadata.line_id` of each line: which of our lines are already there. */
  readonly lineIds: readonly string[];
  readonly charges: readonly ObservedCharge[];
}

const RANK: Record<LedgerStatus, number> = { draft: -1, open: 0, uncollectible: 1, paid: 2, void: 2 };

/** Whether a status may follow another: only forward, and paid and void are final. */
export const movesForward = (from: LedgerStatus, to: LedgerStatus): boolean => RANK[to] > RANK[from] && RANK[from] < 2;

export const emptyCollected = (): Collected => ({
  attempts: [],
  retries: 0,
  firstFailedAt: null,
  paidAt: null,
  dunningStartedAt: null,
});

/**
 * A charge as an attempt. A card that needs 3-D Secure declines off-session with
 * `authentication_required`: the customer can still complete it on the hosted invoice page.
 */
export function attemptOf(charge: ObservedCharge): Attempt | undefined {
  if (charge.status === 'pending') return undefined;
  const succeeded = charge.status === 'succeeded';
  return {
    id: charge.id,
    at: charge.at,
    outcome: succeeded ? 'succeeded' : charge.declineCode === 'authentication_required' ? 'requires_action' : 'failed',
    amountMinor: charge.amountMinor,
    declineCode: succeeded ? null : charge.declineCode,
    paymentMethodId: charge.paymentMethodId,
  };
}

export interface Merged {
  readonly status: LedgerStatus;
  readonly collected: Collected;
  /** Attempts seen for the first time, oldest first. */
  readonly newAttempts: readonly Attempt[];
  /** The status changed (forward). */
  readonly statusChanged: boolean;
  /** Anything at all changed (what to write). */
  readonly changed: boolean;
}

const byTime = (a: Attempt, b: Attempt) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1);

/**
 * Our invoice after an observation of Stripe's: the join of what we knew and what Stripe says. The link
 * (status, URLs, amount paid) is replaced only by a later observation; attempts are united; the status
 * moves only forward. Our own decision to write an invoice off (`uncollectible`) stands until Stripe
 * says it was paid or voided.
 */
export function mergeObservation(
  current: { readonly status: LedgerStatus; readonly collected: Collected },
  observed: ObservedInvoice,
  observedAt: string,
): Merged {
  const known = new Map(current.collected.attempts.map((a) => [a.id, a] as const));
  const newAttempts: Attempt[] = [];
  for (const charge of observed.charges) {
    const attempt = attemptOf(charge);
    if (attempt && !known.has(attempt.id)) newAttempts.push(attempt);
  }
  newAttempts.sort(byTime);
  const attempts = [...current.collected.attempts, ...newAttempts].sort(byTime);
  const stale = current.collected.stripe !== undefined && current.collected.stripe.observedAt > observedAt;
  const stripe: StripeLink = stale
    ? current.collected.stripe!
    : {
        invoiceId: observed.id,
        status: observed.status,
        hostedInvoiceUrl: observed.hostedInvoiceUrl,
        invoicePdf: observed.invoicePdf,
        amountPaidMinor: observed.amountPaidMinor,
        observedAt,
      };
  const status = movesForward(current.status, observed.status) ? observed.status : current.status;
  // Dates that drive our schedules (retries, dunning) are on our clock: when we learned of the failure
  // or the payment. Each attempt keeps Stripe's own time of its charge.
  const failed = attempts.some((a) => a.outcome !== 'succeeded');
  const collected: Collected = {
    ...current.collected,
    stripe,
    attempts,
    firstFailedAt: current.collected.firstFailedAt ?? (failed ? observedAt : null),
    paidAt: status === 'paid' ? (current.collected.paidAt ?? observedAt) : current.collected.paidAt,
  };
  const linkChanged = JSON.stringify(stripe) !== JSON.stringify(current.collected.stripe);
  const statusChanged = status !== current.status;
  return {
    status,
    collected,
    newAttempts,
    statusChanged,
    changed: statusChanged || newAttempts.length > 0 || linkChanged || collected.paidAt !== current.collected.paidAt,
  };
}

/**
 * Retries after a failed charge, in days after the first failure, each with the customer's default
 * payment method at that time. Ours rather than Stripe's Smart Retries: dunning (and the freeze gate)
 * must know when an attempt happens and how it ended, in our ledger, and the same schedule has to work
 * for every currency and for the sandbox; Smart Retries would charge on Stripe's own timing.
 */
export const DEFAULT_RETRY_DAYS: readonly number[] = [1, 3, 5, 7];

export function nextRetryAt(collected: Pick<Collected, 'firstFailedAt' | 'retries'>, retryDays: readonly number[]) {
  if (!collected.firstFailedAt || collected.retries >= retryDays.length) return null;
  return new Date(Date.parse(collected.firstFailedAt) + retryDays[collected.retries]! * 86_400_000).toISOString();
}

export type CollectionQueue = 'collect' | 'retry' | 'overdue';

/**
 * Where an invoice waits next, from its state alone (so every writer puts it in the same place):
 * `collect` now while it is not mirrored to Stripe and finalized there, not yet charged (charged
 * automatically), or written off by us but still open at Stripe; `retry` at the next retry while a
 * charge failed and retries remain; `overdue` at its due date for net terms not yet overdue; nowhere
 * once paid, void, or when nothing is left to do but wait for the customer.
 */
export function queueFor(
  invoice: {
    readonly status: LedgerStatus;
    readonly amountDueMinor: number;
    readonly collectionMethod: 'charge_automatically' | 'send_invoice';
    readonly dueAt: string | null;
    readonly issuedAt: string | null;
    readonly collected: Collected;
  },
  now: string,
  retryDays: readonly number[] = DEFAULT_RETRY_DAYS,
): { name: CollectionQueue; at: string } | null {
  const { status, collected } = invoice;
  const stripeStatus = collected.stripe?.status;
  if (status === 'uncollectible') return stripeStatus === 'open' ? { name: 'collect', at: now } : null;
  if (status !== 'open' || invoice.amountDueMinor <= 0) return null;
  const since = invoice.issuedAt ?? now;
  if (!collected.stripe || stripeStatus === 'draft') return { name: 'collect', at: since };
  if (invoice.collectionMethod === 'send_invoice') {
    return collected.dunningStartedAt || !invoice.dueAt ? null : { name: 'overdue', at: invoice.dueAt };
  }
  if (collected.attempts.length === 0) return { name: 'collect', at: since };
  if (collected.attempts.some((a) => a.outcome === 'succeeded')) return null;
  const retry = nextRetryAt(collected, retryDays);
  return retry ? { name: 'retry', at: retry } : null;
}

/**
 * Idempotency keys of the outbound Stripe calls, from our invoice id and the step: a re-run after a
 * crash at any point repeats the same calls with the same keys, so Stripe creates nothing twice.
 * `slot` names the charge (the first automatic one, retry n, or one pay-now request).
 */
export const stripeKeys = {
  createInvoice: (invoiceId: string) => `collection:${invoiceId}:create_invoice`,
  item: (invoiceId: string, lineId: string) => `collection:${invoiceId}:item:${lineId}`,
  finalize: (invoiceId: string) => `collection:${invoiceId}:finalize`,
  pay: (invoiceId: string, slot: string) => `collection:${invoiceId}:pay:${slot}`,
  uncollectible: (invoiceId: string) => `collection:${invoiceId}:mark_uncollectible`,
};

/** The line of a Stripe invoice item that carries the credit applied from the org's balance. */
export const creditLineId = (invoiceId: string) => `${invoiceId}_credit`;
