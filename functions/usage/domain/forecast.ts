import { DAY_MS, dayKey, HOUR_MS, type Period } from '../../kernel/period';
import type { UsageCell } from '../../kernel/pricing/quantities';
import { type PeriodRating, type RatingStretch, ratePeriod, stretchIndexOf } from '../../kernel/pricing/rating';

/**
 * The spending forecast: where the period's spend ends up, with an 80 % prediction interval. Pure: the
 * API (app/usage-forecast.ts) and the backtest (`npm run bench:forecast`) call the same function.
 *
 * Method `blended_burn_rate`, in the current terms' list value (usage at list prices, before included
 * usage and tiers, so every unit of usage counts the same whatever the allowance left):
 *
 *  1. Measured from when the current terms started (a new subscription mid-month is not diluted by the
 *     weeks before it), over at least one day, so a burst in a fresh period is not multiplied by 700.
 *  2. Two burn rates: the period-to-date average and the trailing 24 hours. The trailing rate is trusted
 *     only as far as it differs from the average by more than the day-to-day noise (log scale): weight
 *     w = max(0, 1 − 4/z²) (a positive-part James–Stein shrinkage: no weight within 2 noise units, most
 *     of it beyond 4). A steady org is forecast from its average, a runaway agent or a burst that went
 *     quiet from what it burns now.
 *  3. Weekends: each weekend day against its neighbouring weekdays; with four weekend days seen and a
 *     median ratio beyond twice its noise, rates are deseasonalized and the remaining days weighted.
 *  4. Noise: the lower quartile of consecutive complete days' log differences (jumps only inflate them),
 *     shrunk towards a prior of ±50 % while few days were seen.
 *  5. Trend: Theil–Sen over at least ten complete days, when beyond twice its standard error, continued
 *     from the rates' lag over the remaining days.
 *  6. Parts of days: any part of a day (the rest of today, today so far, the trailing 24 hours' part of
 *     yesterday, the first day of terms that started mid-day) counts as the share of a day's spend its
 *     hours hold by yesterday's daily cycle, by the clock only when yesterday was not all observed under
 *     these terms. So the trailing 24 hours are always one whole cycle: a business-hours org read at noon
 *     is not mistaken for one that sped up because yesterday afternoon held 70 % of its day.
 *  7. The interval: day-to-day noise over the remaining days, the uncertainty of the rate (its standard
 *     error from what was observed, and w(1 − w)·(trailing − average)² for not knowing which rate holds)
 *     and of the trend; ±1.2816 σ (80 %). Never below what is spent; a point only without any usage.
 *  8. Quantities: the remaining usage is projected cell by cell (agent, connection, meter, model) with
 *     the same weight, in the current stretch, and rated with the period's included usage and tiers, so
 *     the projected money is exact for the projected usage.
 */
export const FORECAST_METHOD = 'blended_burn_rate';
export const INTERVAL_LEVEL = 0.8;
const Z_80 = 1.2816;
/** Prior spread of a day's spend around the rate, weighing as much as this many observed day-to-day changes. */
const PRIOR_CV = 0.5;
const PRIOR_WEIGHT = 2;
const TRAILING_MS = DAY_MS;
/** A trend is told from noise and from a burst among the days only over this many complete days. */
const MIN_TREND_DAYS = 10;

export interface ForecastInput {
  readonly period: Period;
  readonly now: Date;
  /** The period's stretches up to now, oldest first (`ratePeriod`'s); the last is in force now. */
  readonly stretches: readonly RatingStretch[];
  /** The period's cells per UTC day (`YYYY-MM-DD`), every stretch. */
  readonly daily: ReadonlyMap<string, readonly UsageCell[]>;
  /** The cells of the hours (`YYYY-MM-DDTHH`) since the start of yesterday (UTC), every stretch. */
  readonly recentHours: ReadonlyMap<string, readonly UsageCell[]>;
}

