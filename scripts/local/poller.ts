import { createHash, randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueueDefinition } from '../../functions/queues';
import { log } from './log';

/**
 * A Lambda SQS event source mapping, locally: long-poll, gather up to `batchSize` records within the
 * batching window (SQS returns at most 10 per receive), invoke the handler with an SQSEvent shaped
 * like AWS's, then delete only the records the handler did not list in `batchItemFailures`. If the
 * handler throws, nothing is deleted and the whole batch comes back after the visibility timeout,
 * exactly as on AWS. Redrive to the DLQ after maxReceiveCount is the queue's (fauxqs honours it).
 *
 * `retryDelaySeconds` shortens the wait before failed records reappear (Lambda leaves them invisible
 * for the whole visibility timeout); locally that makes retries observable in seconds.
 */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  definition: QueueDefinition;
  handler: SqsHandler;
  retryDelaySeconds?: number;
  region?: string;
}

export interface Poller {
  stop(): Promise<void>;
  /** Batches handled so far (for tests and the demo). */
  readonly batches: number;
}

export function startPoller(options: PollerOptions): Poller {
  const { definition } = options;
  const abort = new AbortController();
  let batches = 0;
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        const messages = await gather(options, abort.signal);
        if (messages.length === 0) continue;
        batches += 1;
        await invoke(options, messages);
      } catch (error) {
        if (abort.signal.aborted) break;
        log('ERROR', 'poller iteration failed', { queue: definition.name, error: String(error) });
        await sleep(1000);
      }
    }
  })();
  return {
    get batches() {
      return batches;
    },
    stop: async () => {
      abort.abort();
      await loop;
    },
  };
}

async function gather(options: PollerOptions, signal: AbortSignal): Promise<Message[]> {
  const { sqs, queueUrl, definition } = options;
  const messages: Message[] = [];
  const windowEnds = Date.now() + definition.maxBatchingWindowSeconds * 1000;
  while (messages.length < definition.batchSize && !signal.aborted) {
    const waitSeconds = messages.length === 0 ? 2 : Math.max(0, Math.ceil((windowEnds - Date.now()) / 1000));
    const out = await sqs
      .send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, definition.batchSize - messages.length),
          WaitTimeSeconds: Math.min(waitSeconds, 20),
          VisibilityTimeout: definition.visibilityTimeoutSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      )
      .catch((error: Error) => {
        if (signal.aborted) return { Messages: [] };
        throw error;
      });
    const received = out.Messages ?? [];
    messages.push(...received);
    if (messages.length > 0 && (received.length === 0 || Date.now() >= windowEnds)) break;
  }
  return messages;
}

async function invoke(options: PollerOptions, messages: Message[]): Promise<void> {
  const { sqs, queueUrl, definition } = options;
  const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options)) };
  let failedIds: Set<string>;
  try {
    const result = await options.handler(event, lambdaContext(definition.name));
    failedIds = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch (error) {
    // A thrown handler fails the whole batch: nothing is deleted.
    log('ERROR', 'queue handler threw; the whole batch will be retried', {
      queue: definition.name,
      error: String(error),
    });
    failedIds = new Set(messages.map((m) => m.MessageId!));
  }
  const done = messages.filter((m) => !failedIds.has(m.MessageId!));
  const failed = messages.filter((m) => failedIds.has(m.MessageId!));
  for (let i = 0; i < done.length; i += 10) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  if (failed.length > 0 && options.retryDelaySeconds !== undefined) {
    for (let i = 0; i < failed.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: failed.slice(i, i + 10).map((m, j) => ({
            Id: String(j),
            ReceiptHandle: m.ReceiptHandle!,
            VisibilityTimeout: options.retryDelaySeconds!,
          })),
        }),
      );
    }
  }
}

function toRecord(m: Message, options: PollerOptions): SQSRecord {
  const attributes = m.Attributes ?? {};
  const now = String(Date.now());
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? now,
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? now,
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId ? { MessageDeduplicationId: attributes.MessageDeduplicationId } : {}),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        {
          stringValue: v.StringValue,
          binaryValue: v.BinaryValue ? Buffer.from(v.BinaryValue).toString('base64') : undefined,
          stringListValues: [],
          binaryListValues: [],
          dataType: v.DataType ?? 'String',
        },
      ]),
    ),
    md5OfBody:
      m.MD5OfBody ??
      createHash('md5')
        .update(m.Body ?? '')
        .digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: options.region ?? 'us-east-1',
  };
}

function lambdaContext(name: string): Context {
  const requestId = randomUUID();
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `billing-${name}-consumer`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:billing-${name}-consumer`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/billing-${name}-consumer`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
