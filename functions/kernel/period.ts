/**
 * Billing periods are calendar months in UTC, half-open [start, end). Every subscription's periods
 * share these boundaries (a subscription that starts mid-month has a short first period), so usage can
 * be aggregated by period without reading the subscription on the hot path, and one period has exactly
 * one currency.
 */
export interface Period {
  /** `YYYY-MM`: the key of the period in aggregates and invoices. */
  readonly key: string;
  readonly start: Date;
  readonly end: Date;
}

export function periodOf(at: Date): Period {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return { key: start.toISOString().slice(0, 7), start, end };
}

export function periodByKey(key: string): Period {
  if (!/^\d{4}-\d{2}$/.test(key)) throw new Error(`not a period key: ${key}`);
  return periodOf(new Date(`${key}-01T00:00:00.000Z`));
}

export const nextPeriod = (p: Period): Period => periodOf(p.end);

export const contains = (p: Pick<Period, 'start' | 'end'>, at: Date): boolean =>
  at.getTime() >= p.start.getTime() && at.getTime() < p.end.getTime();

/** UTC day key `YYYY-MM-DD`. */
export const dayKey = (at: Date): string => at.toISOString().slice(0, 10);
/** UTC hour key `YYYY-MM-DDTHH`, the finest time dimension of aggregates. */
export const hourKey = (at: Date): string => at.toISOString().slice(0, 13);
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
