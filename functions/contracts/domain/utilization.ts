import { Dec } from '../../kernel/money';
import type { Meter } from '../../kernel/pricing/plans';
import type { ContractYear } from './contract';

export interface MeterConsumption {
  readonly meter: Meter;
  readonly model?: string;
  readonly quantity: number;
  readonly amountMinor: number;
}

/**
 * What a contract year consumed in one billing period: the part of the period inside the year and in
 * force (`from`, `to`: the part of the period in the year, not before the contract came into force
 * nor after now or its end). In order, they add up to the year's consumption, so a client can draw
 * the year's burn-down from the same ratings the invoices bill.
 */
export interface PeriodConsumption {
  /** The billing period (`YYYY-MM`). */
  readonly period: string;
  readonly from: string;
  readonly to: string;
  readonly consumedMinor: number;
}

export interface YearUtilization {
  readonly year: ContractYear;
  readonly consumedMinor: number;
  readonly remainingMinor: number;
  /** Consumed / committed, as a decimal string with two places; null for a year with no commitment. */
  readonly percentUsed: string | null;
  readonly overageMinor: number;
  readonly byMeter: readonly MeterConsumption[];
  /** Oldest first; empty for a year not in force yet. */
  readonly byPeriod: readonly PeriodConsumption[];
}

export function yearUtilization(
  year: ContractYear,
  lines: readonly MeterConsumption[],
  byPeriod: readonly PeriodConsumption[] = [],
): YearUtilization {
  const sums = new Map<string, MeterConsumption>();
  for (const l of lines) {
    const key = `${l.meter}|${l.model ?? ''}`;
    const prev = sums.get(key);
    sums.set(key, {
      meter: l.meter,
      ...(l.model ? { model: l.model } : {}),
      quantity: (prev?.quantity ?? 0) + l.quantity,
      amountMinor: (prev?.amountMinor ?? 0) + l.amountMinor,
    });
  }
  const consumed = [...sums.values()].reduce((s, l) => s + l.amountMinor, 0);
  return {
    year,
    consumedMinor: consumed,
    remainingMinor: Math.max(0, year.committedMinor - consumed),
    percentUsed:
      year.committedMinor > 0
        ? new Dec(consumed).mul(100).div(year.committedMinor).toDecimalPlaces(2).toFixed(2)
        : null,
    overageMinor: Math.max(0, consumed - year.committedMinor),
    byMeter: [...sums.values()].sort((a, b) =>
      a.meter === b.meter ? (a.model ?? '').localeCompare(b.model ?? '') : a.meter.localeCompare(b.meter),
    ),
    byPeriod,
  };
}

export interface CommitmentProjection {
  readonly method: 'year_to_date_run_rate';
  /** Spend per day over the part of the year the contract has been in force. */
  readonly burnRatePerDayMinor: number;
  readonly projectedYearMinor: number;
  /** Prepaid: when the commitment runs out at this rate (null: it lasts the year, or nothing is burning). */
  readonly exhaustedAt: string | null;
  /** Postpaid: what the year-end true-up would be at this rate (null for prepaid). */
  readonly shortfallMinor: number | null;
}

/**
 * Where the current year is heading at its year-to-date burn rate (measured from when the contract came
 * into force in the year, not from the year's start). Simple on purpose, and named: a year of committed
 * spend is long enough that the run rate is a sound first estimate.
 */
export function projectYear(
  year: ContractYear,
  inForceFrom: string,
  consumedMinor: number,
  commitType: 'prepaid' | 'postpaid',
  now: Date,
): CommitmentProjection {
  const from = Math.max(Date.parse(year.start), Date.parse(inForceFrom));
  const end = Date.parse(year.end);
  const elapsedMs = Math.max(1, Math.min(now.getTime(), end) - from);
  const perMs = new Dec(consumedMinor).div(elapsedMs);
  const projected = new Dec(consumedMinor)
    .plus(perMs.mul(Math.max(0, end - now.getTime())))
    .toDecimalPlaces(0)
    .toNumber();
  let exhaustedAt: string | null = null;
  if (
    commitType === 'prepaid' &&
    perMs.gt(0) &&
    year.committedMinor > consumedMinor &&
    projected > year.committedMinor
  ) {
    const msLeft = new Dec(year.committedMinor - consumedMinor).div(perMs).toDecimalPlaces(0).toNumber();
    exhaustedAt = new Date(now.getTime() + msLeft).toISOString();
  } else if (commitType === 'prepaid' && consumedMinor >= year.committedMinor && year.committedMinor > 0) {
    exhaustedAt = now.toISOString();
  }
  return {
    method: 'year_to_date_run_rate',
    burnRatePerDayMinor: perMs.mul(86_400_000).toDecimalPlaces(0).toNumber(),
    projectedYearMinor: projected,
    exhaustedAt,
    shortfallMinor: commitType === 'postpaid' ? Math.max(0, year.committedMinor - projected) : null,
  };
}
