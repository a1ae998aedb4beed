import { type Actor, systemActor } from '../../kernel/audit';
import { auditEntry } from '../../kernel/audit-entry';
import type { BillingStatus, DisputeSummary, FreezeReason } from '../../kernel/billing-status';
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { BillingStatusReader, IdGenerator } from '../../kernel/ports';
import type { PaymentMethodMirror } from '../domain/payment-method';
import {
  type DisputeRecord,
  disputeFreezeReason,
  type GatewayCustomer,
  type GatewayPaymentMethod,
  isDisputeOpen,
  type MirrorPlan,
  planDispute,
  planPaymentMethodMirror,
} from '../domain/payments';
import type {
  InboxHandOff,
  InvoiceEventHandler,
  PaymentGateway,
  StripeCustomerStore,
  StripeEventEnvelope,
} from '../ports';
import { APPLIED_EVENT_TYPES, COLLECTION_EVENT_TYPES, type InboxOutcome, type StripeEventInbox } from './stripe-events';

export type { StripeEventEnvelope } from '../ports';

export type ReconcileOutcome = 'applied' | 'duplicate' | 'superseded' | 'ignored' | 'failed';

interface InboxWrite {
  eventId: string;
  outcome: InboxOutcome;
  now: Date;
}

export interface PaymentMethodMirrorStore {
  list(orgId: string): Promise<PaymentMethodMirror[]>;
  /** One transaction guarded by the watermark read before planning; see DynamoPaymentMethodStore. */
  apply(
    orgId: string,
    plan: MirrorPlan,
    observedAt: string,
    expectedWatermark: string | undefined,
    audit: ReturnType<typeof auditEntry> | undefined,
    inbox: InboxWrite,
  ): Promise<'applied' | 'conflict' | 'already_handled'>;
}

export interface StripeCustomerLinks extends StripeCustomerStore {
  getLink(orgId: string): Promise<{ customerId: string; paymentMethodsObservedAt?: string } | undefined>;
}

export interface DisputeStore {
  get(orgId: string, disputeId: string): Promise<DisputeRecord | undefined>;
  apply(write: {
    record: DisputeRecord;
    /** The record's `observedAt` as read before planning (undefined: there was none). */
    expectedObservedAt: string | undefined;
    billingStatus?: { next: BillingStatus; expectedVersion: number };
    audits: readonly ReturnType<typeof auditEntry>[];
    inbox?: InboxWrite;
  }): Promise<'applied' | 'conflict' | 'already_handled'>;
}

export interface ReconcileDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly paymentGateway: PaymentGateway;
  readonly stripeCustomers: StripeCustomerLinks;
  readonly paymentMethodMirror: PaymentMethodMirrorStore;
  readonly disputes: DisputeStore;
  readonly billingStatus: BillingStatusReader;
  readonly inbox: StripeEventInbox;
  /** The collection capability: applies invoice and payment-intent events. */
  readonly invoiceEvents: InvoiceEventHandler;
}

const STRIPE_ACTOR: Actor = systemActor('stripe_webhook');
const TERMINAL = new Set(['handled', 'awaiting_handler', 'ignored', 'failed', 'superseded']);
const PAYMENT_METHOD_EVENTS = new Set<string>(APPLIED_EVENT_TYPES.filter((t) => !t.startsWith('charge.dispute.')));
const DISPUTE_EVENTS = new Set<string>(APPLIED_EVENT_TYPES.filter((t) => t.startsWith('charge.dispute.')));
const COLLECTION = new Set<string>(COLLECTION_EVENT_TYPES);
/** Optimistic-concurrency retries when another reconciler moved the same org at the same time. */
const MAX_ATTEMPTS = 4;
/** Closed disputes kept in the billing status list (all of them stay as dispute records). */
const CLOSED_DISPUTES_LISTED = 20;

