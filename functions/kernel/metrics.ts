import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * CloudWatch metrics through the embedded metric format (Powertools): one JSON log line per flush, no
 * API call. Off locally and in tests (POWERTOOLS_METRICS_DISABLED); the logs carry the same counts.
 */
export const metrics = new Metrics({
  namespace: 'Billing',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'billing',
});

/**
 * A scheduled job's run: how many items it handled and how many it had to leave for the next run
 * because they failed (isolated: the others finished). `ScheduledItemFailures` is what to alarm on.
 */
export function publishJobMetrics(job: string, counts: { processed: number; failed: number }): void {
  metrics.addDimension('job', job);
  metrics.addMetric('ScheduledItemsProcessed', MetricUnit.Count, counts.processed);
  metrics.addMetric('ScheduledItemFailures', MetricUnit.Count, counts.failed);
  metrics.publishStoredMetrics();
}
