import type { Currency } from '../../kernel/money';
import type { PlanVersion, UsageAllowance } from '../../kernel/pricing/plans';
import type { UsageCell } from '../../kernel/pricing/quantities';
import { type AllowancePool, allocate, cellOfLine, poolOf, type Rating } from '../../kernel/pricing/rating';
import type { AnomalyPolicy } from './anomalies';

/**
 * Budgets: monthly spend limits (per billing period) for the whole org or for one agent, model or
 * connection, with alert thresholds in percent and an action. `alert` only notifies; `block` also makes
 * the entitlement check answer "no" once the budget is used up. The free tier's hard limits are quotas
 * (unit limits) with the `block` action.
 *
 * Spend of a scope is its share of the rated lines: each line's amount is allocated to the scope in
 * proportion to its quantity (largest remainder), exactly like the cost report, so the two agree.
 */
export const BUDGET_SCOPES = ['org', 'agent', 'model', 'connection'] as const;
export type BudgetScopeKind = (typeof BUDGET_SCOPES)[number];
export const BUDGET_ACTIONS = ['alert', 'block'] as const;
export type BudgetAction = (typeof BUDGET_ACTIONS)[number];

export interface BudgetScope {
  readonly kind: BudgetScopeKind;
  /** The agent, model or connection id; absent for `org`. */
  readonly id?: string;
}

export interface Budget {
  readonly id: string;
  readonly name?: string;
  readonly scope: BudgetScope;
  readonly amountMinor: number;
  readonly currency: Currency;
  /** Percent of the amount, ascending, e.g. [50, 80, 100]. */
  readonly thresholds: readonly number[];
  readonly action: BudgetAction;
}

export interface BudgetSet {
  readonly budgets: readonly Budget[];
  readonly version: number;
  readonly updatedAt?: string;
  /** Runaway alerts (domain/anomalies.ts): what the org set; defaults fill the rest. */
  readonly anomalyPolicy?: Partial<AnomalyPolicy>;
}

/** A hard unit limit of the plan (free tier), enforced as a `block` budget. */
export interface Quota {
  readonly id: string;
  readonly pool: AllowancePool;
  readonly limit: number;
  readonly thresholds: readonly number[];
  readonly action: 'block';
}

export const QUOTA_THRESHOLDS = [80, 100] as const;

export function quotasOf(plan: PlanVersion): Quota[] {
  const limits: UsageAllowance = plan.hardLimits ?? {};
  return (Object.entries(limits) as [AllowancePool, number][]).map(([pool, limit]) => ({
    id: `plan_limit:${pool}`,
    pool,
    limit,
    thresholds: QUOTA_THRESHOLDS,
    action: 'block',
  }));
}

export function poolQuantity(cells: readonly UsageCell[], pool: AllowancePool): number {
  return cells.filter((c) => c.dimension === 'agent' && poolOf(c.meter) === pool).reduce((s, c) => s + c.quantity, 0);
}

/** The scope's share of the rated period, in minor units (exact allocation per line). */
export function scopeSpend(rating: Rating, cells: readonly UsageCell[], scope: BudgetScope): number {
  if (scope.kind === 'org') return rating.totalMinor;
  if (scope.kind === 'model') {
    return rating.lines.filter((l) => l.model === scope.id).reduce((s, l) => s + l.amountMinor, 0);
  }
  const dimension = scope.kind === 'agent' ? 'agent' : 'connection';
  let spend = 0;
  for (const line of rating.lines) {
    if (line.amountMinor === 0) continue;
    const mine = cells
      .filter((c) => c.dimension === dimension && c.value === scope.id && cellOfLine(rating, line, c))
      .reduce((s, c) => s + c.quantity, 0);
    spend += allocate(line.amountMinor, [mine, line.quantity - mine])[0]!;
  }
  return spend;
}

export interface LimitStatus {
  readonly id: string;
  readonly kind: 'budget' | 'quota';
  readonly action: BudgetAction;
  readonly scope: BudgetScope;
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
  /** Integer percent used (floored), for thresholds. */
  readonly percentUsed: number;
  readonly thresholds: readonly number[];
  readonly exhausted: boolean;
  /** Money budgets: the currency; absent for quotas (units). */
  readonly currency?: Currency;
  /** A budget in another currency than the period's cannot be evaluated until it is updated. */
  readonly currencyMismatch?: boolean;
}

export function budgetStatus(budget: Budget, rating: Rating, cells: readonly UsageCell[]): LimitStatus {
  const mismatch = budget.currency !== rating.currency;
  const used = mismatch ? 0 : scopeSpend(rating, cells, budget.scope);
  return limitStatus(budget.id, 'budget', budget.action, budget.scope, budget.amountMinor, used, budget.thresholds, {
    currency: budget.currency,
    ...(mismatch ? { currencyMismatch: true } : {}),
  });
}

export function quotaStatus(quota: Quota, cells: readonly UsageCell[]): LimitStatus {
  return limitStatus(
    quota.id,
    'quota',
    quota.action,
    { kind: 'org' },
    quota.limit,
    poolQuantity(cells, quota.pool),
    quota.thresholds,
    {},
  );
}

function limitStatus(
  id: string,
  kind: LimitStatus['kind'],
  action: BudgetAction,
  scope: BudgetScope,
  limit: number,
  used: number,
  thresholds: readonly number[],
  extra: Partial<LimitStatus>,
): LimitStatus {
  const percentUsed = limit <= 0 ? (used > 0 ? 100 : 0) : Math.floor((used * 100) / limit);
  return {
    id,
    kind,
    action,
    scope,
    limit,
    used,
    remaining: Math.max(0, limit - used),
    percentUsed,
    thresholds,
    exhausted: used >= limit,
    ...extra,
  };
}

/** Thresholds reached (used ≥ threshold % of the limit) that were not yet notified in this period. */
export function newlyCrossed(status: LimitStatus, alreadyNotified: ReadonlySet<string>): number[] {
  if (status.currencyMismatch) return [];
  return status.thresholds.filter(
    (t) => status.used * 100 >= t * status.limit && !alreadyNotified.has(alertId(status.id, t)),
  );
}

export const alertId = (limitId: string, threshold: number) => `${limitId}:${threshold}`;

/** Does a limit apply to usage by this agent / model / connection? */
export function appliesTo(
  scope: BudgetScope,
  usage: { agentId?: string; model?: string; connectionId?: string },
): boolean {
  if (scope.kind === 'org') return true;
  if (scope.kind === 'agent') return usage.agentId === scope.id;
  if (scope.kind === 'model') return usage.model === scope.id;
  return usage.connectionId === scope.id;
}
