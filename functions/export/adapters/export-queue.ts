import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ExportQueue } from '../ports';

/** The message the exports queue consumer reads: which job of which org to build. */
export interface ExportMessage {
  readonly org_id: string;
  readonly export_id: string;
}

export class SqsExportQueue implements ExportQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string | undefined,
  ) {}

  async enqueue(job: { orgId: string; id: string }): Promise<void> {
    if (!this.queueUrl) throw new Error('EXPORTS_QUEUE_URL is not configured');
    const message: ExportMessage = { org_id: job.orgId, export_id: job.id };
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }
}
