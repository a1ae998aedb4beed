import type { Kernel } from '../kernel/compose';
import type { UsageCountedListener } from '../usage/ports';
import { DynamoCollectionLedger } from './adapters/collection-ledger';
import { billThresholds } from './app/bill-thresholds';
import { issueCommitment } from './app/issue-commitment';
import { buildInvoicingDeps } from './compose';
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
