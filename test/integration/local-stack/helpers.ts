import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import type { QueueDefinition } from '../../../functions/queues';
import { createQueues, localSqsClient, queueArn } from '../../../scripts/local/sqs';

export const sqs: SQSClient = localSqsClient(process.env.SQS_ENDPOINT!);

/** A fresh queue + DLQ per test (shared fauxqs, parallel workers), created exactly as the runtime does. */
export async function freshQueue(overrides: Partial<QueueDefinition> = {}) {
  const definition: QueueDefinition = {
    id: 'usage',
    name: `t-${ulid().toLowerCase()}`,
    visibilityTimeoutSeconds: 10,
    maxReceiveCount: 3,
    batchSize: 25,
    maxBatchingWindowSeconds: 1,
    dlqRetentionDays: 14,
    ...overrides,
  };
  const created = (await createQueues(sqs, [definition])).usage;
  return { definition, ...created };
}

/** A queue without a redrive policy (to exercise the poller's own redrive) and a separate DLQ. */
export async function queueWithoutRedrive(overrides: Partial<QueueDefinition> = {}) {
  const name = `t-${ulid().toLowerCase()}`;
  const definition: QueueDefinition = {
    id: 'usage',
    name,
    visibilityTimeoutSeconds: 10,
    maxReceiveCount: 2,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    dlqRetentionDays: 14,
    ...overrides,
  };
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl!;
  return { definition, url, arn: await queueArn(sqs, url), dlqUrl };
}

export async function send(queueUrl: string, bodies: string[], attributes?: Record<string, string>) {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({
          Id: String(j),
          MessageBody,
          ...(attributes
            ? {
                MessageAttributes: Object.fromEntries(
                  Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
                ),
              }
            : {}),
        })),
      }),
    );
  }
}

export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not met within ${timeoutMs} ms`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Visible + in flight: 0 means every message was deleted (or moved to the DLQ). */
export async function depth(url: string): Promise<{ visible: number; inFlight: number; total: number }> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const visible = Number(out.Attributes!.ApproximateNumberOfMessages);
  const inFlight = Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible);
  return { visible, inFlight, total: visible + inFlight };
}

/** Drains what is visible in a queue right now (used on DLQs). */
export async function drain(url: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (!r.Messages?.length) return out;
    out.push(...r.Messages);
  }
}
