import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../kernel/logger';
import { overdueInvoices } from '../app/overdue';
import { deps } from '../compose-stripe';

/** Hourly: net-terms invoices past their due date and unpaid start dunning. */
export const handler = async (_event: ScheduledEvent) => {
  const report = await overdueInvoices(deps(), { budgetMs: 240_000 });
  if (report.due > 0) logger.info('overdue invoices checked', { ...report });
  return report;
};
