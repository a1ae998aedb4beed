import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { logger } from '../../kernel/logger';
import { ingestUsage } from '../app/ingest-usage';
import { deps as usageDeps } from '../compose';

/**
 * The usage queue consumer (SQS event source with ReportBatchItemFailures). Invalid events are
 * quarantined and acknowledged; only records hit by an unexpected error are returned in
 * `batchItemFailures` (exact field names: AWS ignores anything else and would redeliver the batch).
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const deps = usageDeps();
  const records = event.Records.map((r) => ({
    messageId: r.messageId,
    body: r.body,
    sentAt: new Date(Number(r.attributes?.SentTimestamp ?? deps.clock.now().getTime())),
  }));
  const result = await ingestUsage(deps, records);
  logger.info('usage batch', {
    records: records.length,
    counted: result.counted,
    duplicates: result.duplicates,
    rejected: result.rejected,
    late: result.late,
    failedRecords: result.failedMessageIds.length,
  });
  return { batchItemFailures: result.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
}
