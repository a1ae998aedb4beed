import type { Currency } from '../../kernel/money';
import type { CallContext } from '../../kernel/ports';
import { assertSellable, boundaryAfter, type Terms, termsOf } from '../domain/subscription';
import {
  bump,
  loadActive,
  persist,
  type SubscriptionChange,
  type SubscriptionDeps,
  unchanged,
} from './subscription-common';

export interface SwitchCurrencyInput {
  readonly orgId: string;
  readonly currency: Currency;
  readonly expectedVersion?: number;
}

/**
 * Schedules a settlement-currency switch for the next period boundary (a period has exactly one
 * currency). Refused when the plan the org will be on then (after a pending downgrade) has no price in
 * that currency, or no metered price for a metered subscription. Asking for the current currency
 * withdraws a pending switch.
 */
export async function switchCurrency(
  deps: SubscriptionDeps,
  ctx: CallContext,
  input: SwitchCurrencyInput,
): Promise<SubscriptionChange> {
  const { stored, current, due, now } = await loadActive(deps, input.orgId, input.expectedVersion);
  const at = now.toISOString();
  const from = termsOf(current);

  if (input.currency === current.currency) {
    if (!current.pendingCurrency) {
      if (due.length === 0) return unchanged(current);
      return persist(deps, ctx, { stored, next: bump(current, now, {}), due, events: [] });
    }
    return persist(deps, ctx, {
      stored,
      next: bump(current, now, { pendingCurrency: undefined }),
      due,
      events: [{ type: 'currency_switch_withdrawn', effectiveAt: at, from, to: from }],
    });
  }

  const atBoundary: Terms = current.pendingPlan
    ? { ...from, ...current.pendingPlan, currency: input.currency }
    : { ...from, currency: input.currency };
  assertSellable({
    planId: atBoundary.planId,
    planVersion: atBoundary.planVersion,
    billingModel: atBoundary.billingModel,
    currency: input.currency,
  });
  const effectiveAt = boundaryAfter(now);
  if (current.pendingCurrency?.currency === input.currency && due.length === 0) {
    return unchanged(current);
  }
  return persist(deps, ctx, {
    stored,
    next: bump(current, now, { pendingCurrency: { currency: input.currency, effectiveAt, requestedAt: at } }),
    due,
    events: [{ type: 'currency_switch_scheduled', effectiveAt, from, to: { ...from, currency: input.currency } }],
  });
}
