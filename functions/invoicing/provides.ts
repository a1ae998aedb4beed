import type { Kernel } from '../kernel/compose';
import { noticeOutbox } from '../notices/provides';
import { billingCalendar, orgReader } from '../orgs/provides';
import { adjustmentLedger, termsReader } from '../subscriptions/provides';
import type { UsageCountedListener } from '../usage/ports';
import { periodUsageRater } from '../usage/provides';
import { DynamoInvoiceStore } from './adapters/invoice-store';
import { DynamoBillingSettingsStore } from './adapters/settings-store';
import { billThresholds } from './app/bill-thresholds';

/**
 * Threshold invoicing as the usage consumer's listener: after each counted batch, the orgs it touched
 * are checked against their threshold. Built lazily on first use so the consumer's cold start does not
 * pay for it when no batch arrives.
 */
export function thresholdInvoicing(k: Kernel): UsageCountedListener {
  const table = k.config.tableName;
  const deps = {
    clock: k.clock,
    ids: k.ids,
    orgs: orgReader(k),
    calendar: billingCalendar(k),
    terms: termsReader(k),
    adjustments: adjustmentLedger(k),
    usageRating: periodUsageRater(k),
    invoices: new DynamoInvoiceStore(k.db, table),
    settings: new DynamoBillingSettingsStore(k.db, table),
    notices: noticeOutbox(k),
    lateGraceMs: k.config.lateGraceSeconds * 1000,
  };
  return { usageCounted: (orgIds) => billThresholds(deps, orgIds) };
}
