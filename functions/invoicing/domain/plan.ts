import { derivedUlid } from '../../kernel/ids';
import type { Currency } from '../../kernel/money';
import { type Period, periodByKey } from '../../kernel/period';
import { type BillingModel, findPlanVersion, type Meter } from '../../kernel/pricing/plans';
import type { PeriodRating } from '../../kernel/pricing/rating';
import { type BilledPeriod, emptyBilled, type UsageDelta, usageDeltas, withUsageBilled } from './billed';
import {
  applyCredit,
  type BillTo,
  INVOICE_SCHEMA_VERSION,
  type Invoice,
  type InvoiceKind,
  type InvoiceLine,
  type LineKind,
  subtotalOf,
} from './invoice';

/**
 * Planning invoices, pure: what an org's period close or a threshold crossing bills, from what was
 * counted, what was already billed and what is pending. The app layer loads the inputs and executes the
 * plan with conditional writes; running the same plan twice yields the same invoice ids and lines.
 *
 * A period invoice (the close of period P) bills:
 *  - the flat fee of P+1 in advance (the terms in force at P+1's start), unless P+1 is billed in another
 *    currency (then P+1's own close bills it in arrears) or a first-period line already covers it;
 *  - P's own flat fee in arrears, when nothing billed it before (see above; or invoicing began in P);
 *  - the pending subscription adjustments (first short period, proration, cancellation credits);
 *  - P's usage not yet billed (the cumulative rating minus what threshold invoices billed);
 *  - late usage: usage counted in earlier periods after their close.
 * Lines in a currency other than P's (possible only across a currency switch) go on an `adjustment`
 * invoice of their own in that currency: an invoice has one currency.
 */
export interface FeeTerms {
  readonly planId: string;
  readonly planVersion: number;
  readonly billingModel: BillingModel;
  readonly currency: Currency;
}

/** A subscription adjustment line waiting for an invoice, as invoicing sees it. */
export interface BillableAdjustment {
  readonly id: string;
  readonly kind: Extract<
    LineKind,
    'first_period_fee' | 'proration_credit' | 'proration_charge' | 'cancellation_credit'
  >;
  readonly description: string;
  readonly periodKey: string;
  readonly currency: Currency;
  readonly planId: string;
  readonly fullAmountMinor: number;
  readonly preciseAmountMinor: string;
  readonly amountMinor: number;
}

export interface RatedPeriodUsage {
  readonly period: Period;
  readonly rating: PeriodRating;
  /** The plan of each stretch (by its start), to name stretches on lines when a period has several. */
  readonly stretches?: readonly { readonly from: string; readonly planId: string; readonly planVersion: number }[];
}

export interface PeriodCloseInput {
  readonly orgId: string;
  readonly billTo: BillTo;
  readonly now: Date;
  /** The period being closed (P). */
  readonly period: Period;
  readonly usage: RatedPeriodUsage;
  /** Terms in force at P's start and at P+1's start (undefined: none, i.e. the free plan). */
  readonly termsAtStart: FeeTerms | undefined;
  readonly termsAtNextStart: FeeTerms | undefined;
  readonly adjustments: readonly BillableAdjustment[];
  /** Earlier periods that may have late usage, rated now. */
  readonly late: readonly RatedPeriodUsage[];
  /** What was billed per period so far: P, P+1, the late periods and the adjustments' periods. */
  readonly billed: ReadonlyMap<string, BilledPeriod>;
  readonly creditBalances: Readonly<Partial<Record<Currency, number>>>;
  /** `open` finalizes (issued now), `draft` during the late-event grace, `preview` for the upcoming invoice. */
  readonly status: 'draft' | 'open' | 'preview';
}

export interface PlannedInvoices {
  readonly invoices: readonly Invoice[];
  /** The billed records after the plan, for every period it billed something of. */
  readonly billed: readonly BilledPeriod[];
  readonly creditBalances: Readonly<Partial<Record<Currency, number>>>;
}

const METER_LABELS: Record<Meter, string> = {
  llm_input_tokens: 'Input tokens',
  llm_output_tokens: 'Output tokens',
  llm_cached_input_tokens: 'Cached input tokens',
  tool_invocations: 'Tool invocations',
  agent_runs: 'Agent runs',
};

const monthName = (periodKey: string) =>
  periodByKey(periodKey).start.toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** The flat fee one full period costs under these terms: only the flat model carries one. */
export function flatFeeMinor(terms: FeeTerms | undefined): number {
  if (terms?.billingModel !== 'flat') return 0;
  return findPlanVersion(terms.planId, terms.planVersion)?.prices[terms.currency]?.flatFeeMinor ?? 0;
}

const planName = (terms: FeeTerms) => findPlanVersion(terms.planId, terms.planVersion)?.name ?? terms.planId;

/** The id of an org's invoice for a period and kind: the same on every run, so it is created once. */
export function periodInvoiceId(orgId: string, period: Period, kind: InvoiceKind, currency?: Currency): string {
  const seed = kind === 'adjustment' ? `${orgId}|${period.key}|${kind}|${currency}` : `${orgId}|${period.key}|${kind}`;
  return `in_${derivedUlid(period.end.getTime(), seed)}`;
}

