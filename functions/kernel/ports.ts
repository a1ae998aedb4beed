import type { Contact, Delivery, Notice } from '../notices/domain/notices';
import type { PaymentMethodMirror } from '../payments/domain/payment-method';
import type { GatewayCustomer, GatewayDispute, GatewayPaymentMethod } from '../payments/domain/payments';
import type { Actor, AuditEntry } from './audit';
import type { BillingStatus } from './billing-status';
import type { Clock } from './clock';
import type { Currency } from './money';
import type { Org } from './org';
import type { BillingModel } from './pricing/plans';

/**
 * The ports use cases declare. Adapters (adapters/dynamo, adapters/stripe, …) implement them and
 * composition.ts wires the real ones once per cold start. Use cases take only the ports they use.
 */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface IdGenerator {
  /** A new ULID, optionally prefixed (`sub_01J…`): sortable by creation time. */
  next(prefix?: string): string;
}

export interface ListOptions {
  limit: number;
  cursor?: string;
}

/** Every write that changes billing state carries its audit entry, written in the same transaction. */
export interface OrgStore {
  get(orgId: string): Promise<Org | undefined>;
  /** Creates the org and its initial billing status; `conflict` if the org exists. */
  create(org: Org, status: BillingStatus, audit: AuditEntry): Promise<void>;
  /** Replaces the org if it is still at `expectedVersion`; `conflict` otherwise. */
  update(org: Org, expectedVersion: number, audit: AuditEntry): Promise<void>;
}

export interface BillingStatusReader {
  get(orgId: string): Promise<BillingStatus | undefined>;
}

export interface AuditLog {
  list(orgId: string, options: ListOptions): Promise<Page<AuditEntry>>;
}

/** Who is acting and on behalf of which request: passed to every use case that writes. */
export interface CallContext {
  readonly actor: Actor;
  readonly requestId?: string;
}

export interface CoreDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly orgs: OrgStore;
  readonly billingStatus: BillingStatusReader;
  readonly audit: AuditLog;
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
  /** Set when an enterprise contract's negotiated rates apply. */
  readonly contractId?: string;
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

/**
 * The notice outbox: one record per notice, deduplicated by `cause` (e.g. `budget:<id>:<period>:80`),
 * so a retried job or redelivered batch never sends twice. Delivery to each contact subscribed to
 * `kind` happens from the outbox through a sender port (SES on AWS, files under .data/ locally).
 */
export type NoticeRequest = Pick<Notice, 'orgId' | 'kind' | 'cause' | 'subject' | 'body' | 'data'>;

/** Billing contacts, stored per org; every change carries its audit entry. */
export interface ContactStore {
  addContact(contact: Contact, audit: AuditEntry): Promise<void>;
  listContacts(orgId: string, options: ListOptions): Promise<Page<Contact>>;
  removeContact(orgId: string, contactId: string, audit: (removed: Contact) => AuditEntry): Promise<void>;
}

/** The outbox's delivery side: pending notices and exactly-once claims per (notice, contact). */
export interface NoticeDeliveryStore {
  pending(limit: number): Promise<Notice[]>;
  claimDelivery(
    delivery: Omit<Delivery, 'status' | 'claimedAt'>,
    staleAfterMs: number,
  ): Promise<'claimed' | 'sent' | 'busy'>;
  releaseDelivery(delivery: Pick<Delivery, 'orgId' | 'noticeId' | 'contactId'>): Promise<void>;
  markSent(delivery: Pick<Delivery, 'orgId' | 'noticeId' | 'contactId'>, messageId: string): Promise<void>;
  markDelivered(notice: Notice): Promise<void>;
  listNotices(orgId: string, options: ListOptions): Promise<Page<Notice & { deliveries: Delivery[] }>>;
}

/** Sends one message; SES on AWS, a file per message locally. Returns the provider's message id. */
export interface NoticeSender {
  send(message: { to: string; subject: string; body: string; noticeId: string }): Promise<string>;
}

export interface NoticeOutbox {
  /** Records the notice once per (org, cause); returns false when it was already recorded. */
  enqueue(notice: NoticeRequest): Promise<boolean>;
}

/**
 * The payment gateway (Stripe, through the one adapter in adapters/stripe). Every write takes an
 * idempotency key derived from the domain operation, so a retried request or Lambda never does the
 * thing twice at Stripe. Errors: card declines → business_rule, outages → dependency_unavailable.
 */
export interface PaymentGateway {
  /** Creates the org's customer (`metadata.org_id`); the key `customer:<org>` makes it happen once. */
  createCustomer(input: { orgId: string; name: string }): Promise<string>;
  retrieveCustomer(customerId: string): Promise<GatewayCustomer | undefined>;
  /** An off-session SetupIntent on the customer; the front end confirms its client secret. */
  createSetupIntent(input: {
    customerId: string;
    orgId: string;
    idempotencyKey: string;
  }): Promise<{ id: string; clientSecret: string }>;
  /** Card payment methods attached to the customer. */
  listPaymentMethods(customerId: string): Promise<GatewayPaymentMethod[]>;
  retrievePaymentMethod(paymentMethodId: string): Promise<GatewayPaymentMethod | undefined>;
  detachPaymentMethod(paymentMethodId: string, idempotencyKey: string): Promise<void>;
  /** Sets `invoice_settings.default_payment_method` on the customer. */
  setDefaultPaymentMethod(customerId: string, paymentMethodId: string, idempotencyKey: string): Promise<void>;
  /** The dispute with its charge's customer. */
  retrieveDispute(disputeId: string): Promise<GatewayDispute | undefined>;
}

/** Org ↔ Stripe customer (GSI1 lookup by customer id). */
export interface StripeCustomerStore {
  customerOf(orgId: string): Promise<string | undefined>;
  orgOf(customerId: string): Promise<string | undefined>;
  /** Records the mapping once; returns the customer id on record (the first writer's, if raced). */
  link(orgId: string, customerId: string): Promise<string>;
}

/**
 * Whether the org can pay: paid self-serve plans need a default payment method (the payment-method
 * mirror's `isDefault`). Implemented in adapters/dynamo over the mirror items.
 */
export interface PaymentMethodCheck {
  hasDefaultPaymentMethod(orgId: string): Promise<boolean>;
}

/**
 * The real-time usage summary shown with the subscription (`usage_summary`). Owned by the usage
 * capability; the subscription handler only embeds what this returns.
 */
export interface UsageSummaryView {
  readonly currency: Currency;
  readonly periodKey: string;
  readonly asOf: string;
  readonly meters: readonly {
    readonly meter: string;
    readonly model?: string;
    readonly quantity: number;
    readonly amountMinor: number;
  }[];
  readonly totalMinor: number;
}

export interface UsageSummaryReader {
  currentPeriod(orgId: string): Promise<UsageSummaryView>;
}

/** The payment-method mirror, as the routes read it. */
export interface PaymentMethodReader {
  list(orgId: string): Promise<PaymentMethodMirror[]>;
}

/** What the last-method rule needs to know from the subscriptions capability. */
export interface PaidSubscriptionReader {
  /** True while the org has an active, paid, self-serve subscription (which needs a way to pay). */
  hasActivePaidSelfServe(orgId: string): Promise<boolean>;
}

/** Dunning transitions on the billing status (conditional on the version read) and the due list. */
export interface DunningStore {
  dueOrgs(nowIso: string, limit: number): Promise<string[]>;
  apply(next: BillingStatus, expectedVersion: number, deadline: string | null, audit: AuditEntry): Promise<void>;
}