/**
 * Applies one Stripe event exactly once: the inbox record is finished in the same transaction as the
 * effect, so a redelivered or concurrently delivered event cancels on that record. Objects whose payload
 * may be stale are re-read from Stripe, and what gets written is "Stripe as observed at instant T",
 * guarded so a state observed earlier never overwrites one observed later: event order does not matter.
 *
 * Throws only retryable errors (Stripe or DynamoDB unavailable): the SQS record is then retried.
 * Permanent problems (an event for a customer we do not know) finish the inbox as `failed` with a code.
 */
export async function reconcileStripeEvent(deps: ReconcileDeps, event: StripeEventEnvelope): Promise<ReconcileOutcome> {
  const existing = await deps.inbox.get(event.id);
  if (existing && TERMINAL.has(existing.status)) return 'duplicate';

  // HAND-OFF: invoices are the collection capability's; it finishes the inbox record with its effect.
  if (COLLECTION.has(event.type)) return deps.invoiceEvents.handle(event, handOff(deps, event));
  if (PAYMENT_METHOD_EVENTS.has(event.type)) return reconcilePaymentMethods(deps, event);
  if (DISPUTE_EVENTS.has(event.type)) return reconcileDispute(deps, event);
  const done = await deps.inbox.finish(event.id, { status: 'ignored', type: event.type }, deps.clock.now());
  return done ? 'ignored' : 'duplicate';
}

function handOff(deps: Pick<ReconcileDeps, 'inbox' | 'clock'>, event: StripeEventEnvelope): InboxHandOff {
  return {
    part: (outcome) => deps.inbox.finishPart(event.id, { ...outcome, type: event.type }, deps.clock.now()),
    finish: (outcome) => deps.inbox.finish(event.id, { ...outcome, type: event.type }, deps.clock.now()),
  };
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string'
    ? v
    : v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string'
      ? (v as { id: string }).id
      : undefined;

/** The customer an event is about. A detached payment method no longer names it: previous_attributes does. */
export function customerOfEvent(event: StripeEventEnvelope): string | undefined {
  const object = event.data.object;
  if (event.type.startsWith('customer.')) return str(object.id);
  return str(object.customer) ?? str(event.data.previous_attributes?.customer);
}

async function fail(deps: ReconcileDeps, event: StripeEventEnvelope, code: string, orgId?: string) {
  const done = await deps.inbox.finish(
    event.id,
    { status: 'failed', type: event.type, code, ...(orgId ? { orgId } : {}) },
    deps.clock.now(),
  );
  return done ? ('failed' as const) : ('duplicate' as const);
}

type CustomerOrg = { orgId: string } | { fail: 'unknown_customer' | 'customer_mismatch'; orgId?: string };

/**
 * The org a Stripe customer belongs to: only the org whose link names this very customer. The link
 * (written when we created the customer) is the one authority; `metadata.org_id` is anyone's to write
 * in the Stripe dashboard, so it is never trusted on its own. It only says which org's link to read
 * (strongly consistent) when the customer → org index has not caught up with a link written moments
 * ago. A customer that is not an org's linked one mirrors nothing: `failed/customer_mismatch`.
 */
async function orgOfCustomer(deps: ReconcileDeps, customerId: string): Promise<CustomerOrg> {
  const indexed = await deps.stripeCustomers.orgOf(customerId);
  const candidate = indexed ?? (await deps.paymentGateway.retrieveCustomer(customerId))?.orgId;
  if (!candidate) return { fail: 'unknown_customer' };
  const link = await deps.stripeCustomers.getLink(candidate);
  if (link?.customerId !== customerId) return { fail: 'customer_mismatch', orgId: candidate };
  return { orgId: candidate };
}

async function reconcilePaymentMethods(deps: ReconcileDeps, event: StripeEventEnvelope): Promise<ReconcileOutcome> {
  const customerId = customerOfEvent(event);
  if (!customerId) return fail(deps, event, 'no_customer');
  const owner = await orgOfCustomer(deps, customerId);
  if ('fail' in owner) return fail(deps, event, owner.fail, owner.orgId);
  const orgId = owner.orgId;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const link = await deps.stripeCustomers.getLink(orgId);
    // Re-checked on every attempt: the write below is guarded by this link's watermark.
    if (link?.customerId !== customerId) return fail(deps, event, 'customer_mismatch', orgId);
    const current = await deps.paymentMethodMirror.list(orgId);
    // Taken BEFORE the re-reads: everything Stripe did before this instant is in what they return.
    const observedAt = deps.clock.now().toISOString();
    const [customer, methods] = await Promise.all([
      deps.paymentGateway.retrieveCustomer(customerId),
      deps.paymentGateway.listPaymentMethods(customerId),
    ]);
    const defaultPaymentMethodId = customer ? await ensureDefault(deps, event.id, customer, methods) : null;
    const plan = planPaymentMethodMirror(current, link?.paymentMethodsObservedAt, {
      orgId,
      customerId,
      observedAt,
      defaultPaymentMethodId,
      methods: customer ? methods : [],
    });
    if (!plan.apply) {
      const done = await deps.inbox.finish(
        event.id,
        { status: 'superseded', orgId, type: event.type },
        deps.clock.now(),
      );
      return done ? 'superseded' : 'duplicate';
    }
    const changed = plan.upserts.length > 0 || plan.deletes.length > 0;
    const audit = changed
      ? auditEntry(
          deps,
          { actor: STRIPE_ACTOR, requestId: event.id },
          {
            orgId,
            action: 'payment_methods.synced',
            target: { type: 'stripe_customer', id: customerId },
            before: current,
            after: { upserted: plan.upserts, removed: plan.deletes, event: event.type },
          },
        )
      : undefined;
    const result = await deps.paymentMethodMirror.apply(
      orgId,
      plan,
      observedAt,
      link?.paymentMethodsObservedAt,
      audit,
      {
        eventId: event.id,
        outcome: { status: 'handled', orgId, type: event.type },
        now: deps.clock.now(),
      },
    );
    if (result === 'already_handled') return 'duplicate';
    if (result === 'applied') return 'applied';
    // conflict: another reconciler synced this org between our read and our write: plan again.
  }
  throw new AppError('dependency_unavailable', 'reconcile_contention', `org ${orgId} kept changing; retry later`);
}

