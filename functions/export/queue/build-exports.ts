import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { logger } from '../../kernel/logger';
import { QUEUES } from '../../queues';
import { buildExport } from '../app/build-export';
import { deps } from '../compose';

const Message = z.object({ org_id: z.string().min(1), export_id: z.string().min(1) });
const MAX_RECEIVES = QUEUES.find((q) => q.id === 'exports')!.maxReceiveCount;

/**
 * The exports queue consumer (batch size 1: a build may take minutes). A message that is not a job is
 * logged and dropped (nothing can build it); a build that throws is retried by SQS, and its last receive
 * marks the job failed rather than leaving it building.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    const parsed = Message.safeParse(safeJson(record.body));
    if (!parsed.success) {
      logger.error('export message is not a job: dropped', { messageId: record.messageId });
      continue;
    }
    const receives = Number(record.attributes?.ApproximateReceiveCount ?? '1');
    try {
      const outcome = await buildExport(
        deps(),
        { orgId: parsed.data.org_id, exportId: parsed.data.export_id },
        { lastAttempt: receives >= MAX_RECEIVES },
      );
      logger.info('export message', { exportId: parsed.data.export_id, outcome, receives });
    } catch {
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
