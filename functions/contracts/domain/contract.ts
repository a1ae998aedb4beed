import { conflict, validation } from '../../kernel/errors';
import { type Currency, Dec, decimal } from '../../kernel/money';
import { findPlanVersion, METERS, type Meter, type MeterPrice, type UsageAllowance } from '../../kernel/pricing/plans';
import type { RatingSheet } from '../../kernel/pricing/rating';

/**
 * Enterprise contracts, pure. A contract is a versioned record with its own lifecycle:
 *
 *   draft ──submit──▶ pending_signature ──sign──▶ signed ──(term start)──▶ active ──(term end)──▶ expired
 *     │                    │                        │                       │
 *     └──void──▶ void      └──void──▶ void          └──terminate──▶ terminated ◀──terminate──┘
 *
 * `sign` makes it `active` at once when its term has started (usage from the signature on is rated
 * under it, never retroactively), else `signed` until the start. `amend` drafts version n+1 of an
 * active contract; signing the amendment ends version n at the amendment's effective instant and
 * starts n+1 there (no gap, no overlap). The contract is in force over [activeFrom, activeUntil).
 */
export const CONTRACT_STATUSES = [
  'draft',
  'pending_signature',
  'signed',
  'active',
  'expired',
  'terminated',
  'void',
  'superseded',
] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

export const CONTRACT_ACTIONS = ['submit', 'sign', 'terminate', 'void', 'amend'] as const;
export type ContractAction = (typeof CONTRACT_ACTIONS)[number];

export type CommitType = 'prepaid' | 'postpaid';

export interface RateOverride {
  readonly meter: Meter;
  readonly model?: string;
  readonly unitAmountDecimal: string;
}

export interface Signatory {
  readonly name: string;
  readonly email: string;
  readonly title?: string;
}

/** The terms of a contract version: what a draft edits and a signature fixes. */
export interface ContractTerms {
  readonly name: string;
  readonly currency: Currency;
  readonly termStart: string;
  readonly termEnd: string;
  readonly commit: { readonly type: CommitType; readonly years: readonly { readonly amountMinor: number }[] };
  readonly rates: { readonly discountPercent: string; readonly overrides: readonly RateOverride[] };
  readonly platformFeeMinor: number;
  readonly included: UsageAllowance;
  /** 0: charged automatically; else invoices are sent with this many days to pay. */
  readonly netDays: number;
  readonly termsText?: string;
  /** What the org's terms are once the contract has ended. */
  readonly onEnd: { readonly planId: string };
  /** What happens to the commitment left when the contract is terminated early. */
  readonly onTermination: 'waive' | 'invoice';
}

export interface Contract extends ContractTerms {
  readonly id: string;
  readonly orgId: string;
  readonly version: number;
  readonly status: ContractStatus;
  /** Version n+1 of an amendment names the version it replaces and from when. */
  readonly amends?: { readonly version: number; readonly effectiveAt: string };
  readonly signatory?: Signatory;
  readonly signedAt?: string;
  /** When it is (or was, or will be) in force: set at signature. */
  readonly activeFrom?: string;
  readonly activeUntil?: string;
  readonly terminatedAt?: string;
  readonly terminationReason?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic concurrency of this version's record. */
  readonly revision: number;
}

export interface ContractYear {
  readonly index: number;
  readonly start: string;
  readonly end: string;
  readonly committedMinor: number;
}

const addYears = (iso: string, years: number): Date => {
  const d = new Date(iso);
  return new Date(
    Date.UTC(
      d.getUTCFullYear() + years,
      d.getUTCMonth(),
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ),
  );
};

/** How many contract years the term spans: each starts on the term start's anniversary; the last may be short. */
export function yearCount(termStart: string, termEnd: string): number {
  let n = 0;
  while (addYears(termStart, n).getTime() < Date.parse(termEnd)) n++;
  return n;
}

export function contractYears(terms: Pick<ContractTerms, 'termStart' | 'termEnd' | 'commit'>): ContractYear[] {
  const n = yearCount(terms.termStart, terms.termEnd);
  return Array.from({ length: n }, (_, i) => {
    const end = Math.min(addYears(terms.termStart, i + 1).getTime(), Date.parse(terms.termEnd));
    return {
      index: i + 1,
      start: addYears(terms.termStart, i).toISOString(),
      end: new Date(end).toISOString(),
      committedMinor: terms.commit.years[i]?.amountMinor ?? 0,
    };
  });
}

/** The contract year an instant falls in (1-based), or undefined outside the term. */
export function yearAt(years: readonly ContractYear[], at: Date): ContractYear | undefined {
  const t = at.getTime();
  return years.find((y) => Date.parse(y.start) <= t && t < Date.parse(y.end));
}

/** The list prices a contract discounts: the metered self-serve list (Pro) in its currency. */
export const LIST_PLAN = { id: 'pro', version: 2 } as const;

export function listSheet(currency: Currency): readonly MeterPrice[] | undefined {
  return findPlanVersion(LIST_PLAN.id, LIST_PLAN.version)?.prices[currency]?.metered;
}

// toFixed(), not toString(): decimal.js writes values below 1e-7 in exponent notation ("8e-7"), which is
// not a decimal string and would make the rating of that meter throw (90 % off 0.000008 is 0.0000008).
const discounted = (unit: string, percent: Dec) => decimal(unit).mul(new Dec(100).minus(percent)).div(100).toFixed();

