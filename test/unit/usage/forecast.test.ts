import { dayKey, hourKey, periodByKey } from '../../../functions/kernel/period';
import { CATALOG, findPlanVersion } from '../../../functions/kernel/pricing/plans';
import type { UsageCell } from '../../../functions/kernel/pricing/quantities';
import { type RatingStretch, ratingSheetFor } from '../../../functions/kernel/pricing/rating';
import { addCells, forecastPeriod } from '../../../functions/usage/domain/forecast';

const HOUR = 3_600_000;
const period = periodByKey('2026-11');
const pro = ratingSheetFor(findPlanVersion('pro', 2, CATALOG)!, 'metered', 'USD');
const free = ratingSheetFor(findPlanVersion('free', 2, CATALOG)!, 'free', 'USD');
const proOnly: RatingStretch[] = [{ from: period.start.toISOString(), sheet: pro }];

/** Agent runs (1.5 minor each on Pro, no tiers) for an agent, one hour's worth. */
const runs = (n: number, termsFrom?: string): UsageCell[] => {
  const base = { meter: 'agent_runs', model: '', quantity: n, ...(termsFrom ? { termsFrom } : {}) } as const;
  return [
    { dimension: 'agent', value: 'a', ...base },
    { dimension: 'connection', value: '', ...base },
  ];
};

/** The inputs the API reads at `now` from an hourly usage function. */
function inputAt(
  now: Date,
  perHour: (t: number) => number,
  stretches = proOnly,
  termsFrom?: (t: number) => string | undefined,
) {
  const daily = new Map<string, UsageCell[]>();
  const recentHours = new Map<string, UsageCell[]>();
  const yesterday = Math.floor(now.getTime() / 86_400_000) * 86_400_000 - 86_400_000;
  for (let t = period.start.getTime(); t < now.getTime(); t += HOUR) {
    const n = perHour(t);
    if (n === 0) continue;
    const cells = runs(n, termsFrom?.(t));
    const day = dayKey(new Date(t));
    daily.set(day, addCells(daily.get(day) ?? [], cells));
    if (t >= yesterday) recentHours.set(hourKey(new Date(t)), cells);
  }
  return { period, now, stretches, daily, recentHours };
}

const dayIndex = (t: number) => Math.floor((t - period.start.getTime()) / 86_400_000);

