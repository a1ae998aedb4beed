import type { Currency } from '../../kernel/money';
import type { BillTo, PostalAddress, TaxId } from './invoice';

/**
 * The org's billing settings: who invoices are addressed to (the "bill to" block, copied onto each
 * invoice when it is finalized, so a later change never rewrites an issued invoice), the invoice
 * number prefix and the threshold for interim invoices.
 */
export interface BillingSettings {
  readonly orgId: string;
  readonly legalName?: string;
  readonly address?: PostalAddress;
  readonly taxIds: readonly TaxId[];
  /** Free text printed on every invoice (e.g. a PO number). */
  readonly memo?: string;
  /** Chosen prefix; undefined: derived from the org id (see numbering.ts). */
  readonly invoicePrefix?: string;
  /** Usage accrued in a period beyond this bills an interim invoice; null: the plan's default. */
  readonly invoiceThresholdMinor: number | null;
  /**
   * Payment terms: 0 charges the default payment method when an invoice is issued; N > 0 issues
   * `send_invoice` invoices due N days later. Absent in settings saved before net terms existed: 0.
   */
  readonly netDays?: number;
  readonly updatedAt: string;
  readonly version: number;
}

export const defaultSettings = (orgId: string): BillingSettings => ({
  orgId,
  taxIds: [],
  invoiceThresholdMinor: null,
  updatedAt: new Date(0).toISOString(),
  version: 0,
});

/**
 * The smallest amount a card charge may have (Stripe's minimum charge per currency): a threshold below
 * it would bill invoices too small to collect.
 */
export const MINIMUM_CHARGE_MINOR: Readonly<Record<Currency, number>> = {
  USD: 50,
  EUR: 50,
  GBP: 30,
  JPY: 50,
  KWD: 200,
};

/**
 * Default thresholds for interim invoices, per plan and currency: a self-serve customer whose agents
 * spend this much in a month is billed as it goes rather than carrying the exposure to the period end.
 * Plans not listed (free, enterprise under contract) have none unless the org sets one.
 */
const DEFAULT_THRESHOLDS: Readonly<Record<string, Partial<Record<Currency, number>>>> = {
  team: { USD: 50_000, EUR: 50_000, GBP: 40_000, JPY: 75_000 },
  pro: { USD: 200_000, EUR: 200_000, GBP: 160_000, JPY: 300_000 },
};

/** The threshold in force: the org's own, else its plan's default in the period's currency (undefined: none). */
export function effectiveThreshold(
  settings: Pick<BillingSettings, 'invoiceThresholdMinor'>,
  planId: string,
  currency: Currency,
): number | undefined {
  if (settings.invoiceThresholdMinor !== null) return settings.invoiceThresholdMinor;
  return DEFAULT_THRESHOLDS[planId]?.[currency];
}

/** The longest net terms accepted. */
export const MAX_NET_DAYS = 120;

export const netDaysOf = (settings: Pick<BillingSettings, 'netDays'>): number => settings.netDays ?? 0;

export function billToOf(orgId: string, orgName: string, settings: BillingSettings): BillTo {
  return {
    orgId,
    name: orgName,
    ...(settings.legalName ? { legalName: settings.legalName } : {}),
    ...(settings.address ? { address: settings.address } : {}),
    taxIds: settings.taxIds,
    ...(settings.memo ? { memo: settings.memo } : {}),
  };
}
