import {
  type BillingModel,
  CATALOG,
  findPlanVersion,
  type Meter,
  type MeterPrice,
  type PlanVersion,
  type PriceTier,
  type UsageAllowance,
} from './catalog/plans';
import { type Currency, Dec, decimal, roundMinor } from './money';
import type { MeterQuantity } from './usage';

/**
 * Rating: quantities → money under a price sheet. Pure and general: the usage summary, cost analytics
 * and forecast use it today; invoicing and enterprise contracts (negotiated rates) reuse it by passing
 * their own sheet.
 *
 * Rules (docs/usage.md):
 *  - unit prices are decimal strings in minor units per unit; arithmetic is exact (decimal.js);
 *  - included usage is consumed first, pool by pool (llm_tokens covers every token meter and model),
 *    by the most expensive units first (the customer-favourable, deterministic order);
 *  - graduated tiers count the period's *billable* units (after included usage);
 *  - exactly one rounding per line (half away from zero); the total is the sum of the lines.
 */
export interface RatingSheet {
  readonly currency: Currency;
  /** Per-unit prices; usage with no price here is counted but not charged (`priced: false`). */
  readonly prices: readonly MeterPrice[];
  readonly included: UsageAllowance;
}

export interface RatedTier {
  readonly upTo: number | null;
  readonly unitAmountDecimal: string;
  readonly quantity: number;
}

export interface RatedLine {
  readonly meter: Meter;
  readonly model?: string;
  readonly quantity: number;
  readonly includedQuantity: number;
  readonly billableQuantity: number;
  readonly priced: boolean;
  readonly tiers: readonly RatedTier[];
  /** Exact amount in minor units before the line's one rounding (decimal string). */
  readonly preciseAmountMinor: string;
  readonly amountMinor: number;
}

export interface Rating {
  readonly currency: Currency;
  readonly lines: readonly RatedLine[];
  readonly totalMinor: number;
  /** Included usage not yet consumed, per pool. */
  readonly includedRemaining: UsageAllowance;
}

export type AllowancePool = keyof UsageAllowance;

export function poolOf(meter: Meter): AllowancePool {
  if (meter === 'tool_invocations') return 'tool_invocations';
  if (meter === 'agent_runs') return 'agent_runs';
  return 'llm_tokens';
}

function priceFor(prices: readonly MeterPrice[], meter: Meter, model: string | undefined): MeterPrice | undefined {
  return prices.find((p) => p.meter === meter && (p.model ?? undefined) === (model || undefined));
}

function tiersOf(price: MeterPrice): readonly PriceTier[] {
  return price.tiers?.length ? price.tiers : [{ upTo: null, unitAmountDecimal: price.unitAmountDecimal }];
}

/** Spreads `quantity` billable units over graduated tiers (counted from the first billable unit). */
export function applyTiers(tiers: readonly PriceTier[], quantity: number): { tiers: RatedTier[]; precise: Dec } {
  const out: RatedTier[] = [];
  let precise = new Dec(0);
  let floor = 0;
  let left = quantity;
  for (const tier of tiers) {
    if (left <= 0) break;
    const capacity = tier.upTo === null ? left : Math.max(0, tier.upTo - floor);
    const take = Math.min(left, capacity);
    if (take > 0) {
      out.push({ upTo: tier.upTo, unitAmountDecimal: tier.unitAmountDecimal, quantity: take });
      precise = precise.plus(decimal(tier.unitAmountDecimal).mul(take));
      left -= take;
    }
    if (tier.upTo !== null) floor = tier.upTo;
  }
  if (left > 0) throw new Error('price tiers must end with an open tier (upTo: null)');
  return { tiers: out, precise };
}

