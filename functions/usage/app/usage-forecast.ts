import type { Clock } from '../../kernel/clock';
import { type Currency, decimal } from '../../kernel/money';
import { DAY_MS, HOUR_MS, hourKey, type Period, periodOf } from '../../kernel/period';
import type { UsageCell } from '../../kernel/pricing/quantities';
import type { PeriodRating } from '../../kernel/pricing/rating';
import type { OrgStore } from '../../orgs/ports';
import type { TermsReader } from '../../subscriptions/ports';
import { type Budget, budgetStatus } from '../domain/budgets';
import {
  addCells,
  type FORECAST_METHOD,
  type ForecastInputs,
  forecastPeriod,
  INTERVAL_LEVEL,
  type PeriodForecast,
} from '../domain/forecast';
import type { BudgetStore, Commitment, CommitmentReader, UsageReader } from '../ports';
import { resolvePeriodTerms } from './usage-terms';

export interface ForecastDeps {
  readonly clock: Clock;
  readonly orgs: Pick<OrgStore, 'get'>;
  readonly usageReader: UsageReader;
  readonly terms: TermsReader;
  readonly budgets: BudgetStore;
  readonly commitments: CommitmentReader;
}

export interface Projected {
  readonly projectedMinor: number;
  readonly lowMinor: number;
  readonly highMinor: number;
}

export interface BudgetForecast extends Projected {
  readonly budgetId: string;
  readonly limitMinor: number;
  readonly spentMinor: number;
  /** When the budget runs out at the projected rate; now if already used up; undefined if not this period. */
  readonly exhaustedAt?: string;
  /** The same at the interval's high end: the earliest it plausibly runs out. */
  readonly earliestExhaustedAt?: string;
}

export interface CommitmentForecast extends Projected {
  readonly commitmentId: string;
  readonly contractId: string;
  readonly currency: Currency;
  readonly committedMinor: number;
  readonly termEnd: string;
  /** Spend attributed to the commitment so far in its term. */
  readonly usedMinor: number;
  /** What would be left uncommitted at the term end at the projection (0 when it is met). */
  readonly shortfallMinor: number;
}

export interface Forecast extends Projected {
  readonly period: Period;
  readonly asOf: string;
  readonly currency: Currency;
  readonly method: typeof FORECAST_METHOD;
  readonly methodDescription: string;
  readonly elapsedFraction: string;
  readonly spentMinor: number;
  readonly intervalLevel: number;
  readonly inputs: ForecastInputs;
  readonly budgets: BudgetForecast[];
  readonly commitments: CommitmentForecast[];
}

export const METHOD_DESCRIPTION =
  'Burn rate measured from when the current terms started (over at least a day), in list value: the period-to-date average, ' +
  'moved towards the trailing 24 hours only as far as they differ by more than the day-to-day noise (weight 1 − 4/z²), ' +
  'with weekend factors and a Theil–Sen trend when they are significant; parts of days count as the share of a day’s spend ' +
  'their hours hold by yesterday’s daily cycle, not of the clock. The remaining usage is projected cell by cell and ' +
  'rated with the period’s included usage and tiers. 80 % interval: day-to-day noise, the rate’s uncertainty and the trend’s, ±1.28 σ, never below the spend so far.';

/**
 * The period's spending forecast (domain/forecast.ts): one round trip reads the period's day rows, the
 * trailing 24 hours' hour rows, the terms, the budgets and the commitments in force.
 */