export interface ForecastInputs {
  /** When the measurement starts: the later of the period start and the current terms' start. */
  readonly since: string;
  readonly observedDays: number;
  readonly completeDays: number;
  /** List value (minor units per day, deseasonalized) of the period-to-date average and the trailing 24 h. */
  readonly averageRatePerDay: number;
  readonly trailingRatePerDay: number;
  readonly trailingWeight: number;
  /** The blended rate the remaining days are projected at (minor units per day, deseasonalized). */
  readonly ratePerDay: number;
  readonly noisePerDay: number;
  /** The rate's lag behind now (days) that a trend is continued over. */
  readonly lagDays: number;
  /** Weekend factor (weekdays' is set so a week averages 1); 1 when no weekly pattern was found. */
  readonly weekendFactor: number;
  /** Theil–Sen slope (minor units per day per day) when significant, else 0. */
  readonly trendPerDay: number;
  readonly remainingDays: number;
  readonly basis: 'observed_days' | 'prior';
}

export interface PeriodForecast {
  readonly method: typeof FORECAST_METHOD;
  readonly spent: PeriodRating;
  readonly projected: PeriodRating;
  readonly low: PeriodRating;
  readonly high: PeriodRating;
  /** The cells of the period at the centre, low and high projections (for budgets). */
  readonly cells: { readonly projected: UsageCell[]; readonly low: UsageCell[]; readonly high: UsageCell[] };
  readonly inputs: ForecastInputs;
}

const prices = new WeakMap<RatingStretch['sheet'], Map<string, number>>();

/**
 * Usage at the sheet's list prices (first-tier unit price, no included usage): linear in quantity, so
 * rates and their blend add up. A number, for statistics only: money is always rated with decimals.
 */
export function listValue(sheet: RatingStretch['sheet'], cells: readonly UsageCell[]): number {
  let byLine = prices.get(sheet);
  if (!byLine) {
    byLine = new Map(
      sheet.prices.map((p) => [
        `${p.meter}|${p.model ?? ''}`,
        Number(p.tiers?.[0]?.unitAmountDecimal ?? p.unitAmountDecimal),
      ]),
    );
    prices.set(sheet, byLine);
  }
  let value = 0;
  for (const c of cells) if (c.dimension === 'agent') value += c.quantity * (byLine.get(`${c.meter}|${c.model}`) ?? 0);
  return value;
}

const isWeekend = (t: number) => {
  const d = new Date(t).getUTCDay();
  return d === 0 || d === 6;
};

/** The q-quantile by linear interpolation (0 for no values). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
}
const median = (xs: readonly number[]) => quantile(xs, 0.5);

/** Theil–Sen: the median of pairwise slopes, robust to a step or a burst among the points. */
function theilSen(ys: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < ys.length; i++) for (let j = i + 1; j < ys.length; j++) slopes.push((ys[j]! - ys[i]!) / (j - i));
  return median(slopes);
}

/** Sums cells by dimension, value, meter, model and stretch. */
export function addCells(a: readonly UsageCell[], b: readonly UsageCell[]): UsageCell[] {
  const sums = new Map<string, UsageCell>();
  for (const c of [...a, ...b]) {
    const k = `${c.dimension}|${c.value}|${c.meter}|${c.model}|${c.termsFrom ?? ''}`;
    const prev = sums.get(k);
    sums.set(k, { ...c, quantity: (prev?.quantity ?? 0) + c.quantity });
  }
  return [...sums.values()];
}

const cellKey = (c: UsageCell) => `${c.dimension}|${c.value}|${c.meter}|${c.model}`;

