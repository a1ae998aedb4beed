/**
 * The org's billing standing. Freeze reasons are a *set*: a dispute and dunning can hold at the same
 * time, and resolving one must not lift the other. New spend is allowed only while the set is empty.
 */
export const DUNNING_STATES = ['none', 'past_due', 'grace', 'suspended', 'canceled'] as const;
export type DunningState = (typeof DUNNING_STATES)[number];

export type FreezeReason = 'dunning' | `dispute:${string}`;

export interface DisputeSummary {
  readonly id: string;
  readonly status: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reason?: string;
  readonly openedAt: string;
  readonly closedAt?: string;
}

export interface BillingStatus {
  readonly orgId: string;
  readonly dunningState: DunningState;
  readonly dunningEnteredAt: string | null;
  readonly freezeReasons: readonly FreezeReason[];
  readonly disputes: readonly DisputeSummary[];
  readonly updatedAt: string;
  readonly version: number;
}

export const newSpendAllowed = (status: Pick<BillingStatus, 'freezeReasons'>): boolean =>
  status.freezeReasons.length === 0;

export function initialBillingStatus(orgId: string, at: string): BillingStatus {
  return {
    orgId,
    dunningState: 'none',
    dunningEnteredAt: null,
    freezeReasons: [],
    disputes: [],
    updatedAt: at,
    version: 1,
  };
}
