import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SQS_MAX_MESSAGE_BYTES, type UsageEventWire } from '../event-contract';

/**
 * The agent runtime's side of the usage contract: packs events into SQS messages (a JSON array per
 * message, under SQS's 256 KB limit), messages into SendMessageBatch calls (≤ 10 entries, ≤ 256 KB in
 * total), and retries only the entries SQS reported as failed, with jittered backoff. Events keep the
 * id the producer derived from the work (`<run>:<step>`): a retry resends the same id, never a new one,
 * so the consumer counts it once whatever happens in between.
 */
export interface UsagePublisherOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Per message; defaults to SQS's 256 KB less a margin for attributes. */
  readonly maxMessageBytes?: number;
  /** Per SendMessageBatch call (sum of the bodies); same default. */
  readonly maxBatchBytes?: number;
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface PublishResult {
  readonly events: number;
  readonly messages: number;
  readonly calls: number;
  /** Entries retried after SQS reported them failed (same body, same event ids). */
  readonly retriedEntries: number;
}

export class UsagePublishError extends Error {
  constructor(
    message: string,
    /** Events that were not accepted by SQS: resend them as they are (same ids). */
    readonly unsent: readonly UsageEventWire[],
  ) {
    super(message);
    this.name = 'UsagePublishError';
  }
}

const DEFAULT_MAX_BYTES = SQS_MAX_MESSAGE_BYTES - 1024;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Packs events greedily into JSON-array message bodies of at most `maxBytes` each. */
export function packMessages(
  events: readonly UsageEventWire[],
  maxBytes: number = DEFAULT_MAX_BYTES,
): { body: string; events: UsageEventWire[] }[] {
  const out: { body: string; events: UsageEventWire[] }[] = [];
  let current: UsageEventWire[] = [];
  let size = 2; // "[" + "]"
  for (const event of events) {
    const json = JSON.stringify(event);
    const add = bytes(json) + (current.length > 0 ? 1 : 0);
    if (bytes(json) + 2 > maxBytes) throw new RangeError(`event ${event.id} alone exceeds ${maxBytes} bytes`);
    if (current.length > 0 && size + add > maxBytes) {
      out.push({ body: JSON.stringify(current), events: current });
      current = [];
      size = 2;
    }
    current.push(event);
    size += bytes(json) + (current.length > 1 ? 1 : 0);
  }
  if (current.length > 0) out.push({ body: JSON.stringify(current), events: current });
  return out;
}

/** Groups messages into SendMessageBatch calls: ≤ 10 entries and ≤ `maxBytes` of bodies per call. */
export function batchMessages<T extends { body: string }>(
  messages: readonly T[],
  maxBytes: number = DEFAULT_MAX_BYTES,
): T[][] {
  const calls: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const m of messages) {
    const b = bytes(m.body);
    if (current.length > 0 && (current.length === 10 || size + b > maxBytes)) {
      calls.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += b;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

export async function publishUsage(
  options: UsagePublisherOptions,
  events: readonly UsageEventWire[],
): Promise<PublishResult> {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_BYTES;
  const maxAttempts = options.maxAttempts ?? 6;
  const base = options.baseDelayMs ?? 50;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const messages = packMessages(events, maxBytes);
  let calls = 0;
  let retriedEntries = 0;
  for (const batch of batchMessages(messages, options.maxBatchBytes ?? DEFAULT_MAX_BYTES)) {
    // Entry ids are positions in this call: stable across retries of the same call.
    let pending = batch.map((m, i) => ({ ...m, entryId: String(i) }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) {
        retriedEntries += pending.length;
        await sleep(Math.random() * base * 2 ** (attempt - 1));
      }
      calls += 1;
      let failedIds: Set<string>;
      let lastError: unknown;
      try {
        const out = await options.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: pending.map((m) => ({ Id: m.entryId, MessageBody: m.body })),
          }),
        );
        // Sender faults are permanent (the entry is wrong); only the others are worth retrying.
        const permanent = (out.Failed ?? []).filter((f) => f.SenderFault);
        if (permanent.length > 0) {
          const bad = new Set(permanent.map((f) => f.Id));
          throw new UsagePublishError(
            `SQS refused ${permanent.length} message(s): ${permanent.map((f) => f.Code).join(', ')}`,
            pending.filter((m) => bad.has(m.entryId)).flatMap((m) => m.events),
          );
        }
        failedIds = new Set((out.Failed ?? []).map((f) => f.Id ?? ''));
      } catch (error) {
        if (error instanceof UsagePublishError) throw error;
        // The whole call failed (network, throttling): every entry is retried, with the same body.
        lastError = error;
        failedIds = new Set(pending.map((m) => m.entryId));
      }
      pending = pending.filter((m) => failedIds.has(m.entryId));
      if (pending.length > 0 && attempt >= maxAttempts) {
        throw new UsagePublishError(
          `usage events still unsent after ${maxAttempts} attempts${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
          pending.flatMap((m) => m.events),
        );
      }
    }
  }
  return { events: events.length, messages: messages.length, calls, retriedEntries };
}
