import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadConfig } from '../../../functions/kernel/config';
import { batchMessages, packMessages, publishUsage } from '../../../functions/usage/client/usage-publisher';
import type { UsageEventWire } from '../../../functions/usage/event-contract';

// fauxqs, started by the integration set-up (SQS_ENDPOINT).
const endpoint = loadConfig().sqsEndpoint;
const client = new SQSClient({
  region: 'us-east-1',
  endpoint,
  useQueueUrlAsEndpoint: false,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
afterAll(() => client.destroy());

const newQueue = async (name: string) =>
  (
    await client.send(
      new CreateQueueCommand({ QueueName: `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` }),
    )
  ).QueueUrl!;

const event = (i: number, pad = 0): UsageEventWire => ({
  id: `run_1:step_${i}`,
  org_id: 'org_publisher',
  type: 'agent_run',
  timestamp: '2026-11-26T17:04:18.120Z',
  count: 1,
  ...(pad ? { run_id: `r${'x'.repeat(Math.min(pad, 120))}` } : {}),
});

async function drain(queueUrl: string): Promise<UsageEventWire[]> {
  const out: UsageEventWire[] = [];
  for (let empty = 0; empty < 2; ) {
    const res = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!res.Messages?.length) {
      empty += 1;
      continue;
    }
    for (const m of res.Messages) out.push(...(JSON.parse(m.Body!) as UsageEventWire[]));
  }
  return out;
}

describe('the usage publisher', () => {
  it('packs events into messages under the size limit and messages into batches of at most 10', () => {
    const events = Array.from({ length: 1000 }, (_, i) => event(i, 100));
    const messages = packMessages(events, 8 * 1024);
    for (const m of messages) expect(Buffer.byteLength(m.body)).toBeLessThanOrEqual(8 * 1024);
    expect(messages.flatMap((m) => m.events)).toEqual(events);
    const calls = batchMessages(messages, 64 * 1024);
    for (const c of calls) {
      expect(c.length).toBeLessThanOrEqual(10);
      expect(c.reduce((s, m) => s + Buffer.byteLength(m.body), 0)).toBeLessThanOrEqual(64 * 1024);
    }
  });

  it('delivers every event once to the queue through SendMessageBatch', async () => {
    const queueUrl = await newQueue('pub');
    const events = Array.from({ length: 2500 }, (_, i) => event(i));
    const result = await publishUsage({ sqs: client, queueUrl, maxMessageBytes: 16 * 1024 }, events);
    expect(result.events).toBe(2500);
    expect(result.calls).toBeGreaterThanOrEqual(Math.ceil(result.messages / 10));
    const received = await drain(queueUrl);
    expect(received.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('retries only the failed entries, with the same bodies and event ids', async () => {
    const queueUrl = await newQueue('pub-retry');
    const sent: string[][] = [];
    let failNext = true;
    // SQS answers partial failures inside a 200: simulate one for entries 1 and 3 of the first call.
    const flaky =
      (next: (a: unknown) => Promise<{ output: { Successful?: { Id?: string }[]; Failed?: unknown[] } }>) =>
      async (args: { input: { Entries?: { Id: string; MessageBody: string }[] } }) => {
        sent.push((args.input.Entries ?? []).map((e) => e.MessageBody));
        if (failNext && args.input.Entries) {
          failNext = false;
          const keep = args.input.Entries.filter((e) => e.Id !== '1' && e.Id !== '3');
          const result = await next({ ...args, input: { ...args.input, Entries: keep } });
          return {
            ...result,
            output: {
              ...result.output,
              Failed: ['1', '3'].map((Id) => ({ Id, Code: 'InternalError', SenderFault: false, Message: 'try again' })),
            },
          };
        }
        return next(args);
      };
    client.middlewareStack.add(flaky as never, { step: 'initialize', name: 'flaky' });
    try {
      const events = Array.from({ length: 50 }, (_, i) => event(i));
      const result = await publishUsage(
        { sqs: client, queueUrl, maxMessageBytes: 1024, sleep: async () => {} },
        events,
      );
      expect(result.retriedEntries).toBe(2);
      expect(sent[1]).toEqual([sent[0]![1], sent[0]![3]]);
      const received = await drain(queueUrl);
      expect(received.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    } finally {
      client.middlewareStack.remove('flaky');
    }
  });
});
