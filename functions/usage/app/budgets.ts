import { auditEntry } from '../../kernel/audit-entry';
import type { Clock } from '../../kernel/clock';
import { notFound, validation } from '../../kernel/errors';
import { type Currency, formatMajor } from '../../kernel/money';
import { type Period, periodOf } from '../../kernel/period';
import type { BillingStatusReader, CallContext, IdGenerator } from '../../kernel/ports';
import type { UsageCell } from '../../kernel/pricing/quantities';
import { ratePeriod } from '../../kernel/pricing/rating';
import type { NoticeOutbox } from '../../notices/ports';
import type { TermsReader } from '../../subscriptions/ports';
import type { AnomalyPolicy } from '../domain/anomalies';
import {
  alertId,
  appliesTo,
  type Budget,
  type BudgetAction,
  type BudgetScope,
  type BudgetSet,
  budgetStatus,
  type LimitStatus,
  newlyCrossed,
  quotaStatus,
  quotasOf,
} from '../domain/budgets';
import type { BudgetStore, UsageReader, UsageSnapshot } from '../ports';
import { periodStretches, type ResolvedTerms, readPeriodTimeline, type TermsStretch } from './usage-terms';

export interface BudgetDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly usageReader: UsageReader;
  readonly budgets: BudgetStore;
  readonly terms: TermsReader;
  /** The notices capability's outbox. */
  readonly notices: NoticeOutbox;
}

export const DEFAULT_THRESHOLDS = [50, 80, 100] as const;
export const MAX_BUDGETS = 50;

/**
 * Every limit in force for the period: the org's budgets (spend: each stretch of the period rated under
 * its own terms) and the current plan's hard limits (quotas, in units over the whole period).
 */
export function limitStatuses(
  budgets: readonly Budget[],
  stretches: readonly TermsStretch[],
  cells: readonly UsageCell[],
): LimitStatus[] {
  const rating = ratePeriod(stretches, cells);
  const current = stretches[stretches.length - 1]!;
  return [
    ...quotasOf(current.plan).map((q) => quotaStatus(q, cells)),
    ...budgets.map((b) => budgetStatus(b, rating, cells)),
  ];
}

export interface Evaluated {
  readonly period: Period;
  readonly stretches: readonly TermsStretch[];
  /** The terms in force now (the last stretch). */
  readonly terms: ResolvedTerms;
  readonly snapshot: UsageSnapshot;
  readonly statuses: LimitStatus[];
}

export async function evaluate(
  deps: Pick<BudgetDeps, 'usageReader' | 'terms'>,
  orgId: string,
  now: Date,
  consistent = false,
): Promise<Evaluated> {
  const period = periodOf(now);
  // One round trip: the snapshot (org, budgets, totals) and the period's terms timeline in parallel.
  const [snapshot, timeline] = await Promise.all([
    deps.usageReader.snapshot(orgId, period.key, { consistent }),
    readPeriodTimeline(deps.terms, orgId, period, now),
  ]);
  if (!snapshot.org) throw notFound('org_not_found', `organization ${orgId} does not exist`);
  const stretches = periodStretches(timeline, snapshot.org, period);
  const statuses = limitStatuses(snapshot.budgets?.budgets ?? [], stretches, snapshot.totals.cells);
  return { period, stretches, terms: stretches[stretches.length - 1]!, snapshot, statuses };
}

/**
 * After a batch was counted: for each org, every threshold reached and not yet notified this period is
 * sent once through the outbox (cause `budget:<limit>:<period>:<threshold>`), then recorded as
 * notified. Level-triggered on purpose: a batch retried after a crash between counting and notifying
 * counts nothing new but still finds the threshold reached and un-notified, so the notice is not lost;
 * and the outbox's dedup by cause makes a crash between enqueue and record harmless.
 */
