import { createHash, randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { CONSUMER_TIMEOUT_SECONDS, type QueueDefinition } from '../../functions/queues';
import { log } from './log';
import { queueArn as lookUpQueueArn } from './sqs';

/**
 * A Lambda SQS event source mapping (with ReportBatchItemFailures, as the stack configures it), locally:
 *
 *  - long-polls (WaitTimeSeconds 20; `stop()` aborts the request so it is still prompt), then gathers up
 *    to `batchSize` records for at most `maxBatchingWindowSeconds` after the first one (SQS returns ≤ 10
 *    per receive), and never more than Lambda's 6 MB invocation payload: records beyond it wait for the
 *    next invocation, as they do on AWS;
 *  - receives with the definition's VisibilityTimeout and builds an SQSEvent shaped like AWS's
 *    (string attributes, camelCase record fields, eventSource 'aws:sqs', the queue's ARN and region);
 *  - after the handler returns, deletes only the records not named in `batchItemFailures[].itemIdentifier`.
 *    As Lambda documents: no response, a null/empty list → all succeeded; a throw, a timeout, or a
 *    malformed list (an entry with a missing/empty itemIdentifier or one not in the batch) → the whole
 *    batch failed and nothing is deleted;
 *  - failed records are not released: they reappear when their visibility timeout ends, as on AWS
 *    (Lambda does not call ChangeMessageVisibility). `retryDelaySeconds` shortens that wait for local
 *    demos and tests — the one deliberate difference, off by default;
 *  - redrive to the DLQ is the queue's job (RedrivePolicy; fauxqs honours it). If the queue has no
 *    redrive policy and `dlqUrl` is given, the poller moves a record received more than maxReceiveCount
 *    times itself, so the semantics hold either way.
 *
 * Handler errors never escape: they are logged as one JSON line and the records retried.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a Lambda SQS handler may return nothing at all (`async () => {}`).
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined | void>;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** The queue's ARN for `eventSourceARN`; looked up once when not given. */
  queueArn?: string;
  /** Fallback redrive target when the queue itself does not redrive (see above). */
  dlqUrl?: string;
  definition: QueueDefinition;
  handler: SqsHandler;
  /** Seconds before failed records reappear. Default: the visibility timeout (what Lambda does). */
  retryDelaySeconds?: number;
  /** The function timeout: past it the invocation counts as failed. Default CONSUMER_TIMEOUT_SECONDS. */
  timeoutSeconds?: number;
  /** Long-poll wait while the queue is empty (0–20). Default 20, like the event source mapping. */
  waitTimeSeconds?: number;
  /** Default 6 MB (Lambda's synchronous invocation payload limit). */
  maxPayloadBytes?: number;
  region?: string;
  functionName?: string;
}

export interface PollerStats {
  invocations: number;
  records: number;
  deleted: number;
  failed: number;
  redriven: number;
}

export interface Poller {
  /** Stops polling, lets the in-flight invocation finish (and its deletes), then resolves. */
  stop(): Promise<void>;
  readonly stats: Readonly<PollerStats>;
}

export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

export function startPoller(options: PollerOptions): Poller {
  const { definition } = options;
  const abort = new AbortController();
  const stats: PollerStats = { invocations: 0, records: 0, deleted: 0, failed: 0, redriven: 0 };
  const context = { options, signal: abort.signal, stats, arn: options.queueArn, carry: [] as Pending[] };
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        context.arn ??= await lookUpQueueArn(options.sqs, options.queueUrl);
        const batch = await gather(context);
        if (abort.signal.aborted) {
          context.carry.unshift(...batch);
          break;
        }
        if (batch.length > 0) await invoke(context, batch);
      } catch (error) {
        if (abort.signal.aborted) break;
        log('ERROR', 'poller iteration failed; retrying in 1 s', { queue: definition.name, error: describe(error) });
        await sleep(1000, abort.signal);
      }
    }
    // Received but never handed to the handler: make them visible again now rather than after the
    // visibility timeout (their receive count has gone up by one, as after any receive).
    await release(options, context.carry).catch(() => {});
    context.carry = [];
  })();
  return {
    stats,
    stop: async () => {
      abort.abort();
      await loop;
    },
  };
}

interface Pending {
  message: Message;
  bytes: number;
}

interface PollContext {
  options: PollerOptions;
  signal: AbortSignal;
  stats: PollerStats;
  arn: string | undefined;
  /** Received records that did not fit the previous invocation's payload. */
  carry: Pending[];
}

