import type { Clock } from '../../kernel/clock';
import { validation } from '../../kernel/errors';
import type { Currency } from '../../kernel/money';
import { DAY_MS, dayKey, hourKey } from '../../kernel/period';
import type { Meter } from '../../kernel/pricing/plans';
import type { UsageCell } from '../../kernel/pricing/quantities';
import { allocate, cellOfLine, ratePeriod } from '../../kernel/pricing/rating';
import type { OrgStore } from '../../orgs/ports';
import type { TermsReader } from '../../subscriptions/ports';
import {
  periodsOverlapping,
  planPeriod,
  resolveRange,
  startOfKey,
  type TimeRange,
  type Window,
  windowOf,
} from '../domain/windows';
import type { BudgetStore, UsageReader } from '../ports';
import { resolvePeriodTerms } from './usage-terms';

/**
 * Usage reports and cost analytics, computed from the day and hour aggregate items (≤ 31
 * day items and ≤ 744 hour items per shard, period and stretch): the cost of a read is bounded whatever
 * the event count.
 */
export const GROUP_KEYS = ['meter', 'model', 'agent', 'connection', 'day'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];
export { MAX_RANGE_DAYS } from '../domain/windows';

export interface AnalyticsDeps {
  readonly clock: Clock;
  readonly orgs: Pick<OrgStore, 'get'>;
  readonly usageReader: UsageReader;
  readonly terms: TermsReader;
  readonly budgets: BudgetStore;
}

export interface RangeQuery {
  /** `YYYY-MM-DD` (its UTC midnight) or an RFC 3339 instant on a whole hour, inclusive; default: the period start. */
  readonly from?: string;
  /** The same, exclusive; default: the next UTC midnight. */
  readonly to?: string;
  /** Adds a time column: rows per hour, day or billing period, clipped to the range. */
  readonly window?: Window;
  readonly groupBy: readonly GroupKey[];
}

