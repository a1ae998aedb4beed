import type { CollectionLedger, Invoice } from '../../invoicing/ports';
import type { Clock } from '../../kernel/clock';
import { isAppError } from '../../kernel/errors';
import { logger } from '../../kernel/logger';
import type { BillingCalendar } from '../../orgs/ports';
import type { StripeCustomerAccounts } from '../../payments/ports';
import type { LedgerStatus } from '../domain/collection';
import { compareWithStripe, type DriftReport, type LedgerInvoice } from '../domain/drift';
import type { CollectionGateway, FleetRun, ReconciliationStore } from '../ports';
import { collectedOf } from './collection-common';

export interface ReconcileLedgerDeps {
  readonly clock: Clock;
  readonly ledger: Pick<CollectionLedger, 'page'>;
  readonly gateway: Pick<CollectionGateway, 'invoicesOfCustomer'>;
  readonly customers: Pick<StripeCustomerAccounts, 'customerOf'>;
  readonly calendar: Pick<BillingCalendar, 'dueForClose'>;
  readonly reports: ReconciliationStore;
}

/** Every org is on the billing calendar from provisioning: read to its end, it lists them all. */
const EVERY_ORG = new Date('9999-12-31T23:59:59.999Z');

const toLedger = (i: Invoice): LedgerInvoice => ({
  id: i.id,
  status: i.status as LedgerStatus,
  amountDueMinor: i.amountDueMinor,
  issuedAt: i.issuedAt,
  stripeInvoiceId: collectedOf(i).stripe?.invoiceId ?? null,
  attempts: collectedOf(i).attempts,
});

/** One org's drift report: all its invoices against its Stripe customer's, recorded as the latest. */
export async function reconcileOrg(deps: ReconcileLedgerDeps, orgId: string): Promise<DriftReport> {
  const ours: Invoice[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.ledger.page(orgId, 100, cursor);
    ours.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const customerId = await deps.customers.customerOf(orgId);
  const theirs = customerId ? await deps.gateway.invoicesOfCustomer(customerId) : [];
  const report = compareWithStripe(orgId, ours.map(toLedger), theirs, deps.clock.now());
  await deps.reports.putReport(report);
  return report;
}

/**
 * The daily `reconcileLedger` run: every org's report, and a fleet summary. An org that cannot be
 * checked (Stripe unavailable) is reported as failed and keeps its previous report; the others go on.
 */
export async function reconcileLedger(
  deps: ReconcileLedgerDeps,
  options: { budgetMs?: number } = {},
): Promise<{ run: FleetRun; reports: DriftReport[] }> {
  const started = Date.now();
  const reports: DriftReport[] = [];
  const failed: { orgId: string; code: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.calendar.dueForClose(EVERY_ORG, 50, cursor);
    cursor = page.cursor;
    for (const { orgId } of page.due) {
      if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs) {
        cursor = undefined;
        break;
      }
      try {
        reports.push(await reconcileOrg(deps, orgId));
      } catch (error) {
        const code = isAppError(error) ? error.code : 'unexpected';
        failed.push({ orgId, code });
        logger.error('ledger reconciliation failed for an org', { org: orgId, code, error });
      }
    }
  } while (cursor);
  const run: FleetRun = {
    checkedAt: deps.clock.now().toISOString(),
    orgsChecked: reports.length,
    orgsWithDrift: reports.filter((r) => r.differences.length > 0).length,
    invoicesChecked: reports.reduce((n, r) => n + r.invoicesChecked, 0),
    chargesChecked: reports.reduce((n, r) => n + r.chargesChecked, 0),
    differences: reports.reduce((n, r) => n + r.differences.length, 0),
    failed,
  };
  await deps.reports.putRun(run);
  return { run, reports };
}

/** The org's latest report (undefined before the first run that reached it). */
export const getReconciliation = (
  deps: { readonly reports: Pick<ReconciliationStore, 'getReport'> },
  orgId: string,
): Promise<DriftReport | undefined> => deps.reports.getReport(orgId);
