import type { Currency } from '../../kernel/money';
import type { Meter } from '../../kernel/pricing/plans';
import type { ContractView } from '../app/contract-common';
import type { ContractUtilization } from '../app/contract-utilization';
import { type Contract, type ContractTerms, contractSheet, contractYears, listSheet } from '../domain/contract';
import type { ContractEvent } from '../ports';

/** Wire (snake_case) ↔ domain (camelCase); the shapes are the schemas in contracts/contract.ts. */
interface TermsWire {
  name?: string;
  currency?: string;
  term?: { start: string; end: string };
  commit?: { type: 'prepaid' | 'postpaid'; years: { amount_minor: number }[] };
  rates?: { discount_percent: string; overrides: { meter: string; model?: string; unit_amount_decimal: string }[] };
  platform_fee_minor?: number;
  included?: ContractTerms['included'];
  net_days?: number;
  terms_text?: string;
  on_end?: { plan_id: string };
  on_termination?: 'waive' | 'invoice';
}

export function termsFromWire(b: TermsWire): Partial<ContractTerms> {
  return {
    ...(b.name !== undefined ? { name: b.name } : {}),
    ...(b.currency !== undefined ? { currency: b.currency as Currency } : {}),
    ...(b.term ? { termStart: new Date(b.term.start).toISOString(), termEnd: new Date(b.term.end).toISOString() } : {}),
    ...(b.commit
      ? { commit: { type: b.commit.type, years: b.commit.years.map((y) => ({ amountMinor: y.amount_minor })) } }
      : {}),
    ...(b.rates
      ? {
          rates: {
            discountPercent: b.rates.discount_percent,
            overrides: b.rates.overrides.map((o) => ({
              meter: o.meter as Meter,
              ...(o.model ? { model: o.model } : {}),
              unitAmountDecimal: o.unit_amount_decimal,
            })),
          },
        }
      : {}),
    ...(b.platform_fee_minor !== undefined ? { platformFeeMinor: b.platform_fee_minor } : {}),
    ...(b.included !== undefined ? { included: b.included } : {}),
    ...(b.net_days !== undefined ? { netDays: b.net_days } : {}),
    ...(b.terms_text !== undefined ? { termsText: b.terms_text } : {}),
    ...(b.on_end ? { onEnd: { planId: b.on_end.plan_id } } : {}),
    ...(b.on_termination ? { onTermination: b.on_termination } : {}),
  };
}

/**
 * The prices usage is rated at under this version (contractSheet: what the summary, utilization and
 * invoices use), each beside its list price, so a reader sees the negotiated rates without re-deriving
 * the discount.
 */
function encodeRateSheet(c: Contract) {
  const key = (meter: string, model?: string) => `${meter}|${model ?? ''}`;
  const list = new Map((listSheet(c.currency) ?? []).map((p) => [key(p.meter, p.model), p] as const));
  const overridden = new Set(c.rates.overrides.map((o) => key(o.meter, o.model)));
  return contractSheet(c).prices.map((p) => ({
    meter: p.meter,
    model: p.model ?? null,
    unit_amount_decimal: p.unitAmountDecimal,
    tiers: p.tiers ? p.tiers.map((t) => ({ up_to: t.upTo, unit_amount_decimal: t.unitAmountDecimal })) : null,
    list_unit_amount_decimal: list.get(key(p.meter, p.model))?.unitAmountDecimal ?? null,
    source: overridden.has(key(p.meter, p.model)) ? ('override' as const) : ('discounted_list' as const),
  }));
}

export const encodeVersion = (c: Contract) => ({
  id: c.id,
  org_id: c.orgId,
  version: c.version,
  status: c.status,
  name: c.name,
  currency: c.currency,
  term: { start: c.termStart, end: c.termEnd },
  years: contractYears(c).map((y) => ({
    index: y.index,
    start: y.start,
    end: y.end,
    committed_minor: y.committedMinor,
  })),
  commit: { type: c.commit.type, years: c.commit.years.map((y) => ({ amount_minor: y.amountMinor })) },
  rates: {
    discount_percent: c.rates.discountPercent,
    overrides: c.rates.overrides.map((o) => ({
      meter: o.meter,
      model: o.model ?? null,
      unit_amount_decimal: o.unitAmountDecimal,
    })),
  },
  rate_sheet: encodeRateSheet(c),
  platform_fee_minor: c.platformFeeMinor,
  included: { ...c.included },
  net_days: c.netDays,
  terms_text: c.termsText ?? null,
  on_end: { plan_id: c.onEnd.planId },
  on_termination: c.onTermination,
  amends: c.amends ? { version: c.amends.version, effective_at: c.amends.effectiveAt } : null,
  signatory: c.signatory
    ? { name: c.signatory.name, email: c.signatory.email, ...(c.signatory.title ? { title: c.signatory.title } : {}) }
    : null,
  signed_at: c.signedAt ?? null,
  active_from: c.activeFrom ?? null,
  active_until: c.activeUntil ?? null,
  terminated_at: c.terminatedAt ?? null,
  termination_reason: c.terminationReason ?? null,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
});

export const encodeContract = (v: ContractView) => ({
  ...encodeVersion(v.current),
  amendment: v.amendment ? encodeVersion(v.amendment) : null,
});

export const encodeUtilization = (u: ContractUtilization) => ({
  as_of: u.asOf,
  contract_id: u.contract.id,
  version: u.contract.version,
  currency: u.contract.currency,
  current_year: u.currentYear,
  years: u.years.map((y) => ({
    index: y.year.index,
    start: y.year.start,
    end: y.year.end,
    committed_minor: y.year.committedMinor,
    consumed_minor: y.consumedMinor,
    remaining_minor: y.remainingMinor,
    percent_used: y.percentUsed,
    overage_minor: y.overageMinor,
    by_meter: y.byMeter.map((m) => ({
      meter: m.meter,
      model: m.model ?? null,
      quantity: m.quantity,
      amount_minor: m.amountMinor,
    })),
    by_period: y.byPeriod.map((p) => ({ period: p.period, from: p.from, to: p.to, consumed_minor: p.consumedMinor })),
  })),
  projection: u.projection
    ? {
        method: u.projection.method,
        burn_rate_per_day_minor: u.projection.burnRatePerDayMinor,
        projected_year_minor: u.projection.projectedYearMinor,
        exhausted_at: u.projection.exhaustedAt,
        shortfall_minor: u.projection.shortfallMinor,
      }
    : null,
});

export const encodeEvent = (e: ContractEvent) => ({
  id: e.id,
  contract_id: e.contractId,
  version: e.version,
  action: e.action,
  at: e.at,
  effective_at: e.effectiveAt,
  actor: e.actor,
  before: e.before,
  after: e.after,
});

/** A contract as the billing export keeps it: where it is now, every version, every transition, utilization. */
export const encodeContractRecord = (
  v: ContractView,
  history: readonly ContractEvent[],
  utilization: ContractUtilization,
) => ({
  id: v.current.id,
  created_at: v.versions[0]!.createdAt,
  current: encodeContract(v),
  versions: v.versions.map(encodeVersion),
  history: history.map(encodeEvent),
  utilization: encodeUtilization(utilization),
});
