import { isAppError } from '../../kernel/errors';
import type { CallContext } from '../../kernel/ports';
import { boundaryAfter, type EventDraft, isPaid, proratedLine, termsOf } from '../domain/subscription';
import {
  bump,
  fallbackTerms,
  loadActive,
  loadSettled,
  persist,
  type SubscriptionChange,
  type SubscriptionDeps,
  unchanged,
} from './subscription-common';

export interface CancelSubscriptionInput {
  readonly orgId: string;
  readonly atPeriodEnd: boolean;
  readonly expectedVersion?: number;
}

/**
 * Cancels at the period end (undoable by reactivation until the boundary) or now (the unused part of
 * the flat fee is credited pro rata; pending changes are dropped). Either way the org falls back to the
 * free plan. Never blocked by the freeze gate.
 */
export async function cancelSubscription(
  deps: SubscriptionDeps,
  ctx: CallContext,
  input: CancelSubscriptionInput,
): Promise<SubscriptionChange> {
  const { stored, current, due, now } = await loadActive(deps, input.orgId, input.expectedVersion);
  const at = now.toISOString();
  const from = termsOf(current);

  if (input.atPeriodEnd) {
    if (current.cancelAtPeriodEnd && due.length === 0) return unchanged(current);
    const cancelAt = boundaryAfter(now);
    const events: EventDraft[] = current.cancelAtPeriodEnd
      ? []
      : [{ type: 'cancellation_scheduled', effectiveAt: cancelAt, from, to: fallbackTerms(current.currency) }];
    return persist(deps, ctx, {
      stored,
      next: bump(current, now, { cancelAtPeriodEnd: true, cancelAt }),
      due,
      events,
    });
  }

  const credit = proratedLine('cancellation_credit', from, now, -1, 'Unused time after cancellation');
  return persist(deps, ctx, {
    stored,
    next: bump(current, now, {
      status: 'canceled',
      canceledAt: at,
      cancelAtPeriodEnd: false,
      cancelAt: undefined,
      pendingPlan: undefined,
      pendingCurrency: undefined,
    }),
    due,
    events: [{ type: 'canceled', effectiveAt: at, from, to: fallbackTerms(current.currency) }],
    lines: credit ? [credit] : [],
    termsChangedNow: true,
  });
}

/**
 * Ends the paid subscription because it was not paid (dunning reached `canceled`): the free tier from
 * now, as a cancellation now, audited as `subscription.canceled` with reason `non_payment`. Unlike a
 * customer's cancellation it credits nothing: the unused part of a fee that was never collected is
 * not owed back (the unpaid invoice is written off instead). Idempotent: no paid subscription, nothing.
 */
export async function cancelForNonPayment(
  deps: SubscriptionDeps,
  ctx: CallContext,
  orgId: string,
): Promise<'canceled' | 'not_active'> {
  // A schedule firing twice races itself here: the loser reads again and finds nothing left to end.
  for (let attempt = 1; ; attempt++) {
    try {
      return await endForNonPayment(deps, ctx, orgId);
    } catch (error) {
      if (!(isAppError(error) && error.code === 'conflict') || attempt >= 5) throw error;
    }
  }
}

async function endForNonPayment(
  deps: SubscriptionDeps,
  ctx: CallContext,
  orgId: string,
): Promise<'canceled' | 'not_active'> {
  const { stored, settled, due, now } = await loadSettled(deps, orgId, { requireActive: false });
  if (settled?.status !== 'active' || !isPaid(termsOf(settled))) return 'not_active';
  const at = now.toISOString();
  await persist(deps, ctx, {
    stored,
    next: bump(settled, now, {
      status: 'canceled',
      canceledAt: at,
      cancelAtPeriodEnd: false,
      cancelAt: undefined,
      pendingPlan: undefined,
      pendingCurrency: undefined,
    }),
    due,
    events: [
      {
        type: 'canceled',
        effectiveAt: at,
        from: termsOf(settled),
        to: fallbackTerms(settled.currency),
        reason: 'non_payment',
      },
    ],
    termsChangedNow: true,
  });
  return 'canceled';
}