export async function notifyCrossedThresholds(deps: BudgetDeps, orgIds: readonly string[]): Promise<number> {
  const now = deps.clock.now();
  let sent = 0;
  for (const orgId of orgIds) {
    // Right after counting: strongly consistent, or the batch that crosses a threshold may not see itself.
    sent += await notifyThresholds(deps, orgId, await evaluate(deps, orgId, now, true));
  }
  return sent;
}

/** The threshold notices of one org, from limits already evaluated (see `notifyCrossedThresholds`). */
export async function notifyThresholds(deps: BudgetDeps, orgId: string, evaluated: Evaluated): Promise<number> {
  const { period, terms, snapshot, statuses } = evaluated;
  let sent = 0;
  const notified: string[] = [];
  for (const status of statuses) {
    for (const threshold of newlyCrossed(status, snapshot.notified)) {
      const budget = snapshot.budgets?.budgets.find((b) => b.id === status.id);
      await deps.notices.enqueue({
        orgId,
        kind: 'budget',
        cause: `budget:${status.id}:${period.key}:${threshold}`,
        subject: noticeSubject(status, threshold, budget),
        body: noticeBody(status, threshold, period, terms.currency),
        data: {
          limit_id: status.id,
          kind: status.kind,
          threshold,
          period: period.key,
          used: status.used,
          limit: status.limit,
          action: status.action,
          scope: status.scope,
        },
      });
      notified.push(alertId(status.id, threshold));
      sent += 1;
    }
  }
  await deps.budgets.markNotified(orgId, period.key, notified);
  return sent;
}

const scopeText = (scope: BudgetScope) => (scope.kind === 'org' ? 'the organization' : `${scope.kind} ${scope.id}`);

function noticeSubject(status: LimitStatus, threshold: number, budget?: Budget): string {
  const name =
    budget?.name ?? (status.kind === 'quota' ? `plan limit ${status.id.split(':')[1]}` : `budget ${status.id}`);
  return `${name}: ${threshold}% reached`;
}

function noticeBody(status: LimitStatus, threshold: number, period: Period, currency: Currency): string {
  const amount = (n: number) =>
    status.kind === 'quota'
      ? `${n} units`
      : `${formatMajor({ amountMinor: n, currency: status.currency ?? currency })} ${status.currency ?? currency}`;
  return [
    `Usage of ${scopeText(status.scope)} reached ${threshold}% of its limit for ${period.key}:`,
    `${amount(status.used)} of ${amount(status.limit)}.`,
    status.action === 'block' && status.exhausted
      ? 'New usage is refused until the next period or a higher limit.'
      : '',
  ]
    .filter(Boolean)
    .join(' ');
}

export interface BudgetsView {
  readonly budgetSet: BudgetSet;
  readonly period: Period;
  readonly currency: Currency;
  readonly statuses: LimitStatus[];
}

export async function getBudgets(deps: BudgetDeps, orgId: string): Promise<BudgetsView> {
  const now = deps.clock.now();
  const { period, terms, snapshot, statuses } = await evaluate(deps, orgId, now);
  return { budgetSet: snapshot.budgets ?? { budgets: [], version: 0 }, period, currency: terms.currency, statuses };
}

export interface BudgetInput {
  readonly id?: string;
  readonly name?: string;
  readonly scope: BudgetScope;
  readonly amountMinor: number;
  readonly currency?: Currency;
  readonly thresholds?: readonly number[];
  readonly action: BudgetAction;
}

