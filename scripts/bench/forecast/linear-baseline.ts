/**
 * The forecast the API answered before `blended_burn_rate` (kept here only as the backtest's baseline):
 * naive linear extrapolation of the period-to-date usage, scaled by period length ÷ elapsed time from
 * the calendar period start, then rated; range: to-date usage plus the remaining days at the lowest and
 * highest full day so far (a point before two full days). Same inputs as `forecastPeriod`.
 */
import { decimal } from '../../../functions/kernel/money';
import { DAY_MS } from '../../../functions/kernel/period';
import { totalsByMeterModel, type UsageCell } from '../../../functions/kernel/pricing/quantities';
import { type RatingSheet, rate, ratePeriod } from '../../../functions/kernel/pricing/rating';
import type { ForecastInput } from '../../../functions/usage/domain/forecast';

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
export function linearRunRate(input: ForecastInput): { projectedMinor: number; lowMinor: number; highMinor: number } {
  const { period, stretches, daily } = input;
  const now = input.now;
  const terms = stretches[stretches.length - 1]!;
  const length = period.end.getTime() - period.start.getTime();
  const elapsed = Math.max(1, now.getTime() - period.start.getTime());
  const remainingDays = decimal(period.end.getTime() - now.getTime()).div(DAY_MS);
  const toDate = [...daily.values()].reduce<UsageCell[]>((acc, cells) => addCells(acc, cells), []);
  const scale = decimal(length).div(elapsed);
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
  if (fullDays.length >= 2) {
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
  return { projectedMinor: projected.totalMinor, lowMinor: low, highMinor: high };
}
