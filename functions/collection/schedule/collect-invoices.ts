import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../kernel/logger';
import { collectInvoices } from '../app/collect-invoices';
import { deps } from '../compose-stripe';

/** Every minute: issued invoices on the collection outbox are mirrored to Stripe and charged. */
export const handler = async (_event: ScheduledEvent) => {
  const report = await collectInvoices(deps(), { budgetMs: 45_000 });
  if (report.due > 0) logger.info('invoices collected', { ...report });
  return report;
};