export function forecastPeriod(input: ForecastInput): PeriodForecast {
  const { period, stretches } = input;
  const now = input.now.getTime();
  const current = stretches.length - 1;
  const sheet = stretches[current]!.sheet;
  const since = Math.max(period.start.getTime(), Date.parse(stretches[current]!.from));
  const end = period.end.getTime();
  const inCurrent = (c: UsageCell) => stretchIndexOf(stretches, c.termsFrom) === current;

  const toDate = [...input.daily.values()].reduce<UsageCell[]>((acc, cells) => addCells(acc, cells), []);
  const spent = ratePeriod(stretches, toDate);

  // Days of the current stretch: complete days (for noise, weekends, trend) and the partial ones.
  const days: { start: number; value: number; coverage: number; cells: UsageCell[] }[] = [];
  for (let t = Math.floor(since / DAY_MS) * DAY_MS; t < now; t += DAY_MS) {
    const cells = (input.daily.get(dayKey(new Date(t))) ?? []).filter(inCurrent);
    const coverage = (Math.min(t + DAY_MS, now) - Math.max(t, since)) / DAY_MS;
    days.push({ start: t, value: listValue(sheet, cells), coverage, cells });
  }
  const complete = days.filter((d) => d.coverage === 1);

  // The trailing 24 hours' hour rows (from the hour that began 24 hours ago).
  const trailingFrom = Math.max(since, Math.floor((now - TRAILING_MS) / HOUR_MS) * HOUR_MS);
  const trailingRows = [...input.recentHours]
    .map(([hour, cells]) => ({ at: Date.parse(`${hour}:00:00.000Z`), cells: cells.filter(inCurrent) }))
    .filter((h) => h.at + HOUR_MS > trailingFrom && h.at < now);
  const trailingCells = trailingRows.flatMap((h) => h.cells);
  const trailingValue = listValue(sheet, trailingCells);

  // The daily cycle: yesterday's hour rows (a complete day under these terms, so its level cancels out).
  // Any part of a day counts as the share of the day's spend its hours hold by that cycle, not as its
  // share of the clock: a business-hours org has spent ~30 % of its day by noon, and the rest of today,
  // the trailing 24 hours' part of yesterday, the first day of new terms all follow the same cycle. By
  // the clock when yesterday was not all observed under these terms (no cycle known).
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const yesterday = today - DAY_MS;
  const cycle = [...input.recentHours]
    .map(([hour, cells]) => ({ at: Date.parse(`${hour}:00:00.000Z`), cells: cells.filter(inCurrent) }))
    .filter((h) => h.at >= yesterday && h.at < today)
    .map((h) => ({ offset: h.at - yesterday, value: listValue(sheet, h.cells) }));
  const cycleValue = cycle.reduce((s_, h) => s_ + h.value, 0);
  const cycleKnown = since <= yesterday && cycleValue > 0;
  /** The share of a day's spend in the time of day [from, to) (ms after midnight); by the clock within an hour. */
  const dayShare = (from: number, to: number) => {
    if (!cycleKnown) return (to - from) / DAY_MS;
    let v = 0;
    for (const h of cycle)
      v += (h.value * Math.max(0, Math.min(h.offset + HOUR_MS, to) - Math.max(h.offset, from))) / HOUR_MS;
    return v / cycleValue;
  };
  const restOfToday = dayShare(now - today, DAY_MS);

  // Day-to-day noise on the log scale (usage varies by ratios), from consecutive complete days. A
  // burst, a runaway or a weekend only ever inflates these differences, so the noise is read off their
  // lower quartile (robust to up to three quarters of them being such jumps, where the median breaks at
  // half), and shrunk towards the prior while few days were seen.
  const floor = 1e-3 * (complete.reduce((s_, d) => s_ + d.value, 0) / Math.max(1, complete.length)) + 1e-9;
  const logNoiseOf = (values: readonly number[]) => {
    const logs = values.map((v) => Math.log(v + floor));
    const diffs = logs.slice(1).map((v, i) => Math.abs(v - logs[i]!));
    // |Δ| of two days with log-noise σ is |N(0, 2σ²)|: its lower quartile is √2 · σ · Φ⁻¹(0.625).
    const observed = quantile(diffs, 0.25) / (Math.SQRT2 * 0.3186);
    return {
      diffs: diffs.length,
      logNoise: Math.sqrt(
        (diffs.length * observed ** 2 + PRIOR_WEIGHT * PRIOR_CV ** 2) / (diffs.length + PRIOR_WEIGHT),
      ),
    };
  };

  // Weekends: each weekend day against the weekdays next to it (a level shift or a burst moves one such
  // pair, not their median). A weekly pattern must have been seen twice (four weekend days) and its
  // median ratio differ from 1 by more than twice its noise.
  let weekendFactor = 1;
  let weekdayFactor = 1;
  const rawNoise = logNoiseOf(complete.map((d) => d.value)).logNoise;
  const ratios: number[] = [];
  complete.forEach((d, i) => {
    if (!isWeekend(d.start)) return;
    const neighbours = [complete[i - 1], complete[i + 1], complete[i - 2], complete[i + 2]]
      .filter((n): n is (typeof complete)[number] => n !== undefined && !isWeekend(n.start))
      .filter((n) => Math.abs(n.start - d.start) <= 2 * DAY_MS);
    if (neighbours.length === 0) return;
    const around = neighbours.reduce((s_, n) => s_ + n.value, 0) / neighbours.length;
    ratios.push(Math.log((d.value + floor) / (around + floor)));
  });
  if (ratios.length >= 4) {
    const logRatio = median(ratios);
    if (Math.abs(logRatio) > 2 * rawNoise * Math.sqrt(1.5 / ratios.length)) {
      const ratio = Math.exp(logRatio);
      weekdayFactor = 7 / (5 + 2 * ratio);
      weekendFactor = ratio * weekdayFactor;
    }
  }
  const factorAt = (t: number) => (isWeekend(t) ? weekendFactor : weekdayFactor);
  /** Σ weekday factor × share of the day, over [a, b); a part of a day by the daily cycle. */
  const seasonalDays = (a: number, b: number) => {
    let s_ = 0;
    for (let t = Math.floor(a / DAY_MS) * DAY_MS; t < b; t += DAY_MS) {
      const from = Math.max(t, a) - t;
      const to = Math.min(t + DAY_MS, b) - t;
      s_ += (from === 0 && to === DAY_MS ? 1 : dayShare(from, to)) * factorAt(t);
    }
    return s_;
  };
  /** A rate per (deseasonalized) day, measured over at least one day of clock time. */
  const ratePer = (value: number, a: number) =>
    value / Math.max(seasonalDays(a, now) * Math.max(1, DAY_MS / Math.max(1, now - a)), 1e-9);
  const x = complete.map((d) => d.value / factorAt(d.start));
  const { diffs: diffCount, logNoise } = logNoiseOf(x);
  const relativeNoise = Math.sqrt(Math.expm1(logNoise ** 2));

  // The two burn rates (deseasonalized, per day), over at least one day.
  const observedValue = days.reduce((s_, d) => s_ + d.value, 0);
  const observedDays = Math.max(0, (now - since) / DAY_MS);
  const averageRate = observedValue > 0 ? ratePer(observedValue, since) : 0;
  const trailingRate = trailingValue > 0 ? ratePer(trailingValue, trailingFrom) : 0;
  const basis = diffCount >= 3 ? 'observed_days' : 'prior';

  // The blend: how far the trailing day's level departs from the average, in noise units (log scale).
  const n = Math.max(observedDays, 1);
  // The rate is measured over at least a day, but how well it is known depends on what was observed:
  // an hour of data says little about a month.
  const observedForUncertainty = Math.max(observedDays, 1 / 24);
  const delta = trailingRate - averageRate;
  const zScore = (Math.log(trailingRate + floor) - Math.log(averageRate + floor)) / (logNoise * Math.sqrt(1 + 1 / n));
  const weight = Math.max(0, 1 - 4 / (zScore * zScore));
  const ratePerDay = averageRate + weight * delta;
  const noise = relativeNoise * ratePerDay;

  // Trend over the complete days (deseasonalized), if significant: the rates lag it (the average by
  // half the observed days, the trailing rate by half a day), and it goes on over the remaining days.
  let trend = 0;
  let seTrend = 0;
  if (x.length >= MIN_TREND_DAYS) {
    const slope = theilSen(x);
    seTrend = relativeNoise * averageRate * Math.sqrt(12 / (x.length ** 3 - x.length));
    if (Math.abs(slope) > 2 * seTrend) trend = slope;
    else seTrend = 0;
  }
  const lag = weight * 0.5 + (1 - weight) * (n / 2);

  // The remaining days: their weekday factors, the noise they add, and how far each lies from now.
  let remainingFactor = 0;
  let noiseVariance = 0;
  let trendDays = 0;
  for (let t = today; t < end; t += DAY_MS) {
    const c = t === today ? restOfToday : (Math.min(t + DAY_MS, end) - t) / DAY_MS;
    const f = factorAt(t);
    remainingFactor += c * f;
    noiseVariance += c * (f * noise) ** 2;
    trendDays += c * f * (lag + (Math.max(t, now) - now) / DAY_MS + c / 2);
  }
  const rateVariance =
    ratePerDay ** 2 * logNoise ** 2 * ((1 - weight) ** 2 / observedForUncertainty + weight ** 2) +
    weight * (1 - weight) * delta ** 2;
  // A level never goes below nothing, however steep a falling trend.
  const centre = Math.max(0, ratePerDay * remainingFactor + trend * trendDays);
  const sd = Math.sqrt(noiseVariance + remainingFactor ** 2 * rateVariance + (seTrend * trendDays) ** 2);
  const lowRemaining = Math.max(0, centre - Z_80 * sd);
  const highRemaining = Math.max(0, centre + Z_80 * sd);

  // Quantities cell by cell, blended with the same weight, then scaled for the interval.
  const perDay = (cells: readonly UsageCell[], a: number) => {
    const out = new Map<string, UsageCell>();
    const value = listValue(sheet, cells);
    for (const c of cells) {
      const prev = out.get(cellKey(c));
      out.set(cellKey(c), { ...c, quantity: (prev?.quantity ?? 0) + c.quantity });
    }
    // Per day like the rates above (so the blend's list value is the blended rate).
    const days_ = value > 0 ? value / ratePer(value, a) : Math.max((now - a) / DAY_MS, 1);
    for (const [k, c] of out) out.set(k, { ...c, quantity: c.quantity / days_ });
    return out;
  };
  const average = perDay(
    days.flatMap((d) => d.cells),
    since,
  );
  const trailing = perDay(trailingCells, trailingFrom);
  const blended = new Map<string, UsageCell>();
  for (const k of new Set([...average.keys(), ...trailing.keys()])) {
    const base = (average.get(k) ?? trailing.get(k))!;
    const q = (1 - weight) * (average.get(k)?.quantity ?? 0) + weight * (trailing.get(k)?.quantity ?? 0);
    blended.set(k, { ...base, quantity: q });
  }
  const blendedValue = listValue(sheet, [...blended.values()]);
  const termsFrom = stretches[current]!.from;
  const remaining = (valueWanted: number, fallback: number) => {
    // Usage with no list value (unpriced) still projects at its blended rate; priced usage is scaled so its
    // value is what the interval says.
    const k = blendedValue > 0 ? valueWanted / blendedValue : fallback;
    return [...blended.values()].map(({ termsFrom: _t, ...c }) => ({
      ...c,
      termsFrom,
      quantity: Math.max(0, Math.round(c.quantity * k)),
    }));
  };
  const projectedCells = addCells(toDate, remaining(centre, remainingFactor));
  const lowCells = addCells(toDate, remaining(lowRemaining, remainingFactor));
  const highCells = addCells(toDate, remaining(highRemaining, remainingFactor));

  return {
    method: FORECAST_METHOD,
    spent,
    projected: ratePeriod(stretches, projectedCells),
    low: ratePeriod(stretches, lowCells),
    high: ratePeriod(stretches, highCells),
    cells: { projected: projectedCells, low: lowCells, high: highCells },
    inputs: {
      since: new Date(since).toISOString(),
      observedDays,
      completeDays: complete.length,
      averageRatePerDay: averageRate,
      trailingRatePerDay: trailingRate,
      trailingWeight: weight,
      ratePerDay,
      noisePerDay: noise,
      lagDays: lag,
      weekendFactor,
      trendPerDay: trend,
      remainingDays: Math.max(0, (end - now) / DAY_MS),
      basis,
    },
  };
}
