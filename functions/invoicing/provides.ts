import type { ExportSources } from '../export/ports';
import type { Kernel } from '../kernel/compose';
import { mapStream, once } from '../kernel/streams';
import type { UsageCountedListener } from '../usage/ports';
import { DynamoCollectionLedger } from './adapters/collection-ledger';
import { DynamoInvoiceStore } from './adapters/invoice-store';
import { billThresholds } from './app/bill-thresholds';
import { getBillingSettings } from './app/billing-settings';
import { issueCommitment } from './app/issue-commitment';
import { buildInvoicingDeps } from './compose';
import { encodeCreditMovement, encodeInvoice, encodeSettings } from './http/encode';
import type { CollectionLedger, CommitmentToInvoice } from './ports';

/**
 * Threshold invoicing as the usage consumer's listener: after each counted batch, the orgs it touched
 * are checked against their threshold.
 */
export function thresholdInvoicing(k: Kernel): UsageCountedListener {
  const deps = buildInvoicingDeps(k);
  return { usageCounted: (orgIds) => billThresholds(deps, orgIds) };
}

/** Prepaid commitments invoiced at each contract year's start (the contracts capability asks). */
export function commitmentInvoicing(k: Kernel): {
  issueCommitment(orgId: string, year: CommitmentToInvoice): Promise<void>;
} {
  const deps = buildInvoicingDeps(k);
  return { issueCommitment: async (orgId, year) => void (await issueCommitment(deps, orgId, year)) };
}

/** The invoices as the collection capability works them (status, Stripe link, attempts, work lists). */
export const collectionLedger = (k: Kernel): CollectionLedger => new DynamoCollectionLedger(k.db, k.config.tableName);

/** Billing settings, every invoice and the credit movements, as sections of the billing export. */
export function invoicingExportSections(
  k: Kernel,
): Pick<ExportSources, 'billing_settings' | 'invoices' | 'credit_movements'> {
  const deps = buildInvoicingDeps(k);
  const invoices = new DynamoInvoiceStore(k.db, k.config.tableName);
  return {
    billing_settings: {
      read: (orgId, asOf) =>
        once(async () => encodeSettings(await getBillingSettings({ ...deps, clock: { now: () => asOf } }, orgId))),
    },
    // The invoice document as stored and as the API encodes it: whatever collection adds to it (payment
    // attempts, the Stripe link) is exported with it.
    invoices: { read: (orgId) => mapStream(invoices.all(orgId), encodeInvoice) },
    credit_movements: { read: (orgId) => mapStream(invoices.creditMovements(orgId), encodeCreditMovement) },
  };
}
