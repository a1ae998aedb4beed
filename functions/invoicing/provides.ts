import type { Kernel } from '../kernel/compose';
import type { UsageCountedListener } from '../usage/ports';
import { DynamoCollectionLedger } from './adapters/collection-ledger';
import { billThresholds } from './app/bill-thresholds';
import { buildInvoicingDeps } from './compose';
import type { CollectionLedger } from './ports';

/**
 * Threshold invoicing as the usage consumer's listener: after each counted batch, the orgs it touched
 * are checked against their threshold.
 */
export function thresholdInvoicing(k: Kernel): UsageCountedListener {
  const deps = buildInvoicingDeps(k);
  return { usageCounted: (orgIds) => billThresholds(deps, orgIds) };
}

/** The invoices as the collection capability works them (status, Stripe link, attempts, work lists). */
export const collectionLedger = (k: Kernel): CollectionLedger => new DynamoCollectionLedger(k.db, k.config.tableName);
