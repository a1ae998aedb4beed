import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '@aws-sdk/client-sqs';
import type { ScheduledEvent, SQSEvent } from 'aws-lambda';
import type { ScheduleDefinition } from '../../../functions/schedules';
import { parseBatchResponse, toRecord } from '../../../scripts/local/poller';
import { startScheduler } from '../../../scripts/local/scheduler';

// The scheduler logs every skipped tick and failure; the assertions here are on behaviour.
process.env.LOCAL_LOG_LEVEL = 'SILENT';
const ROOT = join(__dirname, '../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Real files so the existence check passes; the handlers themselves are injected.
const schedule = (id: string, everyMinutes: number, entry = 'functions/schedules.ts'): ScheduleDefinition => ({
  id,
  everyMinutes,
  entry,
  description: id,
});

describe('the local scheduler', () => {
  it('runs each schedule every everyMinutes / speed with an EventBridge Scheduled Event', async () => {
    const events: ScheduledEvent[] = [];
    const scheduler = startScheduler({
      schedules: [schedule('everyMinute', 1)],
      speed: 600, // 1 min → 100 ms
      minIntervalMs: 10,
      root: ROOT,
      loadHandler: async () => async (event) => void events.push(event),
    });
    await sleep(450);
    await scheduler.stop();
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.length).toBeLessThanOrEqual(5);
    expect(events[0]).toEqual({
      version: '0',
      id: expect.any(String),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/billing-everyMinute'],
      detail: {},
    });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('never overlaps two runs of the same schedule', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const scheduler = startScheduler({
      schedules: [schedule('slow', 1)],
      speed: 6000, // every 10 ms, while a run takes 60 ms
      minIntervalMs: 10,
      root: ROOT,
      runAtStart: true,
      loadHandler: async () => async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await sleep(60);
        running -= 1;
        runs += 1;
      },
    });
    await sleep(400);
    await scheduler.stop();
    expect(maxRunning).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  it('stop() cancels further runs and waits for the one in progress', async () => {
    let finished = 0;
    const scheduler = startScheduler({
      schedules: [schedule('s', 1)],
      speed: 6000,
      minIntervalMs: 10,
      root: ROOT,
      runAtStart: true,
      loadHandler: async () => async () => {
        await sleep(50);
        finished += 1;
      },
    });
    await sleep(20);
    await scheduler.stop();
    const atStop = finished;
    expect(atStop).toBeGreaterThanOrEqual(1);
    await sleep(100);
    expect(finished).toBe(atStop);
  });

  it('skips a schedule whose entry does not exist, and a failing handler does not stop the others', async () => {
    const loaded: string[] = [];
    let good = 0;
    const scheduler = startScheduler({
      schedules: [
        schedule('missing', 1, 'functions/handlers/schedule/nope.ts'),
        schedule('bad', 1),
        schedule('good', 1),
      ],
      speed: 600,
      minIntervalMs: 10,
      root: ROOT,
      loadHandler: async (s) => {
        loaded.push(s.id);
        return s.id === 'bad'
          ? async () => {
              throw new Error('boom');
            }
          : async () => {
              good += 1;
            };
      },
    });
    await sleep(350);
    await scheduler.stop();
    expect(loaded).not.toContain('missing');
    expect(scheduler.runs).not.toHaveProperty('missing');
    expect(good).toBeGreaterThanOrEqual(2);
    expect(scheduler.runs.bad).toBeGreaterThanOrEqual(2);
  });
});

describe('SQS records and partial batch responses', () => {
  const sample = (JSON.parse(readFileSync(join(ROOT, 'test/fixtures/aws/sqs-event.json'), 'utf8')) as SQSEvent)
    .Records[0]!;

  it('builds a record with exactly the fields of the AWS sample', () => {
    const message: Message = {
      MessageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
      ReceiptHandle: 'rh',
      Body: 'Test message.',
      MD5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
      Attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1545082649183',
        SenderId: 'AIDAIENQZJOLO23YVJ4VO',
        ApproximateFirstReceiveTimestamp: '1545082649185',
      },
      MessageAttributes: { testAttr: { StringValue: '100', DataType: 'Number' } },
    };
    const record = toRecord(message, 'arn:aws:sqs:us-east-2:123456789012:my-queue');
    expect(record).toEqual({
      ...sample,
      receiptHandle: 'rh',
      messageAttributes: {
        testAttr: { stringValue: '100', stringListValues: [], binaryListValues: [], dataType: 'Number' },
      },
    });
  });

  const ids = new Set(['a', 'b']);
  it.each([
    ['nothing returned', undefined, []],
    ['null', null, []],
    ['an empty object', {}, []],
    ['a null list', { batchItemFailures: null }, []],
    ['an empty list', { batchItemFailures: [] }, []],
    ['one failure', { batchItemFailures: [{ itemIdentifier: 'b' }] }, ['b']],
  ])('%s → success except the listed records', (_label, value, failed) => {
    expect(parseBatchResponse(value, ids)).toEqual({ ok: true, failed: new Set(failed) });
  });

  it.each([
    ['an unknown id', { batchItemFailures: [{ itemIdentifier: 'zzz' }] }],
    ['an empty id', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null id', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a misspelt key', { batchItemFailures: [{ itemIdentifer: 'a' }] }],
    ['a list that is not a list', { batchItemFailures: 'a' }],
    ['a string response', 'ok'],
  ])('%s → the whole batch failed', (_label, value) => {
    expect(parseBatchResponse(value, ids).ok).toBe(false);
  });
});
