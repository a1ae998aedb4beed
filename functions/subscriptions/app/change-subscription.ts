import { businessRule } from '../../kernel/errors';
import type { CallContext } from '../../kernel/ports';
import type { BillingModel } from '../../kernel/pricing/plans';
import { findPlanVersion } from '../../kernel/pricing/plans';
import {
  type AdjustmentLine,
  assertSellable,
  boundaryAfter,
  classifyChange,
  type EventDraft,
  isPaid,
  planVersionOf,
  proratedLine,
  type Terms,
  termsOf,
} from '../domain/subscription';
import {
  bump,
  loadActive,
  persist,
  type SubscriptionChange,
  type SubscriptionDeps,
  unchanged,
} from './subscription-common';

export interface ChangeSubscriptionInput {
  readonly orgId: string;
  readonly planId?: string;
  readonly billingModel?: BillingModel;
  /** `false` reactivates: it undoes a cancellation scheduled for the period end. */
  readonly cancelAtPeriodEnd?: false;
  /** The version the client read (If-Match); a moved version answers 409. */
  readonly expectedVersion?: number;
}

/**
 * Changes the plan and/or billing model, or reactivates.
 *  - upgrade (higher tier): now; old flat fee credited and new one charged pro rata; a purchase;
 *  - billing-model switch or move to the plan's newer version: now, with the same proration; a
 *    purchase only when the recurring fee gets dearer (metered → flat);
 *  - downgrade (lower tier): scheduled for the period end, visible as `pendingPlan`; asking for the
 *    current terms again withdraws it.
 * Target terms must be sellable in the subscription's currency and in a pending currency switch's.
 */
export async function changeSubscription(
  deps: SubscriptionDeps,
  ctx: CallContext,
  input: ChangeSubscriptionInput,
): Promise<SubscriptionChange> {
  const { stored, current, due, now } = await loadActive(deps, input.orgId, input.expectedVersion);
  const at = now.toISOString();
  let next = current;
  const events: EventDraft[] = [];
  const lines: AdjustmentLine[] = [];
  let purchase = false;
  let termsChangedNow = false;

  if (input.cancelAtPeriodEnd === false && current.cancelAtPeriodEnd) {
    next = { ...next, cancelAtPeriodEnd: false, cancelAt: undefined };
    events.push({ type: 'reactivated', effectiveAt: at, from: termsOf(current), to: termsOf(current) });
  }

  if (input.planId !== undefined || input.billingModel !== undefined) {
    const plan = input.planId === undefined ? planVersionOf(current) : findPlanVersion(input.planId);
    if (!plan) throw businessRule('plan_not_found', `there is no plan ${input.planId}`);
    const samePlan = plan.id === current.planId;
    const target: Terms = {
      planId: plan.id,
      planVersion: plan.version,
      billingModel: input.billingModel ?? (samePlan ? current.billingModel : plan.defaultBillingModel),
      currency: current.currency,
    };
    assertSellable(target);
    // The target must also be sellable in the currency a pending switch moves to at the boundary.
    if (current.pendingCurrency) assertSellable({ ...target, currency: current.pendingCurrency.currency });
    const from = termsOf(current);
    const change = classifyChange(from, target);

    if (change.kind === 'none') {
      if (next.pendingPlan) {
        events.push({ type: 'downgrade_withdrawn', effectiveAt: at, from, to: from });
        next = { ...next, pendingPlan: undefined };
      }
    } else if (change.kind === 'downgrade') {
      const effectiveAt = boundaryAfter(now);
      next = { ...next, pendingPlan: { ...target, effectiveAt, requestedAt: at } };
      events.push({
        type: 'downgrade_scheduled',
        effectiveAt,
        from,
        to: target,
        ...(target.billingModel !== from.billingModel ? { modelSwitched: true } : {}),
      });
    } else {
      purchase = change.purchase;
      // Only a move from an unpaid plan needs the check: a paid subscription already has its default
      // method, and the payments capability refuses to remove the last one while it is active.
      const newlyPaid = isPaid(target) && !isPaid(from);
      if (newlyPaid && !(await deps.paymentMethodCheck.hasDefaultPaymentMethod(input.orgId))) {
        throw businessRule('payment_method_required', 'add a default payment method before upgrading to a paid plan');
      }
      const credit = proratedLine(
        'proration_credit',
        from,
        now,
        -1,
        `Unused time on ${planVersionOf(from).name} (${from.billingModel})`,
      );
      const charge = proratedLine(
        'proration_charge',
        target,
        now,
        1,
        `Remaining time on ${plan.name} (${target.billingModel})`,
      );
      for (const line of [credit, charge]) if (line) lines.push(line);
      if (next.pendingPlan) events.push({ type: 'downgrade_withdrawn', effectiveAt: at, from, to: from });
      events.push({
        type: change.kind === 'upgrade' ? 'upgraded' : 'plan_changed',
        effectiveAt: at,
        from,
        to: target,
        ...(target.billingModel !== from.billingModel ? { modelSwitched: true } : {}),
      });
      next = {
        ...next,
        planId: target.planId,
        planVersion: target.planVersion,
        billingModel: target.billingModel,
        pendingPlan: undefined,
      };
      termsChangedNow = true;
    }
  }

  if (events.length === 0 && due.length === 0) return unchanged(current);
  return persist(deps, ctx, {
    stored,
    next: bump(next, now, {}),
    due,
    events,
    lines,
    purchase,
    termsChangedNow,
  });
}
