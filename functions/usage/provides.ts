import type { Kernel } from '../kernel/compose';
import { orgReader } from '../orgs/provides';
import { termsReader } from '../subscriptions/provides';
import { DynamoUsageStore } from './adapters/usage-store';
import { rateUsagePeriod } from './app/rate-period';
import { getUsageSummary, totalsPerMeterModel } from './app/usage-summary';
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
