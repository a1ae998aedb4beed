import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../kernel/logger';
import { advanceContracts } from '../app/advance-contracts';
import { deps } from '../compose';

/** Every 15 minutes: activations at their start, expiries at their end, commitment and term-end notices. */
export const handler = async (_event: ScheduledEvent) => {
  const report = await advanceContracts(deps());
  if (report.due > 0) logger.info('contracts advanced', { ...report });
  return report;
};
