import type { Clock } from '../../kernel/clock';
import { validation } from '../../kernel/errors';
import { type Currency, decimal } from '../../kernel/money';
import { nextPeriod, type Period, periodOf } from '../../kernel/period';
import type { Meter } from '../../kernel/pricing/plans';
import { totalsByMeterModel, type UsageCell } from '../../kernel/pricing/quantities';
import { allocate, cellOfLine, type Rating, type RatingSheet, rate, ratePeriod } from '../../kernel/pricing/rating';
import type { OrgStore } from '../../orgs/ports';
import type { TermsReader } from '../../subscriptions/ports';
import { budgetStatus, type LimitStatus } from '../domain/budgets';
import type { BudgetStore, UsageReader } from '../ports';
import { resolvePeriodTerms } from './usage-terms';

/**
 * Usage reports, cost analytics and the forecast, all computed from the daily aggregate items
 * (≤ 31 per shard per period): the cost of a read is bounded whatever the event count.
 */
export const GROUP_KEYS = ['meter', 'model', 'agent', 'connection', 'day'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];
/** A range may span at most this many days (three calendar months). */
export const MAX_RANGE_DAYS = 92;

export interface AnalyticsDeps {
  readonly clock: Clock;
  readonly orgs: Pick<OrgStore, 'get'>;
  readonly usageReader: UsageReader;
  readonly terms: TermsReader;
  readonly budgets: BudgetStore;
}

export interface RangeQuery {
  /** `YYYY-MM-DD`, inclusive; default: the current period's first day. */
  readonly from?: string;
  /** `YYYY-MM-DD`, exclusive; default: the day after today. */
  readonly to?: string;
  readonly groupBy: readonly GroupKey[];
}

export interface GroupFields {
  meter?: Meter;
  model?: string;
  agentId?: string;
  connectionId?: string;
  day?: string;
}
export interface UsageRow extends GroupFields {
  quantity: number;
}
export interface CostRow extends GroupFields {
  currency: Currency;
  amountMinor: number;
}

const DAY = 86_400_000;
const dayStart = (day: string) => new Date(`${day}T00:00:00.000Z`);

function resolveRange(now: Date, query: RangeQuery): { from: string; to: string } {
  const from = query.from ?? periodOf(now).key + '-01';
  const to = query.to ?? new Date(dayStart(now.toISOString().slice(0, 10)).getTime() + DAY).toISOString().slice(0, 10);
  if (from >= to) throw validation('invalid_range', '`from` must be before `to`');
  if ((dayStart(to).getTime() - dayStart(from).getTime()) / DAY > MAX_RANGE_DAYS) {
    throw validation('range_too_long', `a range spans at most ${MAX_RANGE_DAYS} days`);
  }
  if (query.groupBy.includes('agent') && query.groupBy.includes('connection')) {
    throw validation(
      'unsupported_group_by',
      'group by agent or by connection, not both: aggregates keep each dimension apart',
    );
  }
  return { from, to };
}

function periodsIn(from: string, to: string): Period[] {
  const out: Period[] = [];
  for (let p = periodOf(dayStart(from)); p.start.getTime() < dayStart(to).getTime(); p = nextPeriod(p)) out.push(p);
  return out;
}

const dimensionFor = (groupBy: readonly GroupKey[]): UsageCell['dimension'] =>
  groupBy.includes('connection') ? 'connection' : 'agent';

function groupOf(cell: UsageCell, day: string, groupBy: readonly GroupKey[]): GroupFields {
  const g: GroupFields = {};
  if (groupBy.includes('meter')) g.meter = cell.meter;
  if (groupBy.includes('model')) g.model = cell.model;
  if (groupBy.includes('agent')) g.agentId = cell.value;
  if (groupBy.includes('connection')) g.connectionId = cell.value;
  if (groupBy.includes('day')) g.day = day;
  return g;
}

const groupId = (g: GroupFields & { currency?: string }) =>
  [g.meter, g.model, g.agentId, g.connectionId, g.day, g.currency].map((v) => v ?? '\u0000').join('|');

function sortRows<T extends GroupFields>(rows: T[]): T[] {
  return rows.sort((a, b) => (groupId(a) < groupId(b) ? -1 : groupId(a) > groupId(b) ? 1 : 0));
}