async function gather(ctx: PollContext): Promise<Pending[]> {
  const { options, signal } = ctx;
  const { definition } = options;
  const maxBytes = options.maxPayloadBytes ?? LAMBDA_PAYLOAD_LIMIT_BYTES;
  const batch: Pending[] = [];
  let bytes = 0;
  const take = (items: Pending[]) => {
    for (const item of items) {
      // The first record always goes (a single oversized record is SQS's 256 KB at most anyway).
      if (batch.length >= definition.batchSize || (batch.length > 0 && bytes + item.bytes > maxBytes)) {
        ctx.carry.push(item);
      } else {
        batch.push(item);
        bytes += item.bytes;
      }
    }
  };
  const carried = ctx.carry;
  ctx.carry = [];
  take(carried);
  const windowMs = definition.maxBatchingWindowSeconds * 1000;
  let windowEnds = batch.length > 0 ? Date.now() + windowMs : Number.POSITIVE_INFINITY;
  while (!signal.aborted && ctx.carry.length === 0 && batch.length < definition.batchSize) {
    let wait: number;
    if (batch.length === 0) {
      wait = options.waitTimeSeconds ?? 20;
    } else {
      const remaining = windowEnds - Date.now();
      if (remaining <= 0) break;
      wait = Math.floor(remaining / 1000); // whole seconds only; the last fraction is polled below
    }
    const received = await receive(ctx, Math.min(10, definition.batchSize - batch.length), wait);
    if (received.length > 0 && batch.length === 0) windowEnds = Date.now() + windowMs;
    take(received);
    if (received.length === 0 && batch.length > 0 && wait === 0) {
      await sleep(Math.min(50, Math.max(0, windowEnds - Date.now())), signal);
    }
  }
  return batch;
}

async function receive(ctx: PollContext, max: number, waitSeconds: number): Promise<Pending[]> {
  const { options, signal } = ctx;
  const { definition } = options;
  let out: { Messages?: Message[] };
  try {
    out = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: Math.min(20, Math.max(0, waitSeconds)),
        VisibilityTimeout: definition.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      // Aborting makes stop() prompt. As with a lost receive response on AWS, a message the server
      // hands out to the aborted long poll stays invisible for the visibility timeout.
      { abortSignal: signal },
    );
  } catch (error) {
    if (signal.aborted) return [];
    throw error;
  }
  const pending: Pending[] = [];
  for (const message of out.Messages ?? []) {
    if (await redriveIfOverdue(ctx, message)) continue;
    pending.push({ message, bytes: Buffer.byteLength(JSON.stringify(toRecord(message, ctx.arn!, options))) });
  }
  return pending;
}

/** The fallback redrive, only for a queue without a RedrivePolicy (fauxqs redrives by itself). */
async function redriveIfOverdue(ctx: PollContext, message: Message): Promise<boolean> {
  const { options } = ctx;
  const count = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
  if (!options.dlqUrl || count <= options.definition.maxReceiveCount) return false;
  await options.sqs.send(
    new SendMessageCommand({
      QueueUrl: options.dlqUrl,
      MessageBody: message.Body ?? '',
      MessageAttributes: message.MessageAttributes,
    }),
  );
  await options.sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: options.queueUrl,
      Entries: [{ Id: '0', ReceiptHandle: message.ReceiptHandle! }],
    }),
  );
  ctx.stats.redriven += 1;
  log('WARN', 'record moved to the DLQ by the poller (the queue has no redrive policy)', {
    queue: options.definition.name,
    messageId: message.MessageId,
    receiveCount: count,
  });
  return true;
}

type Outcome = { kind: 'returned'; value: unknown } | { kind: 'threw'; error: unknown } | { kind: 'timedOut' };