/**
 * The rating sheet of a contract: each list price discounted by `discount_percent`, unless the rate card
 * names the meter (and model) with its own unit price; rates the list does not have are added.
 * Graduated tiers keep their breakpoints, each rate discounted. Prices stay exact decimal strings.
 */
export function contractSheet(terms: Pick<ContractTerms, 'currency' | 'rates' | 'included'>): RatingSheet {
  const list = listSheet(terms.currency) ?? [];
  const percent = decimal(terms.rates.discountPercent);
  const key = (meter: string, model?: string) => `${meter}|${model ?? ''}`;
  const overrides = new Map(terms.rates.overrides.map((o) => [key(o.meter, o.model), o] as const));
  const prices: MeterPrice[] = list.map((price) => {
    const override = overrides.get(key(price.meter, price.model));
    if (override)
      return {
        meter: price.meter,
        ...(price.model ? { model: price.model } : {}),
        unitAmountDecimal: override.unitAmountDecimal,
      };
    return {
      ...price,
      unitAmountDecimal: discounted(price.unitAmountDecimal, percent),
      ...(price.tiers
        ? { tiers: price.tiers.map((t) => ({ ...t, unitAmountDecimal: discounted(t.unitAmountDecimal, percent) })) }
        : {}),
    };
  });
  for (const o of terms.rates.overrides) {
    if (!list.some((p) => key(p.meter, p.model) === key(o.meter, o.model))) {
      prices.push({ meter: o.meter, ...(o.model ? { model: o.model } : {}), unitAmountDecimal: o.unitAmountDecimal });
    }
  }
  return { currency: terms.currency, prices, included: terms.included };
}

/**
 * Checks terms a draft may hold: a term that ends after it starts, one commitment per contract year,
 * non-negative money, rates for known meters, a currency with list prices. Field paths are the wire's.
 */
export function validateTerms(terms: ContractTerms, settlesIn: readonly Currency[]): void {
  const problems: { path: string; message: string; code: string }[] = [];
  if (Date.parse(terms.termEnd) <= Date.parse(terms.termStart)) {
    problems.push({ path: 'term.end', message: 'the term must end after it starts', code: 'invalid_range' });
  } else {
    const n = yearCount(terms.termStart, terms.termEnd);
    if (terms.commit.years.length !== n) {
      problems.push({
        path: 'commit.years',
        message: `the term has ${n} contract year(s): give one commitment each`,
        code: 'invalid_length',
      });
    }
  }
  terms.commit.years.forEach((y, i) => {
    if (y.amountMinor < 0)
      problems.push({ path: `commit.years.${i}.amount_minor`, message: 'must not be negative', code: 'too_small' });
  });
  if (!settlesIn.includes(terms.currency)) {
    problems.push({ path: 'currency', message: `the org settles in ${settlesIn.join(', ')}`, code: 'invalid_value' });
  } else if (!listSheet(terms.currency)) {
    problems.push({
      path: 'currency',
      message: `there are no list prices in ${terms.currency} to contract from`,
      code: 'invalid_value',
    });
  }
  terms.rates.overrides.forEach((o, i) => {
    if (!(METERS as readonly string[]).includes(o.meter)) {
      problems.push({ path: `rates.overrides.${i}.meter`, message: `unknown meter ${o.meter}`, code: 'invalid_value' });
    }
  });
  const percent = Number(terms.rates.discountPercent);
  if (!(percent >= 0 && percent < 100)) {
    problems.push({
      path: 'rates.discount_percent',
      message: 'a percentage from 0 up to (not including) 100',
      code: 'invalid_value',
    });
  }
  if (terms.platformFeeMinor < 0)
    problems.push({ path: 'platform_fee_minor', message: 'must not be negative', code: 'too_small' });
  if (!findPlanVersion(terms.onEnd.planId))
    problems.push({ path: 'on_end.plan_id', message: `unknown plan ${terms.onEnd.planId}`, code: 'invalid_value' });
  if (problems.length > 0) throw validation('invalid_request', 'the contract is invalid', problems);
}

/** The statuses each action may start from: anything else is 409 `invalid_transition`. */
const FROM: Record<ContractAction, readonly ContractStatus[]> = {
  submit: ['draft'],
  sign: ['pending_signature'],
  terminate: ['signed', 'active'],
  void: ['draft', 'pending_signature'],
  amend: ['active'],
};

export function assertTransition(contract: Pick<Contract, 'status' | 'id'>, action: ContractAction): void {
  if (!FROM[action].includes(contract.status)) {
    throw conflict('invalid_transition', `a ${contract.status} contract cannot ${action}`, {
      status: contract.status,
      action,
      allowed_from: FROM[action],
    });
  }
}

/** The interval the contract is in force once signed at `signedAt`: never before the signature. */
export function activeInterval(
  contract: Pick<Contract, 'termStart' | 'termEnd' | 'amends'>,
  signedAt: Date,
): { from: string; until: string } {
  const start = contract.amends ? Date.parse(contract.amends.effectiveAt) : Date.parse(contract.termStart);
  return {
    from: new Date(Math.max(start, signedAt.getTime())).toISOString(),
    until: contract.termEnd,
  };
}

/** Whether two half-open intervals share an instant. */
export const overlaps = (a: { from: string; until: string }, b: { from: string; until: string }): boolean =>
  a.from < b.until && b.from < a.until;