/** Replaces the org's budget list (optimistic: `expectedVersion` when given), audited. */
export async function putBudgets(
  deps: BudgetDeps,
  ctx: CallContext,
  orgId: string,
  input: { budgets: readonly BudgetInput[]; expectedVersion?: number; anomalyPolicy?: Partial<AnomalyPolicy> },
): Promise<BudgetsView> {
  if (input.budgets.length > MAX_BUDGETS) throw validation('too_many_budgets', `at most ${MAX_BUDGETS} budgets`);
  const now = deps.clock.now();
  const before = await evaluate(deps, orgId, now);
  const current = before.snapshot.budgets ?? { budgets: [], version: 0 };
  if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
    throw validation('stale_version', `the budgets are at version ${current.version}, not ${input.expectedVersion}`);
  }
  const seen = new Set<string>();
  const budgets: Budget[] = input.budgets.map((b) => {
    if (b.scope.kind !== 'org' && !b.scope.id)
      throw validation('budget_scope_id_required', `a ${b.scope.kind} budget names its ${b.scope.kind}`);
    const id = b.id ?? deps.ids.next('bud_');
    if (seen.has(id)) throw validation('duplicate_budget_id', `budget id ${id} appears twice`);
    seen.add(id);
    const thresholds = [...new Set(b.thresholds ?? DEFAULT_THRESHOLDS)].sort((x, y) => x - y);
    return {
      id,
      ...(b.name ? { name: b.name } : {}),
      scope: b.scope.kind === 'org' ? { kind: 'org' } : { kind: b.scope.kind, id: b.scope.id! },
      amountMinor: b.amountMinor,
      currency: b.currency ?? before.terms.currency,
      thresholds,
      action: b.action,
    };
  });
  // The anomaly policy is replaced only when given: a client that manages budgets need not know it.
  const anomalyPolicy = input.anomalyPolicy ?? current.anomalyPolicy;
  const next: BudgetSet = {
    budgets,
    version: current.version + 1,
    updatedAt: now.toISOString(),
    ...(anomalyPolicy ? { anomalyPolicy } : {}),
  };
  await deps.budgets.replace(
    orgId,
    next,
    current.version,
    auditEntry(deps, ctx, {
      orgId,
      action: 'budgets.replaced',
      target: { type: 'budgets', id: orgId },
      // The budget list as before; with the anomaly policy beside it only when that changes too.
      ...(input.anomalyPolicy
        ? {
            before: { budgets: current.budgets, anomaly_policy: current.anomalyPolicy ?? null },
            after: { budgets, anomaly_policy: anomalyPolicy },
          }
        : { before: current.budgets, after: budgets }),
    }),
  );
  return {
    budgetSet: next,
    period: before.period,
    currency: before.terms.currency,
    statuses: limitStatuses(budgets, before.stretches, before.snapshot.totals.cells),
  };
}

export interface Entitlement {
  readonly allowed: boolean;
  /** Why not: `suspended` (dunning: the org is suspended for non-payment), or `limit` (a block limit is used up). */
  readonly reason: 'suspended' | 'limit' | null;
  readonly period: Period;
  readonly asOf: string;
  readonly currency: Currency;
  /** Limits that apply to this usage (org-wide, and the agent's / model's / connection's own). */
  readonly limits: LimitStatus[];
  readonly blockedBy: string[];
}

/**
 * May usage by this agent / model / connection proceed? Two round trips: one BatchGetItem (org,
 * budgets, period totals of every shard) and the terms. Blocked when a `block` limit that applies is
 * used up.
 */
export async function getEntitlement(
  deps: BudgetDeps & { readonly billingStatus: BillingStatusReader },
  orgId: string,
  usage: { agentId?: string; model?: string; connectionId?: string },
): Promise<Entitlement> {
  const now = deps.clock.now();
  // The billing status in the same round trip: an org suspended for non-payment may not use anything.
  const [{ period, terms, statuses }, status] = await Promise.all([
    evaluate(deps, orgId, now),
    deps.billingStatus.get(orgId),
  ]);
  const limits = statuses.filter((s) => appliesTo(s.scope, usage));
  const blockedBy = limits.filter((s) => s.action === 'block' && s.exhausted).map((s) => s.id);
  const suspended = status?.dunningState === 'suspended';
  return {
    allowed: !suspended && blockedBy.length === 0,
    reason: suspended ? 'suspended' : blockedBy.length > 0 ? 'limit' : null,
    period,
    asOf: now.toISOString(),
    currency: terms.currency,
    limits,
    blockedBy,
  };
}
