import type { AuditEntry } from '../kernel/audit';
import type { Currency } from '../kernel/money';
import type { CallContext, TransactionPart } from '../kernel/ports';
import type { BillingModel } from '../kernel/pricing/plans';
import type { ContractRef } from '../kernel/pricing/rating';
import type { AdjustmentLine, Subscription, SubscriptionEvent, Terms } from './domain/subscription';

/** An adjustment line as stored, waiting for the next invoice (the invoicing capability consumes it). */
export interface PendingAdjustment extends AdjustmentLine {
  readonly id: string;
  readonly orgId: string;
  readonly subscriptionId: string;
  readonly createdAt: string;
  readonly status: 'pending' | 'invoiced';
  /** Set when an invoice billed the line. */
  readonly invoiceId?: string;
  readonly invoicedAt?: string;
}

/** A terms segment to write: terms from `from` on; `terms: undefined` deletes the segment at `from`. */
export interface TermsSegmentWrite {
  readonly from: string;
  readonly terms: Terms | undefined;
}

export interface SubscriptionWrite {
  readonly next: Subscription;
  /** null: no subscription item may exist (first subscription). */
  readonly expectedVersion: number | null;
  /** Purchase paths add the freeze gate's ConditionCheck to the same transaction. */
  readonly purchase: boolean;
  /** Boundary of the next pending change: puts the subscription on the rollup's work list. */
  readonly dueAt: string | undefined;
  readonly events: readonly SubscriptionEvent[];
  readonly termsSegments: readonly TermsSegmentWrite[];
  readonly adjustments: readonly PendingAdjustment[];
  readonly audits: readonly AuditEntry[];
}

/**
 * Subscriptions storage. `commit` throws `conflict('conflict')` when the version moved,
 * `conflict('subscription_exists')` when creating over an existing subscription, and
 * `conflict('billing_frozen', …, { freeze_reasons })` when a purchase meets a frozen org.
 */
export interface SubscriptionStore {
  get(orgId: string): Promise<Subscription | undefined>;
  commit(write: SubscriptionWrite): Promise<void>;
  history(orgId: string, limit?: number): Promise<SubscriptionEvent[]>;
  /** Every pending adjustment line of the org, oldest first. */
  pendingAdjustments(orgId: string): Promise<PendingAdjustment[]>;
  segmentAt(orgId: string, at: Date): Promise<Terms | undefined>;
  /** The stored segments in force at some instant of [from, to], oldest first (see TermsReader.timeline). */
  segmentsBetween(orgId: string, from: Date, to: Date): Promise<(Terms & { readonly from: string })[]>;
  dueOrgs(
    at: Date,
    limit: number,
    cursor?: Record<string, unknown>,
  ): Promise<{ orgIds: string[]; cursor: Record<string, unknown> | undefined }>;
}

/**
 * The commercial terms in force for an org at an instant: what usage is rated under. Implemented by
 * the subscriptions capability; an org without a subscription is on the free tier in its default
 * currency.
 */
export interface ActiveTerms {
  readonly orgId: string;
  readonly planId: string;
  readonly planVersion: number;
  readonly billingModel: BillingModel;
  readonly currency: Currency;
  /** Set while an enterprise contract is in force: its version, year and negotiated rates. */
  readonly contract?: ContractRef;
}

/** One segment of the terms timeline: these terms are in force from `from` (ISO) until the next one. */
export interface TermsSegment {
  readonly from: string;
  readonly terms: ActiveTerms;
}

export interface TermsReader {
  termsAt(orgId: string, at: Date): Promise<ActiveTerms | undefined>;
  /**
   * The segments in force at some instant of [from, to], oldest first: the one in force at `from` (if
   * any; it may start earlier) and each one starting after it up to `to`. Empty: never subscribed, so
   * the free plan in the org's default currency throughout. Read strongly consistent.
   */
  timeline(orgId: string, from: Date, to: Date): Promise<TermsSegment[]>;
}

/** What the last-method rule needs to know from the subscriptions capability. */
export interface PaidSubscriptionReader {
  /** True while the org has an active, paid, self-serve subscription (which needs a way to pay). */
  hasActivePaidSelfServe(orgId: string): Promise<boolean>;
}

/**
 * The pending adjustment lines (first short period, proration, cancellation credits) as the invoicing
 * capability consumes them: every pending line of the org, and the write that marks lines billed by an
 * invoice, to go in the invoice's own transaction (it fails the transaction if a line is no longer
 * pending, so a line is billed once).
 */
export interface AdjustmentLedger {
  pending(orgId: string): Promise<PendingAdjustment[]>;
  markInvoiced(adjustments: readonly PendingAdjustment[], invoiceId: string, at: string): TransactionPart[];
}

/**
 * What the contracts capability needs of subscriptions: when a contract takes over, the self-serve
 * subscription ends (canceled at that instant, the unused flat fee credited, audited as the system's),
 * and while a contract is in force no self-serve purchase is made.
 */
export interface SelfServeEnder {
  /** Ends the org's active self-serve subscription at `at` (no-op without one). */
  endForContract(orgId: string, at: Date, contractId: string): Promise<void>;
}

/**
 * Ending a paid subscription because it was not paid (dunning reached `canceled`): the org is on the
 * free tier from now, audited. Idempotent: `not_active` when there is no paid subscription to end.
 */
export interface NonPaymentCancellation {
  cancelForNonPayment(orgId: string, ctx: CallContext): Promise<'canceled' | 'not_active'>;
}
