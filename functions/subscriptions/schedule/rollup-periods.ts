import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../kernel/logger';
import { rollupPeriods } from '../app/rollup-periods';
import { deps } from '../compose';

/** Every 15 minutes: applies subscription changes due at a period boundary (idempotent; late runs are fine). */
export const handler = async (_event: ScheduledEvent) => {
  const report = await rollupPeriods(deps());
  if (report.due > 0) logger.info('period rollup', { ...report });
  return report;
};
