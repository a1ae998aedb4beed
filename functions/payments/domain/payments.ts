import type { DisputeSummary } from '../../kernel/billing-status';
import type { PaymentMethodMirror } from './payment-method';

/**
 * What the payment gateway tells us, in our own words (no Stripe types here: the domain stays pure).
 * The adapter maps Stripe's objects onto these; the reconciler turns them into mirror items.
 */
export interface GatewayPaymentMethod {
  readonly id: string;
  /** The customer it is attached to; null once detached. */
  readonly customerId: string | null;
  readonly type: string;
  readonly brand?: string;
  readonly last4?: string;
  readonly expMonth?: number;
  readonly expYear?: number;
  /** Stripe `created`, as ISO-8601. */
  readonly createdAt: string;
}

export interface GatewayCustomer {
  readonly id: string;
  /** `metadata.org_id`, written when we created the customer. */
  readonly orgId?: string;
  readonly defaultPaymentMethodId: string | null;
}

/** Stripe's dispute statuses; `won`, `lost` and `warning_closed` are final. */
export const CLOSED_DISPUTE_STATUSES = ['won', 'lost', 'warning_closed'] as const;

export interface GatewayDispute {
  readonly id: string;
  readonly chargeId: string;
  readonly customerId: string | null;
  readonly status: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reason?: string;
  readonly createdAt: string;
}

export const isDisputeOpen = (status: string): boolean =>
  !(CLOSED_DISPUTE_STATUSES as readonly string[]).includes(status);

export const disputeFreezeReason = (disputeId: string) => `dispute:${disputeId}` as const;

/**
 * The org's payment methods as Stripe says they are at `observedAt` (the instant the re-read began):
 * what the mirror must become. A snapshot taken later always wins over one taken earlier.
 */
export interface PaymentMethodSnapshot {
  readonly orgId: string;
  readonly customerId: string;
  readonly observedAt: string;
  readonly defaultPaymentMethodId: string | null;
  /** Methods attached to the customer (detached ones are simply absent). */
  readonly methods: readonly GatewayPaymentMethod[];
}

export interface MirrorPlan {
  /** False when the mirror already reflects a snapshot at least as new: nothing to write. */
  readonly apply: boolean;
  readonly upserts: readonly PaymentMethodMirror[];
  readonly deletes: readonly string[];
}

/**
 * Plans the writes that turn the current mirror into `snapshot`. Pure: the store executes the plan in
 * one transaction, guarded by the org's sync watermark (`lastObservedAt`), so state only moves forward
 * even when two reconcilers race: the one whose re-read began later wins, an earlier one is dropped.
 */
export function planPaymentMethodMirror(
  current: readonly PaymentMethodMirror[],
  lastObservedAt: string | undefined,
  snapshot: PaymentMethodSnapshot,
): MirrorPlan {
  if (lastObservedAt !== undefined && lastObservedAt > snapshot.observedAt) {
    return { apply: false, upserts: [], deletes: [] };
  }
  const byId = new Map(current.map((m) => [m.id, m]));
  const upserts: PaymentMethodMirror[] = [];
  for (const method of snapshot.methods) {
    const existing = byId.get(method.id);
    const unchanged = existing !== undefined && sameDisplay(existing, method, snapshot);
    const next: PaymentMethodMirror = {
      id: method.id,
      orgId: snapshot.orgId,
      type: method.type,
      ...(method.brand !== undefined ? { brand: method.brand } : {}),
      ...(method.last4 !== undefined ? { last4: method.last4 } : {}),
      ...(method.expMonth !== undefined ? { expMonth: method.expMonth } : {}),
      ...(method.expYear !== undefined ? { expYear: method.expYear } : {}),
      isDefault: method.id === snapshot.defaultPaymentMethodId,
      createdAt: method.createdAt,
      updatedAt: unchanged ? existing.updatedAt : snapshot.observedAt,
    };
    // A change is a difference in what is shown, never a different timestamp: two re-reads at the same
    // instant (a card attached, then made the default, within one clock tick) must not drop the second.
    if (!unchanged) upserts.push(next);
  }
  const attached = new Set(snapshot.methods.map((m) => m.id));
  const deletes = current.filter((m) => !attached.has(m.id)).map((m) => m.id);
  return { apply: true, upserts, deletes };
}

function sameDisplay(existing: PaymentMethodMirror, method: GatewayPaymentMethod, snapshot: PaymentMethodSnapshot) {
  return (
    existing.type === method.type &&
    existing.brand === method.brand &&
    existing.last4 === method.last4 &&
    existing.expMonth === method.expMonth &&
    existing.expYear === method.expYear &&
    existing.createdAt === method.createdAt &&
    existing.isDefault === (method.id === snapshot.defaultPaymentMethodId)
  );
}

/** Our record of a dispute: Stripe's latest view plus when we observed it. */
export interface DisputeRecord extends DisputeSummary {
  readonly orgId: string;
  readonly chargeId: string;
  /** The instant the re-read began: a record observed later always wins. */
  readonly observedAt: string;
}

export interface DisputeTransition {
  readonly apply: boolean;
  readonly record: DisputeRecord;
  /** The freeze reason to add (dispute opened) or remove (closed), if the open/closed state changes. */
  readonly freeze: 'add' | 'remove' | 'none';
  /** A dispute that just became `lost`: audited and kept on record. */
  readonly lost: boolean;
}

/**
 * What applying Stripe's current view of a dispute means for us. Pure; a snapshot older than the one
 * on record changes nothing, so a late `charge.dispute.created` never reopens a closed dispute.
 */
export function planDispute(
  current: DisputeRecord | undefined,
  dispute: GatewayDispute,
  orgId: string,
  observedAt: string,
): DisputeTransition {
  const open = isDisputeOpen(dispute.status);
  const record: DisputeRecord = {
    id: dispute.id,
    orgId,
    chargeId: dispute.chargeId,
    status: dispute.status,
    amountMinor: dispute.amountMinor,
    currency: dispute.currency,
    ...(dispute.reason ? { reason: dispute.reason } : {}),
    openedAt: current?.openedAt ?? dispute.createdAt,
    ...(open ? {} : { closedAt: current?.closedAt ?? observedAt }),
    observedAt,
  };
  if (current && current.observedAt > observedAt) return { apply: false, record: current, freeze: 'none', lost: false };
  const wasOpen = current ? isDisputeOpen(current.status) : false;
  const freeze = open && !wasOpen ? 'add' : !open && (wasOpen || !current) ? 'remove' : 'none';
  return { apply: true, record, freeze, lost: dispute.status === 'lost' && current?.status !== 'lost' };
}