export async function getUsageReport(
  deps: AnalyticsDeps,
  orgId: string,
  query: RangeQuery,
): Promise<{ from: string; to: string; groupBy: GroupKey[]; rows: UsageRow[] }> {
  const { from, to } = resolveRange(deps.clock.now(), query);
  // Quantities of different meters do not add up: a usage report always keeps the meter.
  const groupBy = [...new Set<GroupKey>(['meter', ...query.groupBy])];
  const dimension = dimensionFor(groupBy);
  const rows = new Map<string, UsageRow>();
  for (const period of periodsIn(from, to)) {
    const daily = await deps.usageReader.dailyCells(orgId, period.key);
    for (const [day, cells] of daily) {
      if (day < from || day >= to) continue;
      for (const cell of cells) {
        if (cell.dimension !== dimension) continue;
        const g = groupOf(cell, day, groupBy);
        const id = groupId(g);
        const row = rows.get(id) ?? { ...g, quantity: 0 };
        row.quantity += cell.quantity;
        rows.set(id, row);
      }
    }
  }
  return { from, to, groupBy, rows: sortRows([...rows.values()]) };
}

/**
 * Costs: each period is rated as a whole (included usage and tiers apply to the period; each stretch of
 * it under its own terms), then every line's amount is allocated to the (day, agent | connection) cells
 * that make it up in proportion to quantity (largest remainder), and the cells in the range are
 * grouped. Rows of a whole period add up exactly to its rated total.
 */
export async function getCosts(
  deps: AnalyticsDeps,
  orgId: string,
  query: RangeQuery,
): Promise<{
  from: string;
  to: string;
  groupBy: GroupKey[];
  rows: CostRow[];
  totals: { currency: Currency; amountMinor: number }[];
}> {
  const now = deps.clock.now();
  const { from, to } = resolveRange(now, query);
  const groupBy = [...query.groupBy];
  const dimension = dimensionFor(groupBy);
  const rows = new Map<string, CostRow>();
  const totals = new Map<Currency, number>();
  for (const period of periodsIn(from, to)) {
    const [daily, stretches] = await Promise.all([
      deps.usageReader.dailyCells(orgId, period.key),
      resolvePeriodTerms(deps, orgId, period, now),
    ]);
    const units = [...daily].flatMap(([day, cells]) =>
      cells.filter((c) => c.dimension === dimension).map((cell) => ({ day, cell })),
    );
    const rating = ratePeriod(
      stretches,
      units.map((u) => u.cell),
    );
    const currency = rating.currency;
    for (const line of rating.lines) {
      const mine = units.filter((u) => cellOfLine(rating, line, u.cell));
      const parts = allocate(
        line.amountMinor,
        mine.map((u) => u.cell.quantity),
      );
      mine.forEach((u, i) => {
        if (u.day < from || u.day >= to) return;
        const g = { ...groupOf(u.cell, u.day, groupBy), currency };
        const id = groupId(g);
        const row = rows.get(id) ?? { ...g, amountMinor: 0 };
        row.amountMinor += parts[i]!;
        rows.set(id, row);
        totals.set(currency, (totals.get(currency) ?? 0) + parts[i]!);
      });
    }
  }
  return {
    from,
    to,
    groupBy,
    rows: sortRows([...rows.values()]),
    totals: [...totals].map(([currency, amountMinor]) => ({ currency, amountMinor })),
  };
}

export interface BudgetForecast {
  readonly budgetId: string;
  readonly limitMinor: number;
  readonly spentMinor: number;
  readonly projectedMinor: number;
  /** When the budget runs out at the current rate; now if already used up; undefined if not this period. */
  readonly exhaustedAt?: string;
}

export interface Forecast {
  readonly period: Period;
  readonly asOf: string;
  readonly currency: Currency;
  readonly method: 'linear_run_rate';
  readonly methodDescription: string;
  readonly elapsedFraction: string;
  readonly spentMinor: number;
  readonly projectedMinor: number;
  readonly lowMinor: number;
  readonly highMinor: number;
  readonly rangeBasis: 'full_days' | 'point_estimate';
  readonly budgets: BudgetForecast[];
}

/** A day's usage valued at list prices (no included usage, no tiers beyond the first): picks the low/high day. */
function listValue(sheet: RatingSheet, cells: readonly UsageCell[]) {
  return rate({ ...sheet, included: {} }, totalsByMeterModel(cells)).lines.reduce(
    (s, l) => s.plus(decimal(l.preciseAmountMinor)),
    decimal(0),
  );
}

function scaleCells(cells: readonly UsageCell[], factor: (q: number) => number): UsageCell[] {
  return cells.map((c) => ({ ...c, quantity: factor(c.quantity) }));
}

/** Sums cells by dimension, value, meter, model and stretch. */
function addCells(a: readonly UsageCell[], b: readonly UsageCell[]): UsageCell[] {
  const sums = new Map<string, UsageCell>();
  for (const c of [...a, ...b]) {
    const k = `${c.dimension}|${c.value}|${c.meter}|${c.model}|${c.termsFrom ?? ''}`;
    const prev = sums.get(k);
    sums.set(k, { ...c, quantity: (prev?.quantity ?? 0) + c.quantity });
  }
  return [...sums.values()];
}