export const thresholdInvoiceId = (orgId: string, period: Period, sequence: number, at: Date): string =>
  `in_${derivedUlid(at.getTime(), `${orgId}|${period.key}|threshold|${sequence}`)}`;

interface DraftLine extends Omit<InvoiceLine, 'id'> {
  readonly currency: Currency;
}

/** `(Team from 2 Nov)` when the period had several stretches, so each line says whose terms priced it. */
function stretchLabel(usage: RatedPeriodUsage, stretchFrom: string | undefined): string {
  const stretches = usage.stretches ?? [];
  if (stretches.length < 2 || !stretchFrom) return '';
  const s = stretches.find((x) => x.from === stretchFrom);
  if (!s) return '';
  const name = findPlanVersion(s.planId, s.planVersion)?.name ?? s.planId;
  const day = new Date(s.from).toLocaleString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  return ` (${name} from ${day})`;
}

function usageLine(
  kind: 'usage' | 'late_usage',
  usage: RatedPeriodUsage,
  d: UsageDelta,
  currency: Currency,
): DraftLine {
  const periodKey = usage.period.key;
  const label = `${METER_LABELS[d.meter]}${d.model ? ` · ${d.model}` : ''}${stretchLabel(usage, d.stretchFrom)}`;
  return {
    kind,
    description: kind === 'late_usage' ? `Late usage for ${monthName(periodKey)}: ${label}` : label,
    meter: d.meter,
    ...(d.model ? { model: d.model } : {}),
    ...(d.stretchFrom ? { stretchFrom: d.stretchFrom } : {}),
    periodKey,
    quantity: d.quantity,
    billableQuantity: d.billableQuantity,
    ...(d.unitAmountDecimal ? { unitAmountDecimal: d.unitAmountDecimal } : {}),
    preciseAmount: d.preciseAmount,
    amountMinor: d.amountMinor,
    currency,
  };
}

function feeLine(terms: FeeTerms, periodKey: string, when: 'in advance' | 'in arrears'): DraftLine {
  const fee = flatFeeMinor(terms);
  return {
    kind: 'flat_fee',
    description: `${planName(terms)} — ${monthName(periodKey)} (${when})`,
    periodKey,
    planId: terms.planId,
    quantity: 1,
    unitAmountDecimal: String(fee),
    preciseAmount: String(fee),
    amountMinor: fee,
    currency: terms.currency,
  };
}

/** Builds an invoice from lines of one currency; totals from the credit balance of that currency. */
function assemble(
  base: {
    id: string;
    orgId: string;
    kind: InvoiceKind;
    status: PeriodCloseInput['status'];
    currency: Currency;
    period: Period;
    billTo: BillTo;
    now: Date;
  },
  lines: readonly DraftLine[],
  balance: number,
): { invoice: Invoice; balanceAfter: number } {
  const numbered: InvoiceLine[] = lines.map(({ currency: _c, ...line }, i) => ({
    id: `${base.id}_${String(i + 1).padStart(3, '0')}`,
    ...line,
  }));
  const subtotalMinor = subtotalOf(numbered);
  const credit = applyCredit(subtotalMinor, balance);
  const issued = base.status === 'open' ? base.now.toISOString() : null;
  return {
    invoice: {
      id: base.id,
      orgId: base.orgId,
      number: null,
      kind: base.kind,
      status: base.status,
      currency: base.currency,
      period: { key: base.period.key, start: base.period.start.toISOString(), end: base.period.end.toISOString() },
      billTo: base.billTo,
      lines: numbered,
      subtotalMinor,
      creditsAppliedMinor: credit.creditsAppliedMinor,
      totalMinor: credit.totalMinor,
      amountDueMinor: credit.amountDueMinor,
      creditCarriedMinor: credit.creditCarriedMinor,
      createdAt: base.now.toISOString(),
      issuedAt: issued,
      dueAt: issued,
      adjustmentIds: numbered.flatMap((l) => (l.adjustmentId ? [l.adjustmentId] : [])),
      schemaVersion: INVOICE_SCHEMA_VERSION,
    },
    balanceAfter: credit.balanceAfterMinor,
  };
}

