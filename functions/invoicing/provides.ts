import type { Kernel } from '../kernel/compose';
import type { UsageCountedListener } from '../usage/ports';
import { billThresholds } from './app/bill-thresholds';
import { buildInvoicingDeps } from './compose';

/**
 * Threshold invoicing as the usage consumer's listener: after each counted batch, the orgs it touched
 * are checked against their threshold.
 */
export function thresholdInvoicing(k: Kernel): UsageCountedListener {
  const deps = buildInvoicingDeps(k);
  return { usageCounted: (orgIds) => billThresholds(deps, orgIds) };
}
