import type { Currency } from '../money';

/**
 * The plan catalog, as code. Plan versions are immutable: changing a price means appending a new
 * version of the plan here; subscriptions keep the (plan, version) they were sold until moved.
 *
 * Unit prices are decimal strings in *minor units per unit* (Stripe's `unit_amount_decimal`
 * convention): claude-sonnet-4 input at $3.00 per million tokens is "0.0003" cents per token.
 */
export const METERS = [
  'llm_input_tokens',
  'llm_output_tokens',
  'llm_cached_input_tokens',
  'tool_invocations',
  'agent_runs',
] as const;
export type Meter = (typeof METERS)[number];

export const BILLING_MODELS = ['free', 'flat', 'metered', 'enterprise'] as const;
export type BillingModel = (typeof BILLING_MODELS)[number];

/** Graduated tier: units up to `upTo` (inclusive, cumulative across the period) at this price. */
export interface PriceTier {
  readonly upTo: number | null;
  readonly unitAmountDecimal: string;
}

export interface MeterPrice {
  readonly meter: Meter;
  /** Token meters are priced per model; unset for tool invocations and agent runs. */
  readonly model?: string;
  readonly unitAmountDecimal: string;
  /** When present, graduated tiers replace `unitAmountDecimal` (which then equals the first tier). */
  readonly tiers?: readonly PriceTier[];
}

export interface PriceSheet {
  /** Flat fee per billing period, integer minor units. */
  readonly flatFeeMinor: number;
  /** Per-unit prices for the metered model; absent when the plan has no metered price in this currency. */
  readonly metered?: readonly MeterPrice[];
}

/** Usage included in each period before metered prices apply (or, for hard limits, the cap). */
export type UsageAllowance = Partial<Record<'llm_tokens' | 'tool_invocations' | 'agent_runs', number>>;

export interface PlanVersion {
  readonly id: string;
  readonly version: number;
  readonly name: string;
  readonly description: string;
  readonly billingModels: readonly BillingModel[];
  readonly defaultBillingModel: BillingModel;
  /** Enterprise is activated by a contract, never bought self-serve. */
  readonly selfServe: boolean;
  readonly prices: Readonly<Partial<Record<Currency, PriceSheet>>>;
  readonly included: UsageAllowance;
  /** Hard limits: usage beyond these is refused (enforced as `block` budgets). */
  readonly hardLimits?: UsageAllowance;
  readonly effectiveFrom: string;
}

const MODELS = {
  'claude-opus-4': {
    USD: ['0.0015', '0.0075', '0.00015'],
    EUR: ['0.0014', '0.007', '0.00014'],
    GBP: ['0.0012', '0.006', '0.00012'],
    JPY: ['0.00225', '0.01125', '0.000225'],
  },
  'claude-sonnet-4': {
    USD: ['0.0003', '0.0015', '0.00003'],
    EUR: ['0.00028', '0.0014', '0.000028'],
    GBP: ['0.00024', '0.0012', '0.000024'],
    JPY: ['0.00045', '0.00225', '0.000045'],
  },
  'claude-haiku-4': {
    USD: ['0.00008', '0.0004', '0.000008'],
    EUR: ['0.000075', '0.00037', '0.0000075'],
    GBP: ['0.000064', '0.00032', '0.0000064'],
    JPY: ['0.00012', '0.0006', '0.000012'],
  },
} as const satisfies Record<string, Record<PricedCurrency, readonly [string, string, string]>>;

export const CATALOG_MODELS = Object.keys(MODELS);

type PricedCurrency = 'USD' | 'EUR' | 'GBP' | 'JPY';

function tokenPrices(currency: PricedCurrency): MeterPrice[] {
  return Object.entries(MODELS).flatMap(([model, byCurrency]) => {
    const [input, output, cached] = byCurrency[currency];
    return [
      { meter: 'llm_input_tokens', model, unitAmountDecimal: input },
      { meter: 'llm_output_tokens', model, unitAmountDecimal: output },
      { meter: 'llm_cached_input_tokens', model, unitAmountDecimal: cached },
    ] satisfies MeterPrice[];
  });
}

function meteredSheet(currency: PricedCurrency, toolTiers: [string, string], agentRun: string): MeterPrice[] {
  return [
    ...tokenPrices(currency),
    {
      meter: 'tool_invocations',
      unitAmountDecimal: toolTiers[0],
      tiers: [
        { upTo: 100_000, unitAmountDecimal: toolTiers[0] },
        { upTo: null, unitAmountDecimal: toolTiers[1] },
      ],
    },
    { meter: 'agent_runs', unitAmountDecimal: agentRun },
  ];
}