async function invoke(ctx: PollContext, batch: Pending[]): Promise<void> {
  const { options, stats } = ctx;
  const { definition } = options;
  const messages = batch.map((p) => p.message);
  const event: SQSEvent = { Records: messages.map((m) => toRecord(m, ctx.arn!, options)) };
  const timeoutMs = (options.timeoutSeconds ?? CONSUMER_TIMEOUT_SECONDS) * 1000;
  const lambdaContext = makeContext(options.functionName ?? `billing-${definition.name}-consumer`, timeoutMs);
  stats.invocations += 1;
  stats.records += messages.length;

  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race<Outcome>([
    Promise.resolve()
      .then(() => options.handler(event, lambdaContext))
      .then(
        (value): Outcome => ({ kind: 'returned', value }),
        (error: unknown): Outcome => ({ kind: 'threw', error }),
      ),
    new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timedOut' }), timeoutMs);
    }),
  ]);
  clearTimeout(timer);

  const ids = new Set(messages.map((m) => m.MessageId!));
  let failedIds: Set<string>;
  if (outcome.kind === 'returned') {
    const parsed = parseBatchResponse(outcome.value, ids);
    if (parsed.ok) {
      failedIds = parsed.failed;
    } else {
      log('ERROR', 'invalid batchItemFailures: Lambda fails the whole batch', {
        queue: definition.name,
        requestId: lambdaContext.awsRequestId,
        reason: parsed.reason,
      });
      failedIds = ids;
    }
  } else {
    // Lambda cannot tell which records a failed invocation processed: all of them come back.
    log('ERROR', outcome.kind === 'threw' ? 'queue handler threw' : 'queue handler timed out', {
      queue: definition.name,
      requestId: lambdaContext.awsRequestId,
      records: messages.length,
      ...(outcome.kind === 'threw' ? { error: describe(outcome.error) } : { timeoutMs }),
      // A timed-out handler keeps running in this process (Lambda would freeze it): its late writes
      // are exactly the kind of thing the consumers' idempotency must absorb.
    });
    failedIds = ids;
  }

  const done = messages.filter((m) => !failedIds.has(m.MessageId!));
  const failed = messages.filter((m) => failedIds.has(m.MessageId!));
  await deleteMessages(options, done);
  stats.deleted += done.length;
  stats.failed += failed.length;
  const delay = options.retryDelaySeconds;
  if (failed.length > 0 && delay !== undefined && delay !== definition.visibilityTimeoutSeconds) {
    await changeVisibility(options, failed, delay);
  }
}

/** Lambda's rules for a partial batch response (see the module comment). */
export function parseBatchResponse(
  value: unknown,
  batchIds: ReadonlySet<string>,
): { ok: true; failed: Set<string> } | { ok: false; reason: string } {
  if (value === undefined || value === null) return { ok: true, failed: new Set() };
  if (typeof value !== 'object') return { ok: false, reason: `response is a ${typeof value}` };
  const list = (value as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return { ok: true, failed: new Set() };
  if (!Array.isArray(list)) return { ok: false, reason: 'batchItemFailures is not a list' };
  const failed = new Set<string>();
  for (const entry of list as unknown[]) {
    const id = (entry as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') return { ok: false, reason: 'an entry has no itemIdentifier' };
    if (!batchIds.has(id)) return { ok: false, reason: `itemIdentifier ${id} is not in the batch` };
    failed.add(id);
  }
  return { ok: true, failed };
}

async function deleteMessages(options: PollerOptions, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    const out = await options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    if (out.Failed?.length) {
      // E.g. the handler outran the visibility timeout: the record may be delivered again.
      log('WARN', 'some processed records could not be deleted and may be delivered again', {
        queue: options.definition.name,
        failures: out.Failed.map((f) => ({ messageId: chunk[Number(f.Id)]?.MessageId, code: f.Code })),
      });
    }
  }
}

async function changeVisibility(options: PollerOptions, messages: Message[], seconds: number): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await options.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: messages
          .slice(i, i + 10)
          .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: seconds })),
      }),
    );
  }
}

async function release(options: PollerOptions, pending: Pending[]): Promise<void> {
  if (pending.length > 0)
    await changeVisibility(
      options,
      pending.map((p) => p.message),
      0,
    );
}

/** One record as Lambda builds it (compare /work/shared/aws-events/sqs-event.json). */
export function toRecord(m: Message, eventSourceARN: string, options: { region?: string } = {}): SQSRecord {
  const attributes = m.Attributes ?? {};
  const now = String(Date.now());
  const optional = (name: 'MessageGroupId' | 'MessageDeduplicationId' | 'SequenceNumber' | 'AWSTraceHeader') =>
    attributes[name] ? { [name]: attributes[name] } : {};
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: (value.DataType ?? 'String') as SQSMessageAttributes[string]['dataType'],
    };
  }
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? now,
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? now,
      ...optional('MessageGroupId'),
      ...optional('MessageDeduplicationId'),
      ...optional('SequenceNumber'),
      ...optional('AWSTraceHeader'),
    },
    messageAttributes,
    md5OfBody:
      m.MD5OfBody ??
      createHash('md5')
        .update(m.Body ?? '')
        .digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion: options.region ?? eventSourceARN.split(':')[3] ?? 'us-east-1',
  };
}

function makeContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