export interface GroupFields {
  windowStart?: string;
  windowEnd?: string;
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

export interface RangeAnswer<Row> {
  readonly from: string;
  readonly to: string;
  readonly window?: Window;
  readonly groupBy: GroupKey[];
  readonly rows: Row[];
}

function checkGroupBy(groupBy: readonly GroupKey[]): void {
  if (groupBy.includes('agent') && groupBy.includes('connection')) {
    throw validation(
      'unsupported_group_by',
      'group by agent or by connection, not both: aggregates keep each dimension apart',
      [{ path: 'group_by', message: 'agent and connection cannot be combined' }],
    );
  }
}

const dimensionFor = (groupBy: readonly GroupKey[]): UsageCell['dimension'] =>
  groupBy.includes('connection') ? 'connection' : 'agent';

/** Usage of one cell at one time: a whole day (from day rows) or one hour (from hour rows). */
interface Unit {
  readonly day: string;
  /** Start of the hour or day the usage is placed in. */
  readonly at: Date;
  readonly cell: UsageCell;
}

function groupOf(unit: Unit, groupBy: readonly GroupKey[], range: TimeRange): GroupFields {
  const { cell } = unit;
  const g: GroupFields = {};
  if (range.window) {
    const w = windowOf(range.window, unit.at, range);
    g.windowStart = w.start.toISOString();
    g.windowEnd = w.end.toISOString();
  }
  if (groupBy.includes('meter')) g.meter = cell.meter;
  if (groupBy.includes('model')) g.model = cell.model;
  if (groupBy.includes('agent')) g.agentId = cell.value;
  if (groupBy.includes('connection')) g.connectionId = cell.value;
  if (groupBy.includes('day')) g.day = unit.day;
  return g;
}

const groupId = (g: GroupFields & { currency?: string }) =>
  [g.windowStart, g.meter, g.model, g.agentId, g.connectionId, g.day, g.currency].map((v) => v ?? '\u0000').join('|');

function sortRows<T extends GroupFields>(rows: T[]): T[] {
  return rows.sort((a, b) => (groupId(a) < groupId(b) ? -1 : groupId(a) > groupId(b) ? 1 : 0));
}

const unitsOfDays = (daily: ReadonlyMap<string, readonly UsageCell[]>, dimension: UsageCell['dimension']): Unit[] =>
  [...daily].flatMap(([day, cells]) =>
    cells.filter((c) => c.dimension === dimension).map((cell) => ({ day, at: startOfKey(day), cell })),
  );

const unitsOfHours = (hourly: ReadonlyMap<string, readonly UsageCell[]>, dimension: UsageCell['dimension']): Unit[] =>
  [...hourly].flatMap(([hour, cells]) =>
    cells
      .filter((c) => c.dimension === dimension)
      .map((cell) => ({ day: hour.slice(0, 10), at: startOfKey(hour), cell })),
  );

async function hoursOf(
  deps: AnalyticsDeps,
  orgId: string,
  periodKey: string,
  spans: readonly { from: string; to: string }[],
): Promise<Map<string, UsageCell[]>> {
  const parts = await Promise.all(spans.map((span) => deps.usageReader.hourlyCells(orgId, periodKey, span)));
  return new Map(parts.flatMap((m) => [...m]));
}

const inSpans = (hour: string, spans: readonly { from: string; to: string }[]) =>
  spans.some((s) => hour >= s.from && hour < s.to);

/**
 * Quantities (always per meter) over `[from, to)`, grouped; exact to the event: whole days come from day
 * rows, hours (at hour windows, or the partial days at the range's edges) from hour rows.
 */
export async function getUsageReport(
  deps: AnalyticsDeps,
  orgId: string,
  query: RangeQuery,
): Promise<RangeAnswer<UsageRow>> {
  checkGroupBy(query.groupBy);
  const range = resolveRange(deps.clock.now(), query);
  // Quantities of different meters do not add up: a usage report always keeps the meter.
  const groupBy = [...new Set<GroupKey>(['meter', ...query.groupBy])];
  const dimension = dimensionFor(groupBy);
  const rows = new Map<string, UsageRow>();
  for (const period of periodsOverlapping(range.from, range.to)) {
    const plan = planPeriod(period, range);
    const [daily, hourly] = await Promise.all([
      plan.wholeDays.size > 0 ? deps.usageReader.dailyCells(orgId, period.key) : new Map<string, UsageCell[]>(),
      hoursOf(deps, orgId, period.key, plan.hourSpans),
    ]);
    const units = [
      ...unitsOfDays(daily, dimension).filter((u) => plan.wholeDays.has(u.day)),
      ...unitsOfHours(hourly, dimension),
    ];
    for (const unit of units) {
      const g = groupOf(unit, groupBy, range);
      const id = groupId(g);
      const row = rows.get(id) ?? { ...g, quantity: 0 };
      row.quantity += unit.cell.quantity;
      rows.set(id, row);
    }
  }
  return answer(range, groupBy, sortRows([...rows.values()]));
}

const answer = <Row>(range: TimeRange, groupBy: GroupKey[], rows: Row[]): RangeAnswer<Row> => ({
  from: range.fromText,
  to: range.toText,
  ...(range.window ? { window: range.window } : {}),
  groupBy,
  rows,
});

const sameCell = (c: UsageCell) => `${c.dimension}|${c.value}|${c.meter}|${c.model}|${c.termsFrom ?? ''}`;

/**
 * Costs: each period is rated as a whole (included usage and tiers apply to the period; each stretch of
 * it under its own terms), then every line's amount is allocated to the (day, agent | connection) cells
 * that make it up in proportion to quantity (largest remainder); a day cell that is read by the hour is
 * split again over its hours the same way. Rows of a whole period add up exactly to its rated total, and
 * the hours of a day exactly to the day.
 */
export async function getCosts(
  deps: AnalyticsDeps,
  orgId: string,
  query: RangeQuery,
): Promise<RangeAnswer<CostRow> & { totals: { currency: Currency; amountMinor: number }[] }> {
  checkGroupBy(query.groupBy);
  const now = deps.clock.now();
  const range = resolveRange(now, query);
  const groupBy = [...query.groupBy];
  const dimension = dimensionFor(groupBy);
  const rows = new Map<string, CostRow>();
  const totals = new Map<Currency, number>();
  const add = (unit: Unit, currency: Currency, amountMinor: number) => {
    if (amountMinor === 0 && unit.cell.quantity === 0) return;
    const g = { ...groupOf(unit, groupBy, range), currency };
    const id = groupId(g);
    const row = rows.get(id) ?? { ...g, amountMinor: 0 };
    row.amountMinor += amountMinor;
    rows.set(id, row);
    totals.set(currency, (totals.get(currency) ?? 0) + amountMinor);
  };
  for (const period of periodsOverlapping(range.from, range.to)) {
    const plan = planPeriod(period, range);
    // Hour rows are read for whole days, so a day splits over its hours the same whatever the range.
    const hourDays = [...new Set(plan.hourSpans.flatMap((s) => daysOfSpan(s)))];
    const [daily, stretches, hourly] = await Promise.all([
      deps.usageReader.dailyCells(orgId, period.key),
      resolvePeriodTerms(deps, orgId, period, now),
      hoursOf(
        deps,
        orgId,
        period.key,
        hourDays.map((day) => ({ from: `${day}T00`, to: hourKey(new Date(startOfKey(day).getTime() + DAY_MS)) })),
      ),
    ]);
    const units = unitsOfDays(daily, dimension);
    const rating = ratePeriod(
      stretches,
      units.map((u) => u.cell),
    );
    const hourUnits = unitsOfHours(hourly, dimension);
    for (const line of rating.lines) {
      const mine = units.filter((u) => cellOfLine(rating, line, u.cell));
      const parts = allocate(
        line.amountMinor,
        mine.map((u) => u.cell.quantity),
      );
      mine.forEach((u, i) => {
        if (plan.wholeDays.has(u.day)) {
          add(u, rating.currency, parts[i]!);
          return;
        }
        if (!hourDays.includes(u.day)) return;
        const hours = hourUnits.filter((h) => h.day === u.day && sameCell(h.cell) === sameCell(u.cell));
        const placed = hours.reduce((s, h) => s + h.cell.quantity, 0);
        // Usage counted before hourly rows existed has no hour to go to: it keeps its share, unplaced.
        const split = allocate(parts[i]!, [
          ...hours.map((h) => h.cell.quantity),
          Math.max(0, u.cell.quantity - placed),
        ]);
        hours.forEach((h, j) => {
          if (inSpans(hourKey(h.at), plan.hourSpans)) add(h, rating.currency, split[j]!);
        });
      });
    }
  }
  return {
    ...answer(range, groupBy, sortRows([...rows.values()])),
    totals: [...totals].map(([currency, amountMinor]) => ({ currency, amountMinor })),
  };
}

/** The UTC days (`YYYY-MM-DD`) an hour span `[from, to)` touches. */
function daysOfSpan(span: { from: string; to: string }): string[] {
  const out: string[] = [];
  const end = startOfKey(span.to).getTime();
  for (let t = Math.floor(startOfKey(span.from).getTime() / DAY_MS) * DAY_MS; t < end; t += DAY_MS) {
    out.push(dayKey(new Date(t)));
  }
  return out;
}
