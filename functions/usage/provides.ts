import type { ExportSources } from '../export/ports';
import type { Kernel } from '../kernel/compose';
import { nextPeriod, periodOf } from '../kernel/period';
import { mapStream, once } from '../kernel/streams';
import { orgReader } from '../orgs/provides';
import { termsReader } from '../subscriptions/provides';
import { DynamoBudgetStore } from './adapters/budget-store';
import { DynamoUsageStore } from './adapters/usage-store';
import { rateUsagePeriod } from './app/rate-period';
import { getUsageSummary, totalsPerMeterModel } from './app/usage-summary';
import { encodeBudgetSet, encodeRejected, encodeUsagePeriod } from './http/encode';
import type { PeriodUsageRater, UsageSummaryReader } from './ports';

/** The real-time usage summary of the current period, as the subscription view embeds it. */
export function usageSummaryReader(k: Kernel): UsageSummaryReader {
  const deps = {
    clock: k.clock,
    orgs: orgReader(k),
    terms: termsReader(k),
    usageReader: new DynamoUsageStore(k.db, k.config.tableName),
  };
  return {
    currentPeriod: async (orgId) => {
      const summary = await getUsageSummary(deps, orgId);
      return {
        currency: summary.rating.currency,
        periodKey: summary.period.key,
        asOf: summary.asOf,
        // One entry per meter and model: the stretches of the period (see the usage summary) summed.
        meters: totalsPerMeterModel(summary.rating.lines),
        totalMinor: summary.rating.totalMinor,
      };
    },
  };
}

/** A period's usage rated as the summary rates it, for invoicing. */
export function periodUsageRater(k: Kernel): PeriodUsageRater {
  const deps = {
    orgs: orgReader(k),
    terms: termsReader(k),
    usageReader: new DynamoUsageStore(k.db, k.config.tableName),
  };
  return { ratePeriod: (orgId, period, until) => rateUsagePeriod(deps, orgId, period, until) };
}

/**
 * Usage per billing period from the org's first to the one containing `asOf` (rated as the summary and
 * the invoices rate it, and per day), the quarantined events and the budgets, as sections of the export.
 * One period is read at a time: the cost is bounded per period whatever the event count.
 */
export function usageExportSections(
  k: Kernel,
): Pick<ExportSources, 'usage_periods' | 'quarantined_usage_events' | 'budgets'> {
  const store = new DynamoUsageStore(k.db, k.config.tableName);
  const budgets = new DynamoBudgetStore(k.db, k.config.tableName);
  const deps = { orgs: orgReader(k), terms: termsReader(k), usageReader: store };
  async function* periods(orgId: string, asOf: Date) {
    const org = await deps.orgs.get(orgId);
    if (!org) return;
    for (let p = periodOf(new Date(org.createdAt)); p.start.getTime() <= asOf.getTime(); p = nextPeriod(p)) {
      const [rated, daily] = await Promise.all([rateUsagePeriod(deps, orgId, p, asOf), store.dailyCells(orgId, p.key)]);
      yield encodeUsagePeriod(rated, daily);
    }
  }
  return {
    usage_periods: { read: periods },
    quarantined_usage_events: { read: (orgId) => mapStream(store.rejectedAll(orgId), encodeRejected) },
    budgets: {
      read: (orgId) =>
        once(async () => {
          const [set, notified] = await Promise.all([budgets.get(orgId), budgets.notified(orgId)]);
          return encodeBudgetSet(set, notified);
        }),
    },
  };
}
