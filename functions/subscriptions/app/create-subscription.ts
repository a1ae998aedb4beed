import { businessRule, conflict } from '../../kernel/errors';
import type { Currency } from '../../kernel/money';
import type { CallContext } from '../../kernel/ports';
import type { BillingModel } from '../../kernel/pricing/plans';
import { findPlanVersion } from '../../kernel/pricing/plans';
import { assertSellable, isPaid, proratedLine, type Subscription, type Terms } from '../domain/subscription';
import { loadSettled, persist, type SubscriptionChange, type SubscriptionDeps } from './subscription-common';

export interface CreateSubscriptionInput {
  readonly orgId: string;
  readonly planId: string;
  readonly currency: Currency;
  readonly billingModel?: BillingModel;
}

/**
 * Subscribes the org to the current version of a self-serve plan. One active subscription per org (a
 * canceled one is replaced). Paid plans need a default payment method, and a paid subscription is a
 * purchase: the freeze gate is checked in the same transaction. A subscription started mid-month has
 * a short first period, whose flat fee is charged pro rata by an adjustment line.
 */
export async function createSubscription(
  deps: SubscriptionDeps,
  ctx: CallContext,
  input: CreateSubscriptionInput,
): Promise<SubscriptionChange> {
  const { stored, settled, due, now } = await loadSettled(deps, input.orgId, { requireActive: false });
  if (settled?.status === 'active') {
    throw conflict('subscription_exists', 'the org already has an active subscription; change or cancel it', {
      subscription_id: settled.id,
    });
  }
  const plan = findPlanVersion(input.planId);
  if (!plan) throw businessRule('plan_not_found', `there is no plan ${input.planId}`);
  const terms: Terms = {
    planId: plan.id,
    planVersion: plan.version,
    billingModel: input.billingModel ?? plan.defaultBillingModel,
    currency: input.currency,
  };
  assertSellable(terms);
  const paid = isPaid(terms);
  if (paid && !(await deps.paymentMethodCheck.hasDefaultPaymentMethod(input.orgId))) {
    throw businessRule('payment_method_required', 'add a default payment method before subscribing to a paid plan');
  }
  const at = now.toISOString();
  const next: Subscription = {
    id: deps.ids.next('sub'),
    orgId: input.orgId,
    status: 'active',
    ...terms,
    startedAt: at,
    cancelAtPeriodEnd: false,
    createdAt: at,
    updatedAt: at,
    version: (stored?.version ?? 0) + 1,
  };
  const firstPeriod = proratedLine('first_period_fee', terms, now, 1, `${plan.name}: first period, pro rata`);
  return persist(deps, ctx, {
    stored,
    next,
    due,
    dueSubscriptionId: stored?.id,
    events: [{ type: 'created', effectiveAt: at, to: terms }],
    lines: firstPeriod ? [firstPeriod] : [],
    purchase: paid,
    termsChangedNow: true,
  });
}
