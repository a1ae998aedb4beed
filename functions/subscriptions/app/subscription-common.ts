import { type Actor, systemActor } from '../../kernel/audit';
import { auditEntry } from '../../kernel/audit-entry';
import type { Clock } from '../../kernel/clock';
import { businessRule, conflict, notFound } from '../../kernel/errors';
import type { Currency } from '../../kernel/money';
import { periodOf } from '../../kernel/period';
import type { CallContext, IdGenerator } from '../../kernel/ports';
import { freeTerms } from '../../kernel/pricing/rating';
import type { OrgStore } from '../../orgs/ports';
import type { PaymentMethodCheck } from '../../payments/ports';
import {
  type AdjustmentLine,
  type EventDraft,
  isPaid,
  nextChangeAt,
  type Subscription,
  type SubscriptionEvent,
  settle,
  type Terms,
  termsAfterBoundary,
  termsOf,
} from '../domain/subscription';
import type { PendingAdjustment, SubscriptionStore, TermsReader, TermsSegmentWrite } from '../ports';

/** What the subscription use cases need; each takes only this. */
export interface SubscriptionDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly orgs: Pick<OrgStore, 'get'>;
  readonly subscriptions: SubscriptionStore;
  readonly paymentMethodCheck: PaymentMethodCheck;
  /** The merged terms timeline: a self-serve purchase is refused while a contract is in force. */
  readonly terms: Pick<TermsReader, 'termsAt'>;
}

/** The result every lifecycle write answers with: the subscription and the money lines it created. */
export interface SubscriptionChange {
  readonly subscription: Subscription;
  readonly adjustments: readonly PendingAdjustment[];
  readonly events: readonly SubscriptionEvent[];
}

export const fallbackTerms = (currency: Currency): Terms => freeTerms(currency);

/** Terms in force under a (settled) subscription: its own while active, the free plan once canceled. */
export const termsUnder = (s: Subscription): Terms => (s.status === 'active' ? termsOf(s) : fallbackTerms(s.currency));

/**
 * Loads the org's subscription and settles what is due (so a late rollup never leaves a write working
 * on stale terms). `requireActive` answers 404 `subscription_not_found` when there is none to change;
 * `expectedVersion` (the client's If-Match) answers 409 `conflict` when it has moved on.
 */
export async function loadSettled(
  deps: SubscriptionDeps,
  orgId: string,
  options: { requireActive: boolean; expectedVersion?: number },
): Promise<{ stored: Subscription | undefined; settled: Subscription | undefined; due: EventDraft[]; now: Date }> {
  const now = deps.clock.now();
  // A subscription implies its org exists: the org is read only when there is none (one read saved on
  // every change of an existing subscription).
  const stored = await deps.subscriptions.get(orgId);
  if (!stored && !(await deps.orgs.get(orgId))) throw notFound('org_not_found', `organization ${orgId} does not exist`);
  const { subscription: settled, events: due } = stored
    ? settle(stored, now)
    : { subscription: undefined, events: [] as EventDraft[] };
  if (options.requireActive && settled?.status !== 'active') {
    throw notFound('subscription_not_found', 'the org has no active subscription (it is on the free tier)');
  }
  if (options.expectedVersion !== undefined && stored && stored.version !== options.expectedVersion) {
    throw conflict('conflict', 'the subscription was changed since it was read; read it again and retry', {
      current_version: stored.version,
    });
  }
  return { stored, settled, due, now };
}

/** `loadSettled` for a change to the active subscription (404 `subscription_not_found` without one). */
export async function loadActive(
  deps: SubscriptionDeps,
  orgId: string,
  expectedVersion: number | undefined,
): Promise<{ stored: Subscription | undefined; current: Subscription; due: EventDraft[]; now: Date }> {
  const loaded = await loadSettled(deps, orgId, { requireActive: true, expectedVersion });
  return { stored: loaded.stored, current: loaded.settled as Subscription, due: loaded.due, now: loaded.now };
}

/** The answer to a request that changes nothing (nothing to write, nothing due to record). */
export const unchanged = (subscription: Subscription): SubscriptionChange => ({
  subscription,
  adjustments: [],
  events: [],
});

export interface PersistInput {
  readonly stored: Subscription | undefined;
  readonly next: Subscription;
  /** Due changes `settle` applied on the way in (recorded as the system's doing). */
  readonly due: readonly EventDraft[];
  /** The events of this command (recorded as the caller's doing). */
  readonly events: readonly EventDraft[];
  readonly lines?: readonly AdjustmentLine[];
  readonly purchase?: boolean;
  /** The terms changed at `now` (a segment from now on is written). */
  readonly termsChangedNow?: boolean;
  /** Subscription id the settled (due) events belong to, when `next` replaces another subscription. */
  readonly dueSubscriptionId?: string;
}

