import { compositionRoot, type Kernel } from '../kernel/compose';
import { noticeOutbox } from '../notices/provides';
import { billingCalendar, orgReader } from '../orgs/provides';
import { adjustmentLedger, termsReader } from '../subscriptions/provides';
import { periodUsageRater } from '../usage/provides';
import { DynamoInvoiceStore } from './adapters/invoice-store';
import { DynamoBillingSettingsStore } from './adapters/settings-store';
import type { InvoicingDeps } from './app/invoicing-common';

/**
 * The invoicing capability: billing settings, period close, threshold invoices, the invoice list,
 * detail, PDF and preview. Usage (rated per period), the terms timeline and adjustment lines
 * (subscriptions), the billing calendar (orgs) and the notice outbox come through those capabilities'
 * ports. The PDF renderer (pdf-lib) is composed apart, in compose-pdf.ts, for the one route that renders.
 */
export function buildInvoicingDeps(k: Kernel): InvoicingDeps {
  const table = k.config.tableName;
  return {
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
}
export type InvoicingCapabilityDeps = ReturnType<typeof buildInvoicingDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildInvoicingDeps);