export function rate(sheet: RatingSheet, quantities: readonly MeterQuantity[]): Rating {
  // Merge repeated (meter, model) entries so each becomes exactly one line.
  const merged = new Map<string, MeterQuantity>();
  for (const q of quantities) {
    const key = `${q.meter}|${q.model ?? ''}`;
    const prev = merged.get(key);
    merged.set(key, { ...q, quantity: (prev?.quantity ?? 0) + q.quantity });
  }
  const entries = [...merged.values()].map((q) => ({ q, price: priceFor(sheet.prices, q.meter, q.model) }));

  // Included usage: most expensive first-tier unit price first; ties by meter, then model (deterministic).
  const remaining: Record<AllowancePool, number> = {
    llm_tokens: sheet.included.llm_tokens ?? 0,
    tool_invocations: sheet.included.tool_invocations ?? 0,
    agent_runs: sheet.included.agent_runs ?? 0,
  };
  const order = [...entries].sort((a, b) => {
    const pa = a.price ? decimal(tiersOf(a.price)[0]!.unitAmountDecimal) : new Dec(0);
    const pb = b.price ? decimal(tiersOf(b.price)[0]!.unitAmountDecimal) : new Dec(0);
    const byPrice = pb.comparedTo(pa);
    if (byPrice !== 0) return byPrice;
    return a.q.meter === b.q.meter
      ? (a.q.model ?? '').localeCompare(b.q.model ?? '')
      : a.q.meter.localeCompare(b.q.meter);
  });
  const includedOf = new Map<MeterQuantity, number>();
  for (const { q } of order) {
    const pool = poolOf(q.meter);
    const used = Math.min(q.quantity, remaining[pool]);
    remaining[pool] -= used;
    includedOf.set(q, used);
  }

  const lines: RatedLine[] = entries
    .map(({ q, price }) => {
      const includedQuantity = includedOf.get(q) ?? 0;
      const billableQuantity = q.quantity - includedQuantity;
      const { tiers, precise } = price
        ? applyTiers(tiersOf(price), billableQuantity)
        : { tiers: [], precise: new Dec(0) };
      return {
        meter: q.meter,
        ...(q.model ? { model: q.model } : {}),
        quantity: q.quantity,
        includedQuantity,
        billableQuantity,
        priced: price !== undefined,
        tiers,
        preciseAmountMinor: precise.toString(),
        amountMinor: roundMinor(precise), // the line's one rounding
      };
    })
    .sort((a, b) =>
      a.meter === b.meter ? (a.model ?? '').localeCompare(b.model ?? '') : a.meter.localeCompare(b.meter),
    );

  const includedRemaining: UsageAllowance = {};
  for (const pool of Object.keys(sheet.included) as AllowancePool[]) includedRemaining[pool] = remaining[pool];
  return {
    currency: sheet.currency,
    lines,
    totalMinor: lines.reduce((sum, l) => sum + l.amountMinor, 0),
    includedRemaining,
  };
}

/**
 * Splits an integer amount over weights exactly (largest remainder): the parts sum to the amount, so a
 * cost report's rows always add up to the rated lines they come from. Ties go to the earlier weight.
 */
export function allocate(amountMinor: number, weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  if (total === 0) return weights.map(() => 0);
  const exact = weights.map((w) => new Dec(amountMinor).mul(w).div(total));
  const floors = exact.map((e) => e.floor().toNumber());
  let left = amountMinor - floors.reduce((s, f) => s + f, 0);
  const byRemainder = exact
    .map((e, i) => ({ i, r: e.minus(e.floor()) }))
    .sort((a, b) => b.r.comparedTo(a.r) || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    floors[i]! += 1;
    left -= 1;
  }
  return floors;
}

export const FREE_PLAN_ID = 'free';

/** What rating needs to know of the terms in force (the app's ActiveTerms has this shape and more). */
export interface PlanTerms {
  readonly planId: string;
  readonly planVersion: number;
  readonly billingModel: BillingModel;
  readonly currency: Currency;
}

/** The terms usage is rated under when the org has none on record: the free plan in its default currency. */
export function freeTerms(currency: Currency, catalog: readonly PlanVersion[] = CATALOG): PlanTerms {
  const plan = findPlanVersion(FREE_PLAN_ID, undefined, catalog);
  if (!plan) throw new Error('the catalog has no free plan');
  return { planId: plan.id, planVersion: plan.version, billingModel: 'free', currency };
}

/**
 * The sheet usage is rated under for a plan version, billing model and currency:
 *  - `free`: nothing is charged (hard limits cap the usage instead);
 *  - `metered`: the plan's metered prices after included usage;
 *  - `flat`: the flat fee covers the included usage; overage is charged at the plan's metered prices in
 *    that currency when it has them, otherwise it is counted but not charged;
 *  - `enterprise`: contract rates (a later capability passes its own sheet); the plan sheet until then.
 */
export function ratingSheetFor(plan: PlanVersion, billingModel: BillingModel, currency: Currency): RatingSheet {
  const prices = billingModel === 'free' ? [] : (plan.prices[currency]?.metered ?? []);
  return { currency, prices, included: plan.included };
}

export function planOf(terms: PlanTerms, catalog: readonly PlanVersion[] = CATALOG): PlanVersion {
  const plan = findPlanVersion(terms.planId, terms.planVersion, catalog);
  if (!plan) throw new Error(`unknown plan version ${terms.planId}@${terms.planVersion}`);
  return plan;
}