export async function getForecast(deps: ForecastDeps, orgId: string): Promise<Forecast> {
  const now = deps.clock.now();
  const period = periodOf(now);
  // Hour rows from the start of yesterday: the trailing 24 hours and yesterday's daily cycle.
  const recentFrom = new Date(Math.max(period.start.getTime(), Math.floor(now.getTime() / DAY_MS) * DAY_MS - DAY_MS));
  const [daily, stretches, budgetSet, recentHours, commitments] = await Promise.all([
    deps.usageReader.dailyCells(orgId, period.key),
    resolvePeriodTerms(deps, orgId, period, now),
    deps.budgets.get(orgId),
    deps.usageReader.hourlyCells(orgId, period.key, {
      from: hourKey(recentFrom),
      to: hourKey(new Date(now.getTime() + HOUR_MS)),
    }),
    deps.commitments.commitmentsInForce(orgId, now),
  ]);
  const f = forecastPeriod({ period, now, stretches, daily, recentHours });
  const currency = f.spent.currency;
  const toDate = [...daily.values()].reduce<UsageCell[]>((acc, cells) => addCells(acc, cells), []);
  const length = period.end.getTime() - period.start.getTime();
  const elapsed = Math.max(1, now.getTime() - period.start.getTime());
  return {
    period,
    asOf: now.toISOString(),
    currency,
    method: f.method,
    methodDescription: METHOD_DESCRIPTION,
    elapsedFraction: decimal(elapsed).div(length).toDecimalPlaces(6).toString(),
    spentMinor: f.spent.totalMinor,
    projectedMinor: f.projected.totalMinor,
    lowMinor: f.low.totalMinor,
    highMinor: f.high.totalMinor,
    intervalLevel: INTERVAL_LEVEL,
    inputs: f.inputs,
    budgets: (budgetSet?.budgets ?? [])
      .filter((b) => b.currency === currency)
      .map((b) => budgetForecast(b, f, toDate, now, period)),
    commitments: commitments.filter((c) => c.currency === currency).map((c) => commitmentForecast(c, f, now, period)),
  };
}

/** When spend reaching `used` at the end of the period, from `usedNow` now, passes `limit` (linear in time). */
function crossing(limit: number, usedNow: number, usedAtEnd: number, now: Date, period: Period): string | undefined {
  if (usedNow >= limit) return now.toISOString();
  if (usedAtEnd < limit || usedAtEnd <= usedNow) return undefined;
  const fraction = decimal(limit - usedNow).div(usedAtEnd - usedNow);
  return new Date(
    now.getTime() +
      fraction
        .mul(period.end.getTime() - now.getTime())
        .floor()
        .toNumber(),
  ).toISOString();
}

function budgetForecast(
  b: Budget,
  f: PeriodForecast,
  toDate: readonly UsageCell[],
  now: Date,
  period: Period,
): BudgetForecast {
  const used = (rating: PeriodRating, cells: readonly UsageCell[]) => budgetStatus(b, rating, cells).used;
  const spentMinor = used(f.spent, toDate);
  const projectedMinor = used(f.projected, f.cells.projected);
  const highMinor = used(f.high, f.cells.high);
  const exhaustedAt = crossing(b.amountMinor, spentMinor, projectedMinor, now, period);
  const earliestExhaustedAt = crossing(b.amountMinor, spentMinor, highMinor, now, period);
  return {
    budgetId: b.id,
    limitMinor: b.amountMinor,
    spentMinor,
    projectedMinor,
    lowMinor: used(f.low, f.cells.low),
    highMinor,
    ...(exhaustedAt ? { exhaustedAt } : {}),
    ...(earliestExhaustedAt ? { earliestExhaustedAt } : {}),
  };
}

/**
 * A commitment (committed spend over a contract term) at its term end: what was used before this
 * period, this period's projection, and, for the term's days after this period, this period's projected
 * daily spend (at the centre, low and high ends). The hook for enterprise contracts: until that
 * capability provides commitments, none are in force.
 */
export function commitmentForecast(c: Commitment, f: PeriodForecast, now: Date, period: Period): CommitmentForecast {
  const remainingMs = Math.max(0, period.end.getTime() - now.getTime());
  const afterMs = Math.max(0, Date.parse(c.termEnd) - period.end.getTime());
  const at = (periodTotal: number) => {
    // The rest of this period's projected spend, per ms, carried over the term's time after the period.
    const perMs =
      remainingMs > 0
        ? decimal(periodTotal - f.spent.totalMinor).div(remainingMs)
        : decimal(f.spent.totalMinor).div(Math.max(1, now.getTime() - period.start.getTime()));
    return c.usedBeforePeriodMinor + periodTotal + perMs.mul(afterMs).round().toNumber();
  };
  const projectedMinor = at(f.projected.totalMinor);
  return {
    commitmentId: c.id,
    contractId: c.contractId,
    currency: c.currency,
    committedMinor: c.committedMinor,
    termEnd: c.termEnd,
    usedMinor: c.usedBeforePeriodMinor + f.spent.totalMinor,
    projectedMinor,
    lowMinor: at(f.low.totalMinor),
    highMinor: at(f.high.totalMinor),
    shortfallMinor: Math.max(0, c.committedMinor - projectedMinor),
  };
}
