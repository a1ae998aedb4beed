import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../kernel/logger';
import { publishJobMetrics } from '../../kernel/metrics';
import { deliverPendingNotices } from '../app/deliver-notices';
import { deps } from '../compose';

/** Every minute: sends what the notice outbox holds to the subscribed contacts, exactly once each. */
export const handler = async (_event: ScheduledEvent) => {
  const report = await deliverPendingNotices(deps());
  if (report.notices > 0 || report.orgFailures.length > 0) logger.info('notices delivered', { ...report });
  publishJobMetrics('deliverNotices', { processed: report.orgs, failed: report.orgFailures.length });
  return report;
};