/**
 * Product rule: an org with cards always has a default (invoices charge it). Stripe does not make an
 * attached card the default by itself, so when the customer has none the oldest card becomes it. The key
 * names the event and the card (not only the card: the same card may need to become default again
 * later, after another default was removed), so a redelivered event repeats the same call; racing
 * reconcilers pick the same oldest card. Stripe's `customer.updated` follows and is reconciled as usual.
 */
async function ensureDefault(
  deps: ReconcileDeps,
  eventId: string,
  customer: GatewayCustomer,
  methods: readonly GatewayPaymentMethod[],
): Promise<string | null> {
  if (customer.defaultPaymentMethodId && methods.some((m) => m.id === customer.defaultPaymentMethodId)) {
    return customer.defaultPaymentMethodId;
  }
  const oldest = [...methods].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))[0];
  if (!oldest) return null;
  await deps.paymentGateway.setDefaultPaymentMethod(customer.id, oldest.id, `auto_default:${eventId}:${oldest.id}`);
  return oldest.id;
}

function withDispute(status: BillingStatus, record: DisputeRecord, now: string): BillingStatus {
  const reason = disputeFreezeReason(record.id) as FreezeReason;
  const others = status.freezeReasons.filter((r) => r !== reason);
  const freezeReasons = isDisputeOpen(record.status) ? [...others, reason] : others;
  const summary: DisputeSummary = {
    id: record.id,
    status: record.status,
    amountMinor: record.amountMinor,
    currency: record.currency,
    ...(record.reason ? { reason: record.reason } : {}),
    openedAt: record.openedAt,
    ...(record.closedAt ? { closedAt: record.closedAt } : {}),
  };
  const all = [...status.disputes.filter((d) => d.id !== record.id), summary].sort((a, b) =>
    a.openedAt < b.openedAt ? 1 : a.openedAt > b.openedAt ? -1 : 0,
  );
  const open = all.filter((d) => isDisputeOpen(d.status));
  const closed = all.filter((d) => !isDisputeOpen(d.status)).slice(0, CLOSED_DISPUTES_LISTED);
  return {
    ...status,
    freezeReasons,
    disputes: all.filter((d) => open.includes(d) || closed.includes(d)),
    updatedAt: now,
    version: status.version + 1,
  };
}

