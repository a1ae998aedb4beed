import { Dec, decimal } from '../../kernel/money';
import type { Meter } from '../../kernel/pricing/plans';
import type { PeriodRating, RatedLine } from '../../kernel/pricing/rating';

/**
 * What has been invoiced for one billing period so far: per usage line (stretch × meter × model) the
 * cumulative units and amounts, and whether the period's flat fee has been billed. Every invoice that
 * bills a period's usage (threshold invoices during it, the period invoice at its close, late-usage
 * lines on later invoices) bills the difference between the period's cumulative rating now and this
 * record, and moves the record forward in the same transaction. So the amounts a line receives across
 * all of the period's invoices sum to the line of the full-period rating, rounded once, exactly, and
 * graduated tiers run on across the invoices as they do in the rating.
 */
export interface BilledPeriod {
  readonly orgId: string;
  readonly periodKey: string;
  readonly usage: Readonly<Record<string, BilledUsageLine>>;
  /** The period's flat fee, once an invoice has billed it (in advance, in arrears or as a first-period line). */
  readonly fee?: { readonly invoiceId: string; readonly amountMinor: number };
  /** Set by the period's close: only closed periods get late-usage lines on later invoices. */
  readonly closedAt?: string;
  /** The invoices the close issued (none when it had nothing to bill). */
  readonly closedBy?: readonly string[];
  /** Threshold invoices issued for the period so far. */
  readonly thresholdInvoices: number;
  readonly invoiceIds: readonly string[];
  /** Optimistic concurrency: 0 for a period nothing has been billed for yet. */
  readonly version: number;
}

export interface BilledUsageLine {
  readonly quantity: number;
  readonly billableQuantity: number;
  /** Decimal string, minor units. */
  readonly preciseAmount: string;
  readonly amountMinor: number;
}

export const emptyBilled = (orgId: string, periodKey: string): BilledPeriod => ({
  orgId,
  periodKey,
  usage: {},
  thresholdInvoices: 0,
  invoiceIds: [],
  version: 0,
});

/** `<stretch from>|<meter>|<model>`: the identity of a usage line across a period's invoices. */
export const usageLineKey = (line: Pick<RatedLine, 'termsFrom' | 'meter' | 'model'>): string =>
  `${line.termsFrom ?? ''}|${line.meter}|${line.model ?? ''}`;

export interface UsageDelta {
  readonly key: string;
  readonly meter: Meter;
  readonly model?: string;
  readonly stretchFrom?: string;
  readonly quantity: number;
  readonly billableQuantity: number;
  readonly preciseAmount: string;
  readonly amountMinor: number;
  /** The unit price when every billable unit of the line so far is at one rate. */
  readonly unitAmountDecimal?: string;
}

/**
 * The usage not yet invoiced: each priced line of the cumulative rating minus what `billed` holds for
 * it. Lines with nothing new (no units, no money) are left out. Unpriced lines (the free plan) are never
 * billed.
 */
export function usageDeltas(rating: PeriodRating, billed: BilledPeriod): UsageDelta[] {
  const out: UsageDelta[] = [];
  for (const line of rating.lines) {
    if (!line.priced) continue;
    const key = usageLineKey(line);
    const before = billed.usage[key];
    const quantity = line.quantity - (before?.quantity ?? 0);
    const billableQuantity = line.billableQuantity - (before?.billableQuantity ?? 0);
    const amountMinor = line.amountMinor - (before?.amountMinor ?? 0);
    if (quantity === 0 && amountMinor === 0) continue;
    const precise = decimal(line.preciseAmountMinor).minus(decimal(before?.preciseAmount ?? '0'));
    const rates = new Set(line.tiers.filter((t) => t.quantity > 0).map((t) => t.unitAmountDecimal));
    out.push({
      key,
      meter: line.meter,
      ...(line.model ? { model: line.model } : {}),
      ...(line.termsFrom ? { stretchFrom: line.termsFrom } : {}),
      quantity,
      billableQuantity,
      preciseAmount: precise.toString(),
      amountMinor,
      ...(rates.size === 1 ? { unitAmountDecimal: [...rates][0]! } : {}),
    });
  }
  return out;
}

/** `billed` moved forward by the deltas an invoice bills. */
export function withUsageBilled(billed: BilledPeriod, deltas: readonly UsageDelta[], invoiceId: string): BilledPeriod {
  const usage: Record<string, BilledUsageLine> = { ...billed.usage };
  for (const d of deltas) {
    const before = usage[d.key];
    usage[d.key] = {
      quantity: (before?.quantity ?? 0) + d.quantity,
      billableQuantity: (before?.billableQuantity ?? 0) + d.billableQuantity,
      preciseAmount: new Dec(before?.preciseAmount ?? '0').plus(decimal(d.preciseAmount)).toString(),
      amountMinor: (before?.amountMinor ?? 0) + d.amountMinor,
    };
  }
  return { ...billed, usage, invoiceIds: addOnce(billed.invoiceIds, invoiceId) };
}

export const addOnce = (ids: readonly string[], id: string): string[] => (ids.includes(id) ? [...ids] : [...ids, id]);
