import type { BillingStatus, DunningState } from '../../kernel/billing-status';

/**
 * The dunning state machine: a payment failure puts an org `past_due`; deadlines move it to `grace`,
 * `suspended` and finally `canceled`; a successful payment clears it from any stage. Pure: the store
 * applies a transition with a conditional write on (from-state, version), so a schedule firing twice
 * or late applies it once or not at all.
 */
export interface DunningPolicy {
  /** Time in each state before the next one, in hours. */
  readonly pastDueHours: number;
  readonly graceHours: number;
  readonly suspendedHours: number;
}

export const DEFAULT_DUNNING_POLICY: DunningPolicy = {
  pastDueHours: 3 * 24,
  graceHours: 7 * 24,
  suspendedHours: 14 * 24,
};

export interface DunningSnapshot {
  readonly state: DunningState;
  /** When the current state was entered (ISO); null in `none`. */
  readonly enteredAt: string | null;
}

export type DunningEvent =
  | { readonly type: 'payment_failed'; readonly at: string }
  | { readonly type: 'payment_succeeded'; readonly at: string }
  | { readonly type: 'deadline_check'; readonly at: string };

const NEXT: Partial<Record<DunningState, { next: DunningState; hours: keyof DunningPolicy }>> = {
  past_due: { next: 'grace', hours: 'pastDueHours' },
  grace: { next: 'suspended', hours: 'graceHours' },
  suspended: { next: 'canceled', hours: 'suspendedHours' },
};

/** When the current state's deadline falls, or null if the state has none. */
export function deadlineOf(snapshot: DunningSnapshot, policy: DunningPolicy = DEFAULT_DUNNING_POLICY): string | null {
  const step = NEXT[snapshot.state];
  if (!step || !snapshot.enteredAt) return null;
  return new Date(new Date(snapshot.enteredAt).getTime() + policy[step.hours] * 3_600_000).toISOString();
}

/**
 * The state after `event`, or the same snapshot when nothing changes. A deadline check advances at
 * most one step per call, and each step starts its clock at the previous deadline (not at the check),
 * so a late schedule does not stretch the org's time in a state.
 */
export function transition(
  snapshot: DunningSnapshot,
  event: DunningEvent,
  policy: DunningPolicy = DEFAULT_DUNNING_POLICY,
): DunningSnapshot {
  switch (event.type) {
    case 'payment_succeeded':
      return snapshot.state === 'none' ? snapshot : { state: 'none', enteredAt: null };
    case 'payment_failed':
      return snapshot.state === 'none' ? { state: 'past_due', enteredAt: event.at } : snapshot;
    case 'deadline_check': {
      const step = NEXT[snapshot.state];
      const deadline = deadlineOf(snapshot, policy);
      if (!step || !deadline || event.at < deadline) return snapshot;
      return { state: step.next, enteredAt: deadline };
    }
  }
}

/** Any dunning state but `none` freezes new spend. */
export const freezesSpend = (state: DunningState): boolean => state !== 'none';

/**
 * The billing status after a dunning transition: the dunning fields change, and the `dunning` freeze
 * reason is added or removed — only that one, so an open dispute's reason is never touched.
 */
export function withDunning(status: BillingStatus, next: DunningSnapshot, at: string): BillingStatus {
  const others = status.freezeReasons.filter((r) => r !== 'dunning');
  return {
    ...status,
    dunningState: next.state,
    dunningEnteredAt: next.enteredAt,
    freezeReasons: freezesSpend(next.state) ? [...others, 'dunning'] : others,
    updatedAt: at,
    version: status.version + 1,
  };
}
