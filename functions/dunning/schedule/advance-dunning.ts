import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../kernel/logger';
import { publishJobMetrics } from '../../kernel/metrics';
import { advanceDunning } from '../app/dunning';
import { deps } from '../compose';

/** Hourly: orgs whose dunning deadline passed move past_due → grace → suspended → canceled. */
export const handler = async (_event: ScheduledEvent) => {
  const report = await advanceDunning(deps());
  if (report.advanced > 0 || report.failed.length > 0) logger.info('dunning advanced', { ...report });
  publishJobMetrics('advanceDunning', { processed: report.advanced, failed: report.failed.length });
  return report;
};