describe('the blended burn rate forecast', () => {
  it('projects a steady org from its average, with an interval around it that starts at the spend so far', () => {
    const f = forecastPeriod(inputAt(new Date('2026-11-16T00:00:00Z'), (t) => 1_000 + (dayIndex(t) % 3) * 50));
    expect(f.method).toBe('blended_burn_rate');
    expect(f.inputs.trailingWeight).toBe(0);
    // ≈ 1,050 runs an hour × 720 hours × 1.5.
    expect(f.projected.totalMinor).toBeGreaterThan(0.97 * 1_050 * 720 * 1.5);
    expect(f.projected.totalMinor).toBeLessThan(1.03 * 1_050 * 720 * 1.5);
    expect(f.low.totalMinor).toBeGreaterThanOrEqual(f.spent.totalMinor);
    expect(f.low.totalMinor).toBeLessThan(f.projected.totalMinor);
    expect(f.high.totalMinor).toBeGreaterThan(f.projected.totalMinor);
  });

  it('does not multiply a burst in a fresh period by the length of the month', () => {
    // The demo's case: all usage in the first hour of the period, forecast an hour later.
    const f = forecastPeriod(
      inputAt(new Date('2026-11-01T01:00:00Z'), (t) => (t < period.start.getTime() + HOUR ? 1_400 : 0)),
    );
    expect(f.spent.totalMinor).toBe(2_100);
    // Measured over at least a day: at most a day's worth per remaining day, never ×720 hours.
    expect(f.projected.totalMinor).toBeLessThanOrEqual(2_100 * 31);
    expect(f.low.totalMinor).toBe(2_100);
    expect(f.high.totalMinor).toBeGreaterThan(f.projected.totalMinor);
  });

  it('follows what an org burns now after a burst went idle, and a runaway agent as soon as it shows', () => {
    const burst = forecastPeriod(
      inputAt(new Date('2026-11-10T00:00:00Z'), (t) => (dayIndex(t) < 2 ? 40_000 : dayIndex(t) < 4 ? 1_000 : 20)),
    );
    expect(burst.inputs.trailingWeight).toBeGreaterThan(0.9);
    expect(burst.projected.totalMinor).toBeLessThan(1.2 * burst.spent.totalMinor);
    const runaway = forecastPeriod(
      inputAt(new Date('2026-11-15T00:00:00Z'), (t) => (dayIndex(t) < 12 ? 1_000 : 6_000)),
    );
    expect(runaway.inputs.trailingWeight).toBeGreaterThan(0.9);
    // 12 days at 1,000 and 3 at 6,000 an hour, then 15 more days at 6,000.
    expect(runaway.projected.totalMinor).toBeGreaterThan(0.9 * (12 + 18 * 6) * 1_000 * 24 * 1.5);
  });

  it('measures the burn rate from when the current terms started, not from the calendar period start', () => {
    const switchAt = Date.parse('2026-11-11T00:00:00Z');
    const stretches: RatingStretch[] = [
      { from: period.start.toISOString(), sheet: free },
      { from: new Date(switchAt).toISOString(), sheet: pro },
    ];
    const f = forecastPeriod(
      inputAt(
        new Date('2026-11-16T00:00:00Z'),
        (t) => (t < switchAt ? 100 : 1_000),
        stretches,
        (t) => (t < switchAt ? undefined : new Date(switchAt).toISOString()),
      ),
    );
    expect(f.inputs.since).toBe('2026-11-11T00:00:00.000Z');
    // 20 days on Pro at 1,000 runs an hour.
    expect(f.projected.totalMinor).toBeGreaterThan(0.97 * 20 * 24_000 * 1.5);
    expect(f.projected.totalMinor).toBeLessThan(1.03 * 20 * 24_000 * 1.5);
  });

  it('counts a part of a day as the share of the daily cycle its hours hold, not of the clock', () => {
    // A business-hours org: 2,000 runs an hour from 09:00 to 18:00 UTC, 200 otherwise (21,600 a day,
    // 83 % of it in business hours), a little day-to-day variation.
    const hourOf = (t: number) => new Date(t).getUTCHours();
    const cycle = (t: number) => (hourOf(t) >= 9 && hourOf(t) < 18 ? 2_000 : 200) * (1 + (dayIndex(t) % 3) * 0.02);
    const perDay = 9 * 2_000 + 15 * 200;
    // Read at noon: the trailing 24 hours are one whole cycle (yesterday from noon, today until noon), so
    // the trailing rate is the org's daily level, not the 1.15× it reads when half a day of the clock
    // stands for the 61 % of the day's spend that yesterday afternoon holds.
    const noon = forecastPeriod(inputAt(new Date('2026-11-16T12:00:00Z'), cycle));
    expect(noon.inputs.trailingRatePerDay / noon.inputs.averageRatePerDay).toBeGreaterThan(0.97);
    expect(noon.inputs.trailingRatePerDay / noon.inputs.averageRatePerDay).toBeLessThan(1.03);
    expect(noon.inputs.trailingWeight).toBe(0);
    expect(noon.projected.totalMinor).toBeGreaterThan(0.98 * 30 * perDay * 1.02 * 1.5);
    expect(noon.projected.totalMinor).toBeLessThan(1.02 * 30 * perDay * 1.02 * 1.5);
    // New terms from 09:00: their first day holds 89 % of a day's spend (all of its business hours), not
    // the 62.5 % of the clock, so the average over five days and 15 hours is not inflated by 6 %.
    const switchAt = Date.parse('2026-11-11T09:00:00Z');
    const stretches: RatingStretch[] = [
      { from: period.start.toISOString(), sheet: free },
      { from: new Date(switchAt).toISOString(), sheet: pro },
    ];
    const fresh = forecastPeriod(
      inputAt(
        new Date('2026-11-16T00:00:00Z'),
        (t) => (t < switchAt ? 0 : cycle(t)),
        stretches,
        (t) => (t < switchAt ? undefined : new Date(switchAt).toISOString()),
      ),
    );
    expect(fresh.inputs.averageRatePerDay / 1.5).toBeGreaterThan(0.98 * perDay);
    expect(fresh.inputs.averageRatePerDay / 1.5).toBeLessThan(1.02 * 1.04 * perDay);
  });

  it('answers a single point only for a period without usage', () => {
    const none = forecastPeriod(inputAt(new Date('2026-11-16T00:00:00Z'), () => 0));
    expect([none.low.totalMinor, none.projected.totalMinor, none.high.totalMinor]).toEqual([0, 0, 0]);
    const some = forecastPeriod(inputAt(new Date('2026-11-16T00:00:00Z'), () => 500));
    expect(some.high.totalMinor).toBeGreaterThan(some.low.totalMinor);
  });
});