const FIRST_VERSIONS: readonly PlanVersion[] = [
  {
    id: 'free',
    version: 1,
    name: 'Free evaluation',
    description: 'Try the platform: hard monthly limits, no payment method needed.',
    billingModels: ['free'],
    defaultBillingModel: 'free',
    selfServe: true,
    prices: { USD: { flatFeeMinor: 0 }, EUR: { flatFeeMinor: 0 }, GBP: { flatFeeMinor: 0 } },
    included: { llm_tokens: 1_000_000, tool_invocations: 1_000, agent_runs: 100 },
    hardLimits: { llm_tokens: 1_000_000, tool_invocations: 1_000, agent_runs: 100 },
    effectiveFrom: '2026-01-01T00:00:00.000Z',
  },
  {
    id: 'team',
    version: 1,
    name: 'Team',
    description: 'A flat monthly fee with generous included usage; switch to metered any time.',
    billingModels: ['flat', 'metered'],
    defaultBillingModel: 'flat',
    selfServe: true,
    prices: {
      USD: { flatFeeMinor: 4_900, metered: meteredSheet('USD', ['0.1', '0.05'], '2') },
      EUR: { flatFeeMinor: 4_500, metered: meteredSheet('EUR', ['0.09', '0.045'], '1.8') },
      // No metered GBP price: a GBP team subscription cannot switch to metered (metered_price_missing).
      GBP: { flatFeeMinor: 3_900 },
    },
    included: { llm_tokens: 20_000_000, tool_invocations: 50_000, agent_runs: 5_000 },
    effectiveFrom: '2026-01-01T00:00:00.000Z',
  },
  {
    id: 'pro',
    version: 1,
    name: 'Pro (metered)',
    description: 'Pay for what your agents use: per-model token prices, per-tool-call and per-run prices.',
    billingModels: ['metered', 'flat'],
    defaultBillingModel: 'metered',
    selfServe: true,
    prices: {
      USD: { flatFeeMinor: 19_900, metered: meteredSheet('USD', ['0.08', '0.04'], '1.5') },
      EUR: { flatFeeMinor: 18_500, metered: meteredSheet('EUR', ['0.075', '0.037'], '1.4') },
      GBP: { flatFeeMinor: 15_900, metered: meteredSheet('GBP', ['0.065', '0.032'], '1.2') },
    },
    included: {},
    effectiveFrom: '2026-01-01T00:00:00.000Z',
  },
  {
    id: 'enterprise',
    version: 1,
    name: 'Enterprise',
    description: 'Negotiated rates and committed spend under a signed contract.',
    billingModels: ['enterprise'],
    defaultBillingModel: 'enterprise',
    selfServe: false,
    prices: { USD: { flatFeeMinor: 0 }, EUR: { flatFeeMinor: 0 }, GBP: { flatFeeMinor: 0 } },
    included: {},
    effectiveFrom: '2026-01-01T00:00:00.000Z',
  },
];

/**
 * Version 2 of the self-serve plans (Nov 2026) adds yen prices; every other price is unchanged. A
 * version is immutable, so a new currency is a new version: subscriptions sold version 1 keep it (and
 * cannot switch to JPY until moved to version 2 by a plan change).
 */
const YEN_PRICES: Readonly<Record<string, PriceSheet>> = {
  free: { flatFeeMinor: 0 },
  team: { flatFeeMinor: 7_500, metered: meteredSheet('JPY', ['0.15', '0.075'], '3') },
  pro: { flatFeeMinor: 29_800, metered: meteredSheet('JPY', ['0.12', '0.06'], '2.25') },
};

const withYen = (plan: PlanVersion): PlanVersion => ({
  ...plan,
  version: plan.version + 1,
  prices: { ...plan.prices, JPY: YEN_PRICES[plan.id] },
  effectiveFrom: '2026-11-01T00:00:00.000Z',
});

export const CATALOG: readonly PlanVersion[] = [
  ...FIRST_VERSIONS,
  ...FIRST_VERSIONS.filter((p) => YEN_PRICES[p.id]).map(withYen),
];

/**
 * Self-serve tiers from cheapest to dearest: breaks ties when two targets have the same recurring fee
 * (free → pro metered is an upgrade although neither has a flat fee).
 */
export const PLAN_RANK: readonly string[] = ['free', 'team', 'pro', 'enterprise'];

/** The newest version of each plan: what is sold today. */
export function currentPlans(catalog: readonly PlanVersion[] = CATALOG): PlanVersion[] {
  const latest = new Map<string, PlanVersion>();
  for (const plan of catalog) {
    const seen = latest.get(plan.id);
    if (!seen || plan.version > seen.version) latest.set(plan.id, plan);
  }
  return [...latest.values()];
}

export function findPlanVersion(id: string, version?: number, catalog: readonly PlanVersion[] = CATALOG) {
  if (version === undefined) return currentPlans(catalog).find((p) => p.id === id);
  return catalog.find((p) => p.id === id && p.version === version);
}

export const planCurrencies = (plan: PlanVersion): Currency[] => Object.keys(plan.prices) as Currency[];