async function reconcileDispute(deps: ReconcileDeps, event: StripeEventEnvelope): Promise<ReconcileOutcome> {
  const disputeId = str(event.data.object.id);
  if (!disputeId) return fail(deps, event, 'no_dispute');
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const observedAt = deps.clock.now().toISOString();
    // The payload may be an old view (events arrive out of order): Stripe's current dispute decides.
    const dispute = await deps.paymentGateway.retrieveDispute(disputeId);
    if (!dispute) return fail(deps, event, 'unknown_dispute');
    const owner = dispute.customerId ? await orgOfCustomer(deps, dispute.customerId) : undefined;
    if (!owner) return fail(deps, event, 'unknown_customer');
    if ('fail' in owner) return fail(deps, event, owner.fail, owner.orgId);
    const orgId = owner.orgId;
    const current = await deps.disputes.get(orgId, disputeId);
    const plan = planDispute(current, dispute, orgId, observedAt);
    const now = deps.clock.now();
    if (!plan.apply) {
      const done = await deps.inbox.finish(event.id, { status: 'superseded', orgId, type: event.type }, now);
      return done ? 'superseded' : 'duplicate';
    }
    const status = await deps.billingStatus.get(orgId);
    if (!status) return fail(deps, event, 'unknown_org', orgId);
    const next = withDispute(status, plan.record, now.toISOString());
    const ctx = { actor: STRIPE_ACTOR, requestId: event.id };
    const audits = [];
    const wasFrozen = status.freezeReasons.includes(disputeFreezeReason(disputeId) as FreezeReason);
    const frozen = next.freezeReasons.includes(disputeFreezeReason(disputeId) as FreezeReason);
    if (wasFrozen !== frozen || current?.status !== plan.record.status) {
      audits.push(
        auditEntry(deps, ctx, {
          orgId,
          action: !current
            ? 'dispute.opened'
            : isDisputeOpen(plan.record.status)
              ? 'dispute.updated'
              : 'dispute.closed',
          target: { type: 'dispute', id: disputeId },
          before: current ?? null,
          after: { ...plan.record, freezeReasons: next.freezeReasons },
        }),
      );
    }
    if (plan.lost) {
      audits.push(
        auditEntry(deps, ctx, {
          orgId,
          action: 'dispute.lost',
          target: { type: 'dispute', id: disputeId },
          before: current ?? null,
          after: plan.record,
        }),
      );
    }
    const result = await deps.disputes.apply({
      record: plan.record,
      expectedObservedAt: current?.observedAt,
      billingStatus: { next, expectedVersion: status.version },
      audits,
      inbox: { eventId: event.id, outcome: { status: 'handled', orgId, type: event.type }, now },
    });
    if (result === 'applied') return 'applied';
    if (result === 'already_handled') return 'duplicate';
    // conflict: the dispute record or the billing status moved since we read them (another event of
    // this dispute, a freeze-gate transition): read again and plan again; a newer view then wins.
  }
  throw new AppError(
    'dependency_unavailable',
    'reconcile_contention',
    `dispute ${disputeId} kept changing; retry later`,
  );
}
