import { type Currency, Dec, decimal, roundMinor } from '../money';
import {
  type BillingModel,
  CATALOG,
  findPlanVersion,
  type Meter,
  type MeterPrice,
  type PlanVersion,
  type PriceTier,
  type UsageAllowance,
} from './plans';
import { type MeterQuantity, totalsByMeterModel, type UsageCell } from './quantities';

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
 *
 * A period whose terms changed part-way (an upgrade, a model switch, a cancellation) is rated stretch
 * by stretch, each under its own sheet (`ratePeriod`): the period's included usage and tier counts run
 * on in time order across the stretches, so a switch neither renews nor forfeits what was used.
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
  /** The stretch of the period the line belongs to (its start, ISO); absent when rated without stretches. */
  readonly termsFrom?: string;
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

/**
 * Spreads `quantity` billable units over graduated tiers, counted from the period's first billable unit:
 * `billedBefore` units of the same meter and model were billed earlier in the period (in an earlier
 * stretch), so these start where those ended.
 */
export function applyTiers(
  tiers: readonly PriceTier[],
  quantity: number,
  billedBefore = 0,
): { tiers: RatedTier[]; precise: Dec } {
  const out: RatedTier[] = [];
  let precise = new Dec(0);
  let floor = 0;
  let left = quantity;
  for (const tier of tiers) {
    if (left <= 0) break;
    const start = Math.max(floor, billedBefore);
    const capacity = tier.upTo === null ? left : Math.max(0, tier.upTo - start);
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

/** What earlier stretches of the same period used: included usage and tier positions run on from there. */
export interface RatedBefore {
  /** Units of each allowance pool used earlier in the period (included or billed). */
  readonly usedByPool: Readonly<Partial<Record<AllowancePool, number>>>;
  /** Billable units per `<meter>|<model>` earlier in the period (tiers continue from them). */
  readonly billedByLine: ReadonlyMap<string, number>;
}

const NOTHING_BEFORE: RatedBefore = { usedByPool: {}, billedByLine: new Map() };
const lineKey = (meter: Meter, model: string | undefined) => `${meter}|${model ?? ''}`;

export function rate(
  sheet: RatingSheet,
  quantities: readonly MeterQuantity[],
  before: RatedBefore = NOTHING_BEFORE,
): Rating {
  // Merge repeated (meter, model) entries so each becomes exactly one line.
  const merged = new Map<string, MeterQuantity>();
  for (const q of quantities) {
    const key = lineKey(q.meter, q.model);
    const prev = merged.get(key);
    merged.set(key, { ...q, quantity: (prev?.quantity ?? 0) + q.quantity });
  }
  const entries = [...merged.values()].map((q) => ({ q, price: priceFor(sheet.prices, q.meter, q.model) }));

  // Included usage: most expensive first-tier unit price first; ties by meter, then model (deterministic).
  // The allowance is the period's: usage earlier in the period has already used its share of it.
  const left = (pool: AllowancePool) => Math.max(0, (sheet.included[pool] ?? 0) - (before.usedByPool[pool] ?? 0));
  const remaining: Record<AllowancePool, number> = {
    llm_tokens: left('llm_tokens'),
    tool_invocations: left('tool_invocations'),
    agent_runs: left('agent_runs'),
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
        ? applyTiers(tiersOf(price), billableQuantity, before.billedByLine.get(lineKey(q.meter, q.model)) ?? 0)
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

/** One stretch of a period under one set of terms: from `from` (ISO) until the next stretch starts. */
export interface RatingStretch {
  readonly from: string;
  readonly sheet: RatingSheet;
}

export interface StretchRating {
  readonly from: string;
  readonly rating: Rating;
}

export interface PeriodRating extends Rating {
  readonly stretches: readonly StretchRating[];
}

/** The stretch a cell's usage is rated in: the last one starting at or before its tag (the first if none). */
export function stretchIndexOf(stretches: readonly { from: string }[], termsFrom: string | undefined): number {
  if (termsFrom === undefined) return 0;
  let index = 0;
  stretches.forEach((s, i) => {
    if (s.from <= termsFrom) index = i;
  });
  return index;
}

/** True when the cell's usage is part of the rated line: same meter and model, and the line's stretch. */
export function cellOfLine(rating: Rating | PeriodRating, line: RatedLine, cell: UsageCell): boolean {
  if (cell.meter !== line.meter || cell.model !== (line.model ?? '')) return false;
  if (line.termsFrom === undefined || !('stretches' in rating)) return true;
  return rating.stretches[stretchIndexOf(rating.stretches, cell.termsFrom)]!.from === line.termsFrom;
}

/**
 * Rates a period whose terms may have changed part-way. `stretches` are in time order, the first one
 * starting at the period start; each cell's `termsFrom` names the stretch its usage was counted in
 * (cells without it belong to the first). Each stretch is rated under its own sheet, in time order:
 *  - included usage is a period allowance: a stretch gets its plan's allowance minus every unit of that
 *    pool used earlier in the period (so an upgrade to a larger allowance covers the rest of the period
 *    up to it, and a switch never hands out a second allowance);
 *  - graduated tiers continue from the billable units of the same meter and model earlier in the period;
 *  - one rounding per (stretch, meter, model) line; the total is the sum of the lines.
 * All of a period is rated in one currency (the last stretch's); a stretch in another currency may only
 * charge nothing (the free fallback in the org's default currency), which subscriptions guarantee.
 */
export function ratePeriod(stretches: readonly RatingStretch[], cells: readonly UsageCell[]): PeriodRating {
  if (stretches.length === 0) throw new Error('a period is rated under at least one stretch of terms');
  const cellsOf = stretches.map(() => [] as UsageCell[]);
  for (const cell of cells) cellsOf[stretchIndexOf(stretches, cell.termsFrom)]!.push(cell);

  const currency = stretches[stretches.length - 1]!.sheet.currency;
  const usedByPool: Partial<Record<AllowancePool, number>> = {};
  const billedByLine = new Map<string, number>();
  const rated: StretchRating[] = [];
  stretches.forEach((stretch, i) => {
    const rating = rate(stretch.sheet, totalsByMeterModel(cellsOf[i]!), {
      usedByPool: { ...usedByPool },
      billedByLine: new Map(billedByLine),
    });
    if (stretch.sheet.currency !== currency && rating.totalMinor !== 0) {
      throw new Error(`a period is rated in one currency: ${stretch.sheet.currency} and ${currency} both charge`);
    }
    for (const line of rating.lines) {
      const pool = poolOf(line.meter);
      usedByPool[pool] = (usedByPool[pool] ?? 0) + line.quantity;
      const key = lineKey(line.meter, line.model);
      billedByLine.set(key, (billedByLine.get(key) ?? 0) + line.billableQuantity);
    }
    rated.push({
      from: stretch.from,
      rating: { ...rating, lines: rating.lines.map((l) => ({ termsFrom: stretch.from, ...l })) },
    });
  });
  const lines = rated.flatMap((s) => s.rating.lines);
  return {
    currency,
    lines,
    totalMinor: lines.reduce((sum, l) => sum + l.amountMinor, 0),
    includedRemaining: rated[rated.length - 1]!.rating.includedRemaining,
    stretches: rated,
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

/**
 * Under an enterprise contract: which contract version and contract year is in force, and its rates.
 * A new contract year is a new stretch (so usage is attributed to the year it falls in), even when the
 * rates do not change.
 */
export interface ContractRef {
  readonly id: string;
  readonly version: number;
  readonly year: number;
  readonly sheet: RatingSheet;
  /** A fee per billing period (minor units), billed like a flat fee. */
  readonly platformFeeMinor: number;
  /** 0: invoices are charged automatically; else sent with this many days to pay. */
  readonly netDays: number;
}

/** What rating needs to know of the terms in force (the app's ActiveTerms has this shape and more). */
export interface PlanTerms {
  readonly planId: string;
  readonly planVersion: number;
  readonly billingModel: BillingModel;
  readonly currency: Currency;
  /** Set while an enterprise contract's negotiated rates apply: its sheet replaces the plan's. */
  readonly contract?: ContractRef;
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
