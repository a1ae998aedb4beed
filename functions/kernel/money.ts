import Decimal from 'decimal.js';
import { validation } from './errors';

/**
 * Money is an integer count of minor units plus an ISO 4217 code. Unit prices for AI usage are far
 * below one minor unit, so they are decimal strings (like Stripe's `unit_amount_decimal`, in minor
 * units) and all arithmetic on them goes through decimal.js; a JS float never holds money.
 */
export interface Money {
  readonly amountMinor: number;
  readonly currency: Currency;
}

/** ISO 4217 minor-unit exponents of the currencies the product settles in. */
export const CURRENCY_EXPONENTS = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  JPY: 0,
  KWD: 3,
} as const;
export type Currency = keyof typeof CURRENCY_EXPONENTS;
export const CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as Currency[];

export const isCurrency = (value: string): value is Currency => Object.hasOwn(CURRENCY_EXPONENTS, value);

export function parseCurrency(value: string): Currency {
  const upper = value.toUpperCase();
  if (!isCurrency(upper)) throw validation('unsupported_currency', `currency ${value} is not supported`);
  return upper;
}

/**
 * A private Decimal constructor: precision far beyond any invoice, and the rounding mode named here.
 * ROUND_HALF_UP in decimal.js rounds half *away from zero* (−2.5 → −3), which is the billing rule: a
 * credit rounds exactly like the matching charge.
 */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
export type Dec = Decimal;

/** A decimal string such as "0.0003" or "1500" (no exponent, no sign unless negative). */
export const DECIMAL_STRING = /^-?\d+(\.\d+)?$/;

export function decimal(value: string | number | Decimal): Decimal {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new Error('decimal(): only safe integers may enter as numbers; pass fractional values as strings');
  }
  if (typeof value === 'string' && !DECIMAL_STRING.test(value)) {
    throw validation('invalid_decimal', `"${value}" is not a decimal string`);
  }
  return new Dec(value);
}

/**
 * The one rounding of a line: a precise minor-unit amount becomes a billable integer, half away from
 * zero. Call it once per invoice line, never on intermediate values.
 */
export function roundMinor(precise: Decimal): number {
  const rounded = precise.toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
  const n = rounded.toNumber();
  if (!Number.isSafeInteger(n)) throw new Error(`amount ${precise.toString()} exceeds the safe integer range`);
  return n;
}

export function money(amountMinor: number, currency: Currency): Money {
  if (!Number.isSafeInteger(amountMinor)) throw new Error(`amountMinor must be a safe integer, got ${amountMinor}`);
  return { amountMinor, currency };
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new Error(`cannot add ${a.currency} to ${b.currency}`);
  return money(a.amountMinor + b.amountMinor, a.currency);
}

export const sumMinor = (amounts: readonly number[]): number => amounts.reduce((s, a) => s + a, 0);

/** "12.34" for display and exports: exact, from the integer, with the currency's exponent. */
export function formatMajor({ amountMinor, currency }: Money): string {
  return new Dec(amountMinor).div(new Dec(10).pow(CURRENCY_EXPONENTS[currency])).toFixed(CURRENCY_EXPONENTS[currency]);
}

/** Converts a major-unit decimal string ("49.00") to minor units; rejects more decimals than the currency has. */
export function majorToMinor(major: string, currency: Currency): number {
  const value = decimal(major).mul(new Dec(10).pow(CURRENCY_EXPONENTS[currency]));
  if (!value.isInteger()) throw validation('too_many_decimals', `${major} has more decimals than ${currency} allows`);
  return value.toNumber();
}
