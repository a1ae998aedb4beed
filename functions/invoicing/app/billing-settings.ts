import { auditEntry } from '../../kernel/audit-entry';
import { conflict, validation } from '../../kernel/errors';
import { type Currency, formatMajor } from '../../kernel/money';
import type { CallContext } from '../../kernel/ports';
import { defaultInvoicePrefix } from '../domain/numbering';
import { type BillingSettings, effectiveThreshold, MINIMUM_CHARGE_MINOR } from '../domain/settings';
import type { InvoicingAccount } from '../ports';
import { type InvoicingDeps, settingsOf } from './invoicing-common';

export interface BillingSettingsView {
  readonly settings: BillingSettings;
  /** The prefix invoices are numbered with (the chosen one, else derived), and whether it is fixed. */
  readonly invoicePrefix: string;
  readonly invoicePrefixFixed: boolean;
  /** The threshold in force now (the org's, else its plan's default), in the current currency. */
  readonly effectiveThresholdMinor: number | null;
  readonly currency: Currency;
  readonly creditBalances: InvoicingAccount['creditBalances'];
}

type SettingsDeps = Pick<InvoicingDeps, 'clock' | 'ids' | 'settings' | 'invoices' | 'terms'>;

export async function getBillingSettings(deps: SettingsDeps, orgId: string): Promise<BillingSettingsView> {
  const now = deps.clock.now();
  const [settings, account, terms] = await Promise.all([
    settingsOf(deps, orgId),
    deps.invoices.account(orgId),
    deps.terms.termsAt(orgId, now),
  ]);
  const currency = terms?.currency ?? 'USD';
  return {
    settings,
    invoicePrefix: account.prefix ?? settings.invoicePrefix ?? defaultInvoicePrefix(orgId),
    invoicePrefixFixed: account.prefix !== undefined,
    effectiveThresholdMinor: terms ? (effectiveThreshold(settings, terms.planId, currency) ?? null) : null,
    currency,
    creditBalances: account.creditBalances,
  };
}

export type BillingSettingsInput = Omit<BillingSettings, 'orgId' | 'updatedAt' | 'version'>;

/**
 * Replaces the billing settings (every field optional: what is left out is cleared). The prefix is
 * fixed once the first invoice is numbered; a threshold must be at least what a card charge can be in
 * the org's currency. Audited with before and after.
 */
export async function putBillingSettings(
  deps: SettingsDeps,
  ctx: CallContext,
  orgId: string,
  input: BillingSettingsInput,
): Promise<BillingSettingsView> {
  const now = deps.clock.now();
  const [current, account, terms] = await Promise.all([
    settingsOf(deps, orgId),
    deps.invoices.account(orgId),
    deps.terms.termsAt(orgId, now),
  ]);
  const currency = terms?.currency ?? 'USD';
  const minimum = MINIMUM_CHARGE_MINOR[currency];
  if (input.invoiceThresholdMinor !== null && input.invoiceThresholdMinor < minimum) {
    throw validation('invalid_request', 'the request is invalid', [
      {
        path: 'invoice_threshold_minor',
        message: `must be at least ${minimum} (${formatMajor({ amountMinor: minimum, currency })} ${currency}, the smallest card charge)`,
        code: 'too_small',
      },
    ]);
  }
  if (account.prefix && input.invoicePrefix !== undefined && input.invoicePrefix !== account.prefix) {
    throw conflict(
      'invoice_prefix_fixed',
      `invoices are already numbered ${account.prefix}-…; the prefix cannot change`,
      {
        invoice_prefix: account.prefix,
      },
    );
  }
  const next: BillingSettings = {
    orgId,
    ...input,
    updatedAt: now.toISOString(),
    version: current.version + 1,
  };
  await deps.settings.replace(
    next,
    current.version,
    auditEntry(deps, ctx, {
      orgId,
      action: 'billing_settings.replaced',
      target: { type: 'billing_settings', id: orgId },
      before: current.version === 0 ? null : current,
      after: next,
    }),
  );
  return getBillingSettings(deps, orgId);
}
