import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { type Poller, type PollerOptions, startPoller } from '../../../scripts/local/poller';
import { depth, drain, freshQueue, queueWithoutRedrive, send, sleep, sqs, until } from './helpers';

// The event source mapping semantics of scripts/local/poller.ts, against fauxqs (no mocks). Handlers
// here fail on purpose, and the poller logs each failure: keep the output for real problems.
process.env.LOCAL_LOG_LEVEL = 'SILENT';

const pollers: Poller[] = [];
const poll = (options: Omit<PollerOptions, 'sqs'>) => {
  const p = startPoller({ sqs, ...options });
  pollers.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

const AWS_SAMPLE = JSON.parse(readFileSync(join(__dirname, '../../fixtures/aws/sqs-event.json'), 'utf8')) as SQSEvent;

describe('batching', () => {
  it('gathers up to batchSize records (beyond the 10 per receive) within the batching window', async () => {
    const q = await freshQueue({ batchSize: 25, maxBatchingWindowSeconds: 2 });
    await send(
      q.url,
      Array.from({ length: 25 }, (_, i) => `m${i}`),
    );
    const sizes: number[] = [];
    poll({
      queueUrl: q.url,
      definition: q.definition,
      handler: async (e) => {
        sizes.push(e.Records.length);
      },
    });
    await until(() => sizes.reduce((a, b) => a + b, 0) === 25);
    expect(Math.max(...sizes)).toBeGreaterThan(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(25);
    await until(async () => (await depth(q.url)).total === 0, 5000, 'all deleted');
  });

  it('never exceeds batchSize, and with no batching window invokes once per receive (≤ 10)', async () => {
    const q = await freshQueue({ batchSize: 7, maxBatchingWindowSeconds: 0 });
    await send(
      q.url,
      Array.from({ length: 30 }, (_, i) => `m${i}`),
    );
    const sizes: number[] = [];
    poll({ queueUrl: q.url, definition: q.definition, handler: async (e) => void sizes.push(e.Records.length) });
    await until(() => sizes.reduce((a, b) => a + b, 0) === 30);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(7);
  });

  it("keeps an invocation under Lambda's payload limit and carries the rest to the next one, losing nothing", async () => {
    const q = await freshQueue({ batchSize: 20, maxBatchingWindowSeconds: 1 });
    const body = 'x'.repeat(4000);
    await send(
      q.url,
      Array.from({ length: 20 }, (_, i) => `${i}:${body}`),
    );
    const batches: string[][] = [];
    poll({
      queueUrl: q.url,
      definition: q.definition,
      maxPayloadBytes: 20_000, // ~4 records of 4 KB plus their envelope
      handler: async (e) => void batches.push(e.Records.map((r) => r.body.split(':')[0]!)),
    });
    await until(() => batches.flat().length >= 20);
    expect(batches.every((b) => b.length <= 4)).toBe(true);
    expect(new Set(batches.flat()).size).toBe(20);
    await until(async () => (await depth(q.url)).total === 0, 5000, 'all deleted');
  });
});

describe('the event', () => {
  it('has the record shape Lambda sends (same fields as the AWS sample, string attributes)', async () => {
    const q = await freshQueue({ batchSize: 1, maxBatchingWindowSeconds: 0 });
    await send(q.url, ['{"hello":"world"}'], { source: 'test' });
    let record: SQSRecord | undefined;
    poll({
      queueUrl: q.url,
      definition: q.definition,
      handler: async (e) => {
        record = e.Records[0];
      },
    });
    await until(() => record !== undefined);
    const sample = AWS_SAMPLE.Records[0]!;
    expect(Object.keys(record!).sort()).toEqual(Object.keys(sample).sort());
    for (const key of Object.keys(sample.attributes)) {
      expect(typeof record!.attributes[key as keyof SQSRecord['attributes']]).toBe('string');
    }
    expect(record).toMatchObject({
      body: '{"hello":"world"}',
      md5OfBody: 'fbc24bcc7a1794758fc1327fcfebdaf6',
      eventSource: 'aws:sqs',
      eventSourceARN: q.arn,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: { source: { stringValue: 'test', dataType: 'String' } },
    });
    expect(Number(record!.attributes.SentTimestamp)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('partial batch responses', () => {
  it('deletes only the records not in batchItemFailures; the failed one comes back with a higher receive count', async () => {
    // batchSize 3: the first invocation starts as soon as all three are in, not at the end of the window.
    const q = await freshQueue({ batchSize: 3, maxBatchingWindowSeconds: 1 });
    await send(q.url, ['ok-1', 'bad', 'ok-2']);
    const seen: { body: string; count: string }[] = [];
    poll({
      queueUrl: q.url,
      definition: q.definition,
      retryDelaySeconds: 0,
      handler: async (e) => {
        seen.push(...e.Records.map((r) => ({ body: r.body, count: r.attributes.ApproximateReceiveCount })));
        const failFirstTime = e.Records.filter((r) => r.body === 'bad' && r.attributes.ApproximateReceiveCount === '1');
        return { batchItemFailures: failFirstTime.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    await until(() => seen.filter((s) => s.body === 'bad').length === 2);
    await until(async () => (await depth(q.url)).total === 0, 5000, 'all deleted');
    expect(seen.filter((s) => s.body === 'ok-1')).toHaveLength(1);
    expect(seen.filter((s) => s.body === 'ok-2')).toHaveLength(1);
    expect(seen.filter((s) => s.body === 'bad').map((s) => s.count)).toEqual(['1', '2']);
  });

  it('retries the whole batch when the handler throws', async () => {
    const q = await freshQueue({ batchSize: 2, maxBatchingWindowSeconds: 1 });
    await send(q.url, ['a', 'b']);
    let calls = 0;
    const seen: string[] = [];
    poll({
      queueUrl: q.url,
      definition: q.definition,
      retryDelaySeconds: 0,
      handler: async (e) => {
        calls += 1;
        seen.push(...e.Records.map((r) => r.body));
        if (calls === 1) throw new Error('boom');
      },
    });
    await until(async () => seen.length >= 4 && (await depth(q.url)).total === 0);
    expect(seen.filter((s) => s === 'a')).toHaveLength(2);
    expect(seen.filter((s) => s === 'b')).toHaveLength(2);
  });

  it('treats an itemIdentifier that is not in the batch as a failure of the whole batch (as Lambda does)', async () => {
    const q = await freshQueue({ batchSize: 2, maxBatchingWindowSeconds: 1 });
    await send(q.url, ['a', 'b']);
    const seen: string[] = [];
    let calls = 0;
    poll({
      queueUrl: q.url,
      definition: q.definition,
      retryDelaySeconds: 0,
      handler: async (e) => {
        calls += 1;
        seen.push(...e.Records.map((r) => r.body));
        return calls === 1
          ? { batchItemFailures: [{ itemIdentifier: 'not-a-message-id' }] }
          : { batchItemFailures: [] };
      },
    });
    await until(async () => seen.length >= 4 && (await depth(q.url)).total === 0);
    expect(seen.sort()).toEqual(['a', 'a', 'b', 'b']);
  });

  it('treats a handler that outlives its timeout as failed: nothing deleted', async () => {
    const q = await freshQueue({ batchSize: 1, maxBatchingWindowSeconds: 0 });
    await send(q.url, ['slow']);
    let calls = 0;
    poll({
      queueUrl: q.url,
      definition: q.definition,
      retryDelaySeconds: 0,
      timeoutSeconds: 0.2,
      handler: async () => {
        calls += 1;
        if (calls === 1) await sleep(1000);
      },
    });
    await until(async () => calls >= 2 && (await depth(q.url)).total === 0);
  });

  it('leaves a failed record invisible for the whole visibility timeout by default (Lambda does not release it)', async () => {
    const q = await freshQueue({ batchSize: 1, maxBatchingWindowSeconds: 0, visibilityTimeoutSeconds: 2 });
    await send(q.url, ['fail-once']);
    const at: number[] = [];
    poll({
      queueUrl: q.url,
      definition: q.definition,
      handler: async (e) => {
        at.push(Date.now());
        return at.length === 1 ? { batchItemFailures: [{ itemIdentifier: e.Records[0]!.messageId }] } : undefined;
      },
    });
    await until(() => at.length === 2, 10_000);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1800);
  });
});

describe('redrive', () => {
  it('fauxqs itself moves a message to the DLQ on the receive after maxReceiveCount (no poller involved)', async () => {
    const q = await freshQueue({ maxReceiveCount: 2, visibilityTimeoutSeconds: 10 });
    await send(q.url, ['poison']);
    const counts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: q.url,
          VisibilityTimeout: 0, // visible again at once
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      counts.push(...(out.Messages ?? []).map((m) => m.Attributes!.ApproximateReceiveCount!));
    }
    expect(counts).toEqual(['1', '2']); // the third receive found it gone
    const dead = await drain(q.dlqUrl);
    expect(dead.map((m) => m.Body)).toEqual(['poison']);
  });

  it('a record that keeps failing reaches the DLQ after exactly maxReceiveCount invocations', async () => {
    const q = await freshQueue({ maxReceiveCount: 3, batchSize: 10, maxBatchingWindowSeconds: 0 });
    await send(q.url, ['poison', 'fine']);
    const attempts: Record<string, number> = {};
    poll({
      queueUrl: q.url,
      definition: q.definition,
      retryDelaySeconds: 0,
      handler: async (e) => {
        for (const r of e.Records) attempts[r.body] = (attempts[r.body] ?? 0) + 1;
        return {
          batchItemFailures: e.Records.filter((r) => r.body === 'poison').map((r) => ({ itemIdentifier: r.messageId })),
        };
      },
    });
    let dead: string[] = [];
    await until(async () => {
      dead = dead.concat((await drain(q.dlqUrl)).map((m) => m.Body!));
      return dead.length > 0;
    });
    expect(dead).toEqual(['poison']);
    expect(attempts).toEqual({ poison: 3, fine: 1 });
  });

  it('the poller redrives by itself when the queue has no redrive policy and a DLQ URL is given', async () => {
    const q = await queueWithoutRedrive({ maxReceiveCount: 2 });
    await send(q.url, ['poison']);
    let attempts = 0;
    const poller = poll({
      queueUrl: q.url,
      dlqUrl: q.dlqUrl,
      definition: q.definition,
      retryDelaySeconds: 0,
      handler: async (e) => {
        attempts += e.Records.length;
        return { batchItemFailures: e.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    await until(() => poller.stats.redriven === 1);
    expect(attempts).toBe(2);
    expect((await drain(q.dlqUrl)).map((m) => m.Body)).toEqual(['poison']);
    expect((await depth(q.url)).total).toBe(0);
  });
});

describe('stop()', () => {
  it('is prompt while a 20 s long poll is waiting on an empty queue', async () => {
    const q = await freshQueue();
    const poller = poll({ queueUrl: q.url, definition: q.definition, handler: async () => undefined });
    await sleep(300); // the long poll is in progress
    const started = Date.now();
    await poller.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('lets the in-flight invocation finish and deletes its records before resolving', async () => {
    const q = await freshQueue({ batchSize: 5, maxBatchingWindowSeconds: 0 });
    await send(q.url, ['a', 'b', 'c']);
    let finished = false;
    let entered = false;
    const poller = poll({
      queueUrl: q.url,
      definition: q.definition,
      handler: async () => {
        entered = true;
        await sleep(500);
        finished = true;
      },
    });
    await until(() => entered);
    await poller.stop();
    expect(finished).toBe(true);
    expect((await depth(q.url)).total).toBe(0);
  });

  it('survives a handler that throws something that is not an Error, and keeps polling', async () => {
    const q = await freshQueue({ batchSize: 1, maxBatchingWindowSeconds: 0 });
    await send(q.url, ['x', 'y']);
    let calls = 0;
    poll({
      queueUrl: q.url,
      definition: q.definition,
      retryDelaySeconds: 0,
      handler: async () => {
        calls += 1;
        if (calls === 1) throw 'a string';
      },
    });
    await until(async () => calls >= 3 && (await depth(q.url)).total === 0);
  });
});