/**
 * Turns a planned change into one store write: the subscription with the next version, history events,
 * audit entries (one per event, before/after), terms segments (now, and the next boundary while a
 * change is pending) and adjustment lines — all in one transaction.
 */
export async function persist(
  deps: SubscriptionDeps,
  ctx: CallContext,
  input: PersistInput,
): Promise<SubscriptionChange> {
  const { stored, next } = input;
  // One instant for the whole change: the one the use case read (the subscription's updatedAt), so the
  // terms segment starts exactly where the history says the change took effect and proration was
  // computed; usage stamped after it is counted under the new terms.
  const now = new Date(next.updatedAt);
  const at = next.updatedAt;
  const system: CallContext = { actor: systemActor('subscription-rollup'), requestId: ctx.requestId };

  const toEvent = (draft: EventDraft, actor: Actor, subscriptionId: string): SubscriptionEvent => {
    const { bySystem: _bySystem, ...rest } = draft;
    return { ...rest, id: deps.ids.next('sev'), orgId: next.orgId, subscriptionId, at, actor };
  };
  const events = [
    ...input.due.map((d) => toEvent(d, system.actor, input.dueSubscriptionId ?? next.id)),
    ...input.events.map((d) => toEvent(d, d.bySystem ? system.actor : ctx.actor, next.id)),
  ];

  if (input.purchase) {
    const inForce = await deps.terms.termsAt(next.orgId, now);
    if (inForce?.contract) {
      throw conflict(
        'contract_in_force',
        'the org is under an enterprise contract: self-serve plans cannot be bought',
        {
          contract_id: inForce.contract.id,
        },
      );
    }
  }
  const segments: TermsSegmentWrite[] = [];
  if (input.termsChangedNow) {
    const terms = termsUnder(next);
    if (isPaid(terms)) await assertPeriodCurrency(deps, next.orgId, terms.currency, now);
    segments.push({ from: at, terms });
  }
  const future = termsAfterBoundary(next, fallbackTerms);
  if (future) segments.push({ from: future.at, terms: future.terms });
  else {
    // Nothing pending any more: drop the segment a withdrawn change had put at this period's end.
    const boundary = periodOf(now).end.toISOString();
    const hadPending = stored && nextChangeAt(stored) === boundary;
    if (hadPending) segments.push({ from: boundary, terms: undefined });
  }

  const adjustments: PendingAdjustment[] = (input.lines ?? []).map((line) => ({
    ...line,
    id: deps.ids.next('adj'),
    orgId: next.orgId,
    subscriptionId: next.id,
    createdAt: at,
    status: 'pending',
  }));

  const audits = events.map((e) =>
    auditEntry(deps, e.actor.type === 'system' && ctx.actor.type !== 'system' ? system : ctx, {
      orgId: next.orgId,
      action: `subscription.${e.type}`,
      target: { type: 'subscription', id: e.subscriptionId },
      before: e === events[events.length - 1] ? (stored ?? null) : (e.from ?? null),
      after: e === events[events.length - 1] ? { subscription: next, adjustments } : (e.to ?? null),
    }),
  );

  await deps.subscriptions.commit({
    next,
    expectedVersion: stored ? stored.version : null,
    purchase: input.purchase ?? false,
    dueAt: nextChangeAt(next),
    events,
    termsSegments: segments,
    adjustments,
    audits,
  });
  return { subscription: next, adjustments, events };
}

/**
 * One currency per period, also across a cancellation: once paid terms have been in force in this
 * period in one currency, paid terms in another (a new subscription, or an upgrade from the free plan
 * subscribed in another currency) must wait for the next period. A period's usage is rated, and
 * invoiced, in one currency. The free plan charges nothing and is never refused.
 */
async function assertPeriodCurrency(deps: SubscriptionDeps, orgId: string, currency: Currency, now: Date) {
  const period = periodOf(now);
  const earlier = await deps.subscriptions.segmentsBetween(orgId, period.start, now);
  const other = earlier.find((s) => isPaid(s) && s.currency !== currency);
  if (other) {
    throw businessRule(
      'currency_fixed_for_period',
      `${period.key} is billed in ${other.currency}: use ${other.currency} now, or ${currency} from ${period.end.toISOString().slice(0, 10)}`,
      { period: period.key, currency: other.currency, next_period_start: period.end.toISOString() },
    );
  }
}

/** The next version of a subscription: same id, version + 1, updated now. */
export const bump = (s: Subscription, now: Date, changes: Partial<Subscription>): Subscription => ({
  ...s,
  ...changes,
  updatedAt: now.toISOString(),
  version: s.version + 1,
});
