import { validation } from '../../kernel/errors';
import { DAY_MS, dayKey, HOUR_MS, hourKey, nextPeriod, type Period, periodOf } from '../../kernel/period';

/**
 * Time windows of reports and costs. A range is half-open `[from, to)`; each bound is a UTC day
 * (`YYYY-MM-DD`, its midnight) or an RFC 3339 instant (`Z` or an offset). Usage is counted per hour, so
 * a range is exact to the event when its bounds fall on whole hours (UTC): a bound inside an hour would
 * split usage the counters cannot split, and is refused rather than approximated.
 *
 * `window` adds a time column: rows per hour, per UTC day or per billing period (calendar month), each
 * clipped to the range. Without it, rows cover the whole range (and `group_by=day` splits by day).
 */
export const WINDOWS = ['hour', 'day', 'month'] as const;
export type Window = (typeof WINDOWS)[number];

/** Day and hour windows span at most three calendar months; month windows a year. */
export const MAX_RANGE_DAYS = 92;
export const MAX_MONTH_RANGE_DAYS = 366;

export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
  /** The bounds as the answer echoes them: a day stays a day, an instant becomes UTC (`…Z`). */
  readonly fromText: string;
  readonly toText: string;
  readonly window?: Window;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const fieldError = (code: string, field: string, message: string) =>
  validation(code, message, [{ path: field, message }]);

/** A bound: `YYYY-MM-DD` → its UTC midnight; an RFC 3339 instant → that instant (already validated). */
export function parseBound(text: string): { at: Date; text: string } {
  if (DAY.test(text)) return { at: new Date(`${text}T00:00:00.000Z`), text };
  const at = new Date(text);
  return { at, text: at.toISOString() };
}

/** True when reading `[from, to)` at this window needs hourly rows (hours, or a bound inside a day). */
export const needsHours = (range: Pick<TimeRange, 'from' | 'to' | 'window'>): boolean =>
  range.window === 'hour' || range.from.getTime() % DAY_MS !== 0 || range.to.getTime() % DAY_MS !== 0;

/**
 * The range of a query, validated: bounds on whole hours, `from` before `to`, at most 92 days (a year
 * for month windows), and hourly rows only where they are kept (the current and the previous period).
 * Defaults: from the current period's start to the next UTC midnight.
 */
export function resolveRange(
  now: Date,
  query: { readonly from?: string; readonly to?: string; readonly window?: Window },
): TimeRange {
  const from = query.from ? parseBound(query.from) : { at: periodOf(now).start, text: `${periodOf(now).key}-01` };
  const tomorrow = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
  const to = query.to ? parseBound(query.to) : { at: tomorrow, text: dayKey(tomorrow) };
  for (const [field, bound] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (bound.at.getTime() % HOUR_MS !== 0) {
      throw fieldError(
        'range_not_on_hour',
        field,
        `\`${field}\` must fall on a whole hour (UTC): usage is counted per hour, so a range inside an hour cannot be exact`,
      );
    }
  }
  if (from.at.getTime() >= to.at.getTime()) throw fieldError('invalid_range', 'from', '`from` must be before `to`');
  const limit = query.window === 'month' ? MAX_MONTH_RANGE_DAYS : MAX_RANGE_DAYS;
  if (to.at.getTime() - from.at.getTime() > limit * DAY_MS) {
    throw fieldError(
      'range_too_long',
      'to',
      `a range spans at most ${limit} days${query.window === 'month' ? '' : ' (a year with window=month)'}`,
    );
  }
  const range: TimeRange = {
    from: from.at,
    to: to.at,
    fromText: from.text,
    toText: to.text,
    ...(query.window ? { window: query.window } : {}),
  };
  const hourlyFrom = previousPeriodStart(now);
  if (needsHours(range) && range.from.getTime() < hourlyFrom.getTime()) {
    throw fieldError(
      'hourly_range_unavailable',
      'from',
      `hourly detail is kept for the current and the previous period: from ${hourlyFrom.toISOString()} on`,
    );
  }
  return range;
}

const previousPeriodStart = (now: Date): Date => periodOf(new Date(periodOf(now).start.getTime() - 1)).start;

/** The billing periods `[from, to)` overlaps, oldest first. */
export function periodsOverlapping(from: Date, to: Date): Period[] {
  const out: Period[] = [];
  for (let p = periodOf(from); p.start.getTime() < to.getTime(); p = nextPeriod(p)) out.push(p);
  return out;
}

/** What to read of one period for a range: days read whole from day rows, and hours from hour rows. */
export interface PeriodPlan {
  readonly period: Period;
  /** Days (`YYYY-MM-DD`) inside the range as a whole, read from day rows. */
  readonly wholeDays: ReadonlySet<string>;
  /** Hour spans `[from, to)` (hour keys) read from hour rows: every hour at hour windows, else the partial days. */
  readonly hourSpans: readonly { readonly from: string; readonly to: string }[];
}

/** Which rows of `period` answer `range` exactly. */
export function planPeriod(period: Period, range: TimeRange): PeriodPlan {
  const start = Math.max(period.start.getTime(), range.from.getTime());
  const end = Math.min(period.end.getTime(), range.to.getTime());
  const wholeDays = new Set<string>();
  const hourSpans: { from: string; to: string }[] = [];
  if (start >= end) return { period, wholeDays, hourSpans };
  if (range.window === 'hour') {
    hourSpans.push({ from: hourKey(new Date(start)), to: hourKey(new Date(end)) });
    return { period, wholeDays, hourSpans };
  }
  const firstWhole = Math.ceil(start / DAY_MS) * DAY_MS;
  const lastWhole = Math.floor(end / DAY_MS) * DAY_MS;
  if (firstWhole >= lastWhole) {
    hourSpans.push({ from: hourKey(new Date(start)), to: hourKey(new Date(end)) });
    return { period, wholeDays, hourSpans };
  }
  if (start < firstWhole) hourSpans.push({ from: hourKey(new Date(start)), to: hourKey(new Date(firstWhole)) });
  for (let d = firstWhole; d < lastWhole; d += DAY_MS) wholeDays.add(dayKey(new Date(d)));
  if (lastWhole < end) hourSpans.push({ from: hourKey(new Date(lastWhole)), to: hourKey(new Date(end)) });
  return { period, wholeDays, hourSpans };
}

/** The window (clipped to the range) a piece of usage at `at` falls in. */
export function windowOf(window: Window, at: Date, range: Pick<TimeRange, 'from' | 'to'>): { start: Date; end: Date } {
  let start: number;
  let end: number;
  if (window === 'hour') {
    start = Math.floor(at.getTime() / HOUR_MS) * HOUR_MS;
    end = start + HOUR_MS;
  } else if (window === 'day') {
    start = Math.floor(at.getTime() / DAY_MS) * DAY_MS;
    end = start + DAY_MS;
  } else {
    const p = periodOf(at);
    start = p.start.getTime();
    end = p.end.getTime();
  }
  return {
    start: new Date(Math.max(start, range.from.getTime())),
    end: new Date(Math.min(end, range.to.getTime())),
  };
}

/** The instant an hour key (`YYYY-MM-DDTHH`) or a day key (`YYYY-MM-DD`) starts at. */
export const startOfKey = (key: string): Date =>
  new Date(key.length === 10 ? `${key}T00:00:00.000Z` : `${key}:00:00.000Z`);
