import { buildAuditDeps, setDepsForTesting as setAudit } from '../../functions/audit/compose';
import { setDepsForTesting as setCollection } from '../../functions/collection/compose';
import {
  buildStripeCollectionDeps,
  setDepsForTesting as setStripeCollection,
} from '../../functions/collection/compose-stripe';
import { buildContractsDeps, setDepsForTesting as setContracts } from '../../functions/contracts/compose';
import { buildDunningDeps, setDepsForTesting as setDunning } from '../../functions/dunning/compose';
import { buildExportDeps, setDepsForTesting as setExport } from '../../functions/export/compose';
import { setDepsForTesting as setInvoicing } from '../../functions/invoicing/compose';
import { buildInvoicePdfDeps, setDepsForTesting as setInvoicePdf } from '../../functions/invoicing/compose-pdf';
import type { Clock } from '../../functions/kernel/clock';
import { buildKernel, setKernelForTesting } from '../../functions/kernel/compose';
import { loadConfig, type RuntimeConfig } from '../../functions/kernel/config';
import { buildNoticesDeps, setDepsForTesting as setNotices } from '../../functions/notices/compose';
import { buildOrgsDeps, setDepsForTesting as setOrgs } from '../../functions/orgs/compose';
import { setDepsForTesting as setPayments } from '../../functions/payments/compose';
import { buildReconcilerDeps, setDepsForTesting as setReconciler } from '../../functions/payments/compose-reconciler';
import { setDepsForTesting as setStripePayments } from '../../functions/payments/compose-stripe';
import { buildSubscriptionsDeps, setDepsForTesting as setSubscriptions } from '../../functions/subscriptions/compose';
import { buildUsageDeps, setDepsForTesting as setUsage } from '../../functions/usage/compose';

/**
 * Every capability's dependencies over one kernel, as one object: tests, benchmarks and seeding scripts
 * drive use cases of several capabilities against the real stores with one clock. Never used by a
 * handler: the product composes each capability on its own (functions/<capability>/compose.ts), so a
 * Lambda bundles only its own.
 * The capabilities' deps share names only where they hold the same kind of thing (`orgs`, `clock`,
 * `notices`, …), so the union is every one of them at once.
 */
export function buildDeps(config: RuntimeConfig = loadConfig(), clock?: Clock) {
  const kernel = buildKernel(config, clock);
  const orgs = buildOrgsDeps(kernel);
  const notices = buildNoticesDeps(kernel);
  return {
    ...kernel,
    ...buildAuditDeps(kernel),
    ...buildDunningDeps(kernel),
    ...buildReconcilerDeps(kernel),
    ...buildUsageDeps(kernel),
    ...buildSubscriptionsDeps(kernel),
    ...buildInvoicePdfDeps(kernel),
    ...buildContractsDeps(kernel),
    ...buildStripeCollectionDeps(kernel),
    ...buildExportDeps(kernel),
    // The owning capability's full stores, where others hold only a port of them.
    ...orgs,
    ...notices,
  };
}
export type Deps = ReturnType<typeof buildDeps>;

/**
 * Makes the handlers (through every composition root) use `deps` (undefined: the real ones again). A
 * test that replaces one port (`{ ...deps, paidSubscriptions: … }`) is seen by every capability.
 */
export function setDepsForTesting(deps: Deps | undefined): void {
  setKernelForTesting(deps);
  setAudit(deps);
  setOrgs(deps);
  setNotices(deps);
  setDunning(deps);
  setPayments(deps);
  setStripePayments(deps);
  setReconciler(deps);
  setUsage(deps);
  setSubscriptions(deps);
  setInvoicing(deps);
  setInvoicePdf(deps);
  setContracts(deps);
  setCollection(deps);
  setStripeCollection(deps);
  setExport(deps);
}