export function planPeriodClose(input: PeriodCloseInput): PlannedInvoices {
  const { orgId, period } = input;
  const next = periodByKey(nextKey(period.key));
  const currency = input.usage.rating.currency;
  const records = new Map(input.billed);
  const record = (key: string) => records.get(key) ?? emptyBilled(orgId, key);
  const lines: DraftLine[] = [];
  /** Per line, what it does to the billed records once its invoice id is known. */
  const effects: ((invoiceIdOf: (c: Currency) => string) => void)[] = [];
  const pendingFirstPeriod = (key: string) =>
    input.adjustments.some((a) => a.kind === 'first_period_fee' && a.periodKey === key);

  // Fees. P's own fee in arrears when nothing billed it; P+1's in advance when it is P's currency.
  const fees: [FeeTerms | undefined, Period, 'in arrears' | 'in advance'][] = [
    [input.termsAtStart, period, 'in arrears'],
    [input.termsAtNextStart, next, 'in advance'],
  ];
  for (const [terms, p, when] of fees) {
    if (!terms || flatFeeMinor(terms) === 0 || record(p.key).fee || pendingFirstPeriod(p.key)) continue;
    if (when === 'in advance' && terms.currency !== currency) continue;
    const line = feeLine(terms, p.key, when);
    lines.push(line);
    effects.push((idOf) => {
      records.set(p.key, { ...record(p.key), fee: { invoiceId: idOf(line.currency), amountMinor: line.amountMinor } });
    });
  }

  for (const adjustment of input.adjustments) {
    lines.push({
      kind: adjustment.kind,
      description: adjustment.description,
      periodKey: adjustment.periodKey,
      planId: adjustment.planId,
      quantity: 1,
      preciseAmount: adjustment.preciseAmountMinor,
      amountMinor: adjustment.amountMinor,
      adjustmentId: adjustment.id,
      currency: adjustment.currency,
    });
    if (adjustment.kind === 'first_period_fee') {
      effects.push((idOf) => {
        const key = adjustment.periodKey;
        records.set(key, {
          ...record(key),
          fee: { invoiceId: idOf(adjustment.currency), amountMinor: adjustment.amountMinor },
        });
      });
    }
  }

  const billUsage = (kind: 'usage' | 'late_usage', usage: RatedPeriodUsage) => {
    const deltas = usageDeltas(usage.rating, record(usage.period.key));
    const c = usage.rating.currency;
    for (const d of deltas) lines.push(usageLine(kind, usage, d, c));
    if (deltas.length > 0) {
      effects.push((idOf) => records.set(usage.period.key, withUsageBilled(record(usage.period.key), deltas, idOf(c))));
    }
  };
  billUsage('usage', input.usage);
  for (const late of input.late) billUsage('late_usage', late);

  // One invoice per currency: P's currency is the period invoice, any other an adjustment invoice.
  const currencies = [...new Set(lines.map((l) => l.currency))].sort((a, b) =>
    a === currency ? -1 : b === currency ? 1 : a.localeCompare(b),
  );
  if (input.status === 'preview' && !currencies.includes(currency)) currencies.unshift(currency);
  const idOf = (c: Currency) =>
    periodInvoiceId(orgId, period, c === currency ? 'period' : 'adjustment', c === currency ? undefined : c);
  for (const effect of effects) effect(idOf);

  const balances: Partial<Record<Currency, number>> = { ...input.creditBalances };
  const invoices = currencies.map((c) => {
    const { invoice, balanceAfter } = assemble(
      {
        id: idOf(c),
        orgId,
        kind: c === currency ? 'period' : 'adjustment',
        status: input.status,
        currency: c,
        period,
        billTo: input.billTo,
        now: input.now,
      },
      lines.filter((l) => l.currency === c),
      balances[c] ?? 0,
    );
    balances[c] = balanceAfter;
    return invoice;
  });
  return {
    invoices,
    // Every effect replaces a record with a new object: the changed ones are those no longer the input's.
    billed: [...records.values()].filter((r) => r !== input.billed.get(r.periodKey)),
    creditBalances: balances,
  };
}

export interface ThresholdInput {
  readonly orgId: string;
  readonly billTo: BillTo;
  readonly now: Date;
  readonly usage: RatedPeriodUsage;
  readonly billed: BilledPeriod;
  readonly thresholdMinor: number;
  readonly creditBalance: number;
}

/**
 * An interim invoice when the period's usage not yet billed has reached the threshold: it bills that
 * usage (the cumulative rating minus what earlier invoices of the period billed), nothing else.
 */
export function planThresholdInvoice(
  input: ThresholdInput,
): { invoice: Invoice; billed: BilledPeriod; creditBalance: number } | undefined {
  const deltas = usageDeltas(input.usage.rating, input.billed);
  const accrued = deltas.reduce((sum, d) => sum + d.amountMinor, 0);
  if (accrued < input.thresholdMinor || accrued <= 0) return undefined;
  const sequence = input.billed.thresholdInvoices + 1;
  const id = thresholdInvoiceId(input.orgId, input.usage.period, sequence, input.now);
  const currency = input.usage.rating.currency;
  const { invoice, balanceAfter } = assemble(
    {
      id,
      orgId: input.orgId,
      kind: 'threshold',
      status: 'open',
      currency,
      period: input.usage.period,
      billTo: input.billTo,
      now: input.now,
    },
    deltas.map((d) => usageLine('usage', input.usage, d, currency)),
    input.creditBalance,
  );
  return {
    invoice,
    billed: { ...withUsageBilled(input.billed, deltas, id), thresholdInvoices: sequence },
    creditBalance: balanceAfter,
  };
}

const nextKey = (key: string): string => {
  const p = periodByKey(key);
  return p.end.toISOString().slice(0, 7);
};
