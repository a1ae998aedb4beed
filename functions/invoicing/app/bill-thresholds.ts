import { notFound } from '../../kernel/errors';
import { logger } from '../../kernel/logger';
import { periodOf } from '../../kernel/period';
import { applyPaymentTerms } from '../domain/invoice';
import { planThresholdInvoice } from '../domain/plan';
import { billToOf, effectiveThreshold, netDaysOf } from '../domain/settings';
import {
  bumped,
  type InvoicingDeps,
  noticeIssued,
  numberAndRecord,
  retryOnConflict,
  settingsOf,
} from './invoicing-common';

export type ThresholdOutcome = 'invoiced' | 'below_threshold' | 'no_threshold';

/**
 * Interim invoices: after a usage batch is counted, for each org it touched, when the current period's
 * usage not yet billed (rated exactly as the summary rates it) has reached the org's threshold, one
 * invoice bills it. Level-triggered and idempotent: the billed record of the period moves forward in the
 * invoice's transaction (conditional on its version), so two batches racing bill the accrual once, and
 * a crossing missed here (an error) is billed by the next batch or the period close.
 */
export async function billThreshold(deps: InvoicingDeps, orgId: string): Promise<ThresholdOutcome> {
  return retryOnConflict(async () => {
    const now = deps.clock.now();
    const period = periodOf(now);
    const [org, settings, rated, billedMap, account] = await Promise.all([
      deps.orgs.get(orgId),
      settingsOf(deps, orgId),
      deps.usageRating.ratePeriod(orgId, period, now),
      deps.invoices.billed(orgId, [period.key]),
      deps.invoices.account(orgId),
    ]);
    if (!org) throw notFound('org_not_found', `organization ${orgId} does not exist`);
    const current = rated.stretches[rated.stretches.length - 1];
    // Under an enterprise contract commitments are settled by the period invoices, not by thresholds.
    if (current?.contract) return 'no_threshold';
    const threshold = current && effectiveThreshold(settings, current.planId, rated.rating.currency);
    if (threshold === undefined) return 'no_threshold';
    const billed = billedMap.get(period.key)!;
    const planned = planThresholdInvoice({
      orgId,
      billTo: billToOf(orgId, org.name, settings),
      now,
      usage: rated,
      billed,
      thresholdMinor: threshold,
      creditBalance: account.creditBalances[rated.rating.currency] ?? 0,
    });
    if (!planned) return 'below_threshold';
    const recorded = await numberAndRecord(deps, {
      orgId,
      invoices: [applyPaymentTerms(planned.invoice, netDaysOf(settings))],
      account,
      settings,
      creditBalances: { ...account.creditBalances, [rated.rating.currency]: planned.creditBalance },
      adjustments: [],
      action: 'invoice.issued',
      now,
    });
    await deps.invoices.finalize({ ...recorded, billed: [bumped(planned.billed)] });
    await noticeIssued(deps, recorded.invoices[0]!);
    return 'invoiced';
  });
}

/**
 * The usage consumer's listener. A failure here never fails the usage batch (the usage is counted; the
 * accrual stays and is billed by the next batch or the period close): it is logged and the next org is
 * tried.
 */
export async function billThresholds(deps: InvoicingDeps, orgIds: readonly string[]): Promise<void> {
  for (const orgId of orgIds) {
    try {
      const outcome = await billThreshold(deps, orgId);
      if (outcome === 'invoiced') logger.info('threshold invoice issued', { org: orgId });
    } catch (error) {
      logger.warn('threshold check failed; the next batch or the period close bills the accrual', {
        org: orgId,
        error,
      });
    }
  }
}
