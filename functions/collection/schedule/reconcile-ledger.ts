import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../kernel/logger';
import { reconcileLedger } from '../app/reconcile-ledger';
import { deps } from '../compose-stripe';

/** Daily: every org's invoices and attempts against Stripe's; the differences are recorded. */
export const handler = async (_event: ScheduledEvent) => {
  const { run } = await reconcileLedger(deps(), { budgetMs: 240_000 });
  logger.info('ledger reconciled with Stripe', { ...run });
  return run;
};
