import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../kernel/logger';
import { closePeriods } from '../app/close-periods';
import { deps } from '../compose';

/**
 * Every 15 minutes: drafts for periods in their late-event grace, then each period's invoice once the
 * grace is over. A run stops taking orgs after 4 minutes (its timeout is 5); the rest wait for the next.
 */
export const handler = async (_event: ScheduledEvent) => {
  const report = await closePeriods(deps(), { budgetMs: 4 * 60_000 });
  if (report.due > 0) logger.info('period close', { ...report });
  return report;
};
