import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../kernel/logger';
import { retryPayments } from '../app/collect-invoices';
import { deps } from '../compose-stripe';

/** Hourly: failed automatic charges whose retry day has come are charged again. */
export const handler = async (_event: ScheduledEvent) => {
  const report = await retryPayments(deps(), { budgetMs: 240_000 });
  if (report.due > 0) logger.info('payments retried', { ...report });
  return report;
};