/** The same usage as one stretch: the cells summed over stretches and counted in `termsFrom`. */
function inStretch(cells: readonly UsageCell[], termsFrom: string): UsageCell[] {
  return addCells(
    [],
    cells.map(({ termsFrom: _from, ...c }) => ({ ...c, termsFrom })),
  );
}

/**
 * Projected period-end spend from the current burn rate. Point estimate: the period-to-date quantities
 * scaled by (period length ÷ elapsed time), then rated (so included usage and tiers apply); the usage
 * still to come is counted in the stretch in force now, under today's terms, and what was counted in
 * earlier stretches stays under theirs. Range: the to-date quantities plus the remaining days at the
 * lowest and at the highest full day's usage so far (valued at list price to rank the days); with fewer
 * than two full days, low = high = the estimate.
 */
export async function getForecast(deps: AnalyticsDeps, orgId: string): Promise<Forecast> {
  const now = deps.clock.now();
  const period = periodOf(now);
  const [daily, stretches, budgetSet] = await Promise.all([
    deps.usageReader.dailyCells(orgId, period.key),
    resolvePeriodTerms(deps, orgId, period, now),
    deps.budgets.get(orgId),
  ]);
  const terms = stretches[stretches.length - 1]!;
  const length = period.end.getTime() - period.start.getTime();
  const elapsed = Math.max(1, now.getTime() - period.start.getTime());
  const remainingDays = decimal(period.end.getTime() - now.getTime()).div(DAY);
  const toDate = [...daily.values()].reduce<UsageCell[]>((acc, cells) => addCells(acc, cells), []);
  const spent = ratePeriod(stretches, toDate);
  const scale = decimal(length).div(elapsed);
  // Usage still to come runs in the stretch in force now: scale the whole period, keep the difference.
  const toDateAsOne = inStretch(toDate, terms.from);
  const projectedCells = addCells(
    toDate,
    toDateAsOne.map((c) => ({ ...c, quantity: decimal(c.quantity).mul(scale).round().toNumber() - c.quantity })),
  );
  const projected = ratePeriod(stretches, projectedCells);

  const today = now.toISOString().slice(0, 10);
  const fullDays = [...daily].filter(([day]) => day < today).map(([, cells]) => cells);
  let low = projected.totalMinor;
  let high = projected.totalMinor;
  const basis = fullDays.length >= 2 ? 'full_days' : 'point_estimate';
  if (basis === 'full_days') {
    const ranked = [...fullDays].sort((a, b) => listValue(terms.sheet, a).comparedTo(listValue(terms.sheet, b)));
    const extend = (day: readonly UsageCell[]) =>
      ratePeriod(
        stretches,
        addCells(
          toDate,
          scaleCells(inStretch(day, terms.from), (q) => decimal(q).mul(remainingDays).round().toNumber()),
        ),
      ).totalMinor;
    low = Math.min(extend(ranked[0]!), projected.totalMinor);
    high = Math.max(extend(ranked[ranked.length - 1]!), projected.totalMinor);
  }

  const budgets: BudgetForecast[] = (budgetSet?.budgets ?? [])
    .filter((b) => b.currency === terms.currency)
    .map((b) => {
      const now_: LimitStatus = budgetStatus(b, spent, toDate);
      const then = budgetStatus(b, projected, projectedCells);
      let exhaustedAt: string | undefined;
      if (now_.used >= b.amountMinor) exhaustedAt = now.toISOString();
      else if (then.used >= b.amountMinor && then.used > now_.used) {
        const fraction = decimal(b.amountMinor - now_.used).div(then.used - now_.used);
        exhaustedAt = new Date(
          now.getTime() +
            fraction
              .mul(period.end.getTime() - now.getTime())
              .floor()
              .toNumber(),
        ).toISOString();
      }
      return {
        budgetId: b.id,
        limitMinor: b.amountMinor,
        spentMinor: now_.used,
        projectedMinor: then.used,
        ...(exhaustedAt ? { exhaustedAt } : {}),
      };
    });

  return {
    period,
    asOf: now.toISOString(),
    currency: terms.currency,
    method: 'linear_run_rate',
    methodDescription:
      'Period-to-date usage scaled by period length ÷ elapsed time, then rated: usage so far under the terms it was counted under, the rest under the current terms. Low/high: to-date usage plus the remaining days at the lowest / highest full day so far. Budgets run out when their projected spend, interpolated linearly over the rest of the period, reaches the limit.',
    elapsedFraction: decimal(elapsed).div(length).toDecimalPlaces(6).toString(),
    spentMinor: spent.totalMinor,
    projectedMinor: projected.totalMinor,
    lowMinor: low,
    highMinor: high,
    rangeBasis: basis,
    budgets,
  };
}

export type { Rating };
