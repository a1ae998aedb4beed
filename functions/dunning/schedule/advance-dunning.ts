import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../kernel/logger';
import { advanceDunning } from '../app/dunning';
import { deps } from '../compose';

/** Hourly: orgs whose dunning deadline passed move past_due → grace → suspended → canceled. */
export const handler = async (_event: ScheduledEvent) => {
  const report = await advanceDunning(deps());
  if (report.advanced > 0) logger.info('dunning advanced', report);
  return report;
};
