import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { totalsByMeterModel } from '../../../functions/kernel/pricing/quantities';
import { ingestUsage } from '../../../functions/usage/app/ingest-usage';
import { type UsageDeps, deps as usageDeps } from '../../../functions/usage/compose';
import { handler } from '../../../functions/usage/queue/consume-usage';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { newUsageOrg, run, sqsEvent, tokens, tool } from '../support/usage';

const NOW = new Date('2026-11-26T17:00:00.000Z');
const clock = fixedClock(NOW);
let deps: Deps;

beforeAll(() => {
  deps = buildDeps(loadConfig(), clock);
  setDepsForTesting(deps);
});
afterAll(() => setDepsForTesting(undefined));
beforeEach(() => clock.set(NOW));

const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

async function totals(orgId: string, periodKey = '2026-11') {
  const t = await usageDeps().usageReader.periodTotals(orgId, periodKey);
  const q = Object.fromEntries(
    totalsByMeterModel(t.cells).map((m) => [`${m.meter}${m.model ? `/${m.model}` : ''}`, m.quantity]),
  );
  return { events: t.events, q };
}

describe('the usage consumer', () => {
  it('counts the same event delivered three times (in one batch and redelivered) once', async () => {
    const org = await newUsageOrg(deps);
    const e = tokens(org, 'run_1:step_1', minutesAgo(5), 1200, 340);
    const first = await handler(sqsEvent([{ body: e }, { body: e }, { body: [e, e] }]));
    expect(first).toEqual({ batchItemFailures: [] });
    await handler(sqsEvent([{ body: e }]));
    expect(await totals(org)).toEqual({
      events: 1,
      q: { 'llm_input_tokens/claude-sonnet-4': 1200, 'llm_output_tokens/claude-sonnet-4': 340 },
    });
  });

  it('counts two orgs that use the same event id separately', async () => {
    const [a, b] = [await newUsageOrg(deps), await newUsageOrg(deps)];
    await handler(sqsEvent([{ body: [tool(a, 'same-id', minutesAgo(1), 3), tool(b, 'same-id', minutesAgo(1), 4)] }]));
    expect((await totals(a)).q).toEqual({ tool_invocations: 3 });
    expect((await totals(b)).q).toEqual({ tool_invocations: 4 });
  });

  it('quarantines a duplicate event with a different quantity and keeps the original', async () => {
    const org = await newUsageOrg(deps);
    await handler(sqsEvent([{ body: tokens(org, 'run_2:step_1', minutesAgo(3), 100, 10) }]));
    const res = await handler(
      sqsEvent([
        { body: tokens(org, 'run_2:step_1', minutesAgo(3), 999, 10) },
        { body: tokens(org, 'x', minutesAgo(3), 1, 1) },
      ]),
    );
    expect(res.batchItemFailures).toEqual([]);
    expect((await totals(org)).q['llm_input_tokens/claude-sonnet-4']).toBe(101);
    const rejected = await usageDeps().usageReader.listRejected(org, { limit: 10 });
    expect(rejected.data).toEqual([
      expect.objectContaining({ eventId: 'run_2:step_1', reason: 'conflicting_duplicate', orgId: org }),
    ]);
  });

  it('also rejects a conflicting duplicate inside one batch', async () => {
    const org = await newUsageOrg(deps);
    await handler(sqsEvent([{ body: [run(org, 'r', minutesAgo(1)), { ...run(org, 'r', minutesAgo(1)), count: 2 }] }]));
    expect((await totals(org)).q).toEqual({ agent_runs: 1 });
    const rejected = await usageDeps().usageReader.listRejected(org, { limit: 10 });
    expect(rejected.data.map((r) => r.reason)).toEqual(['conflicting_duplicate']);
  });

  it('retries the records of an org whose terms timeline cannot be read, and counts them once later', async () => {
    const [ok, unlucky] = [await newUsageOrg(deps), await newUsageOrg(deps)];
    const base = usageDeps();
    const failing: UsageDeps = {
      ...base,
      termsStarts: async (orgId, from, to) => {
        if (orgId === unlucky) throw new Error('injected: the terms timeline read failed');
        return base.termsStarts!(orgId, from, to);
      },
    };
    const records = [
      { messageId: 'm-ok', body: JSON.stringify([tool(ok, 't1', minutesAgo(2), 3)]), sentAt: NOW },
      { messageId: 'm-unlucky', body: JSON.stringify([tool(unlucky, 't1', minutesAgo(2), 5)]), sentAt: NOW },
    ];
    const first = await ingestUsage(failing, records);
    expect(first).toMatchObject({ failedMessageIds: ['m-unlucky'], counted: 1 });
    expect((await totals(unlucky)).events).toBe(0);
    const redelivered = await ingestUsage(base, records);
    expect(redelivered).toMatchObject({ failedMessageIds: [], counted: 1, duplicates: 1 });
    expect((await totals(ok)).q).toEqual({ tool_invocations: 3 });
    expect((await totals(unlucky)).q).toEqual({ tool_invocations: 5 });
  });

  it('counts the rest of a batch holding a malformed event and quarantines the bad one', async () => {
    const org = await newUsageOrg(deps);
    const res = await handler(
      sqsEvent([
        { body: [tool(org, 't1', minutesAgo(1)), { ...tool(org, 't2', minutesAgo(1)), count: -4 }] },
        { body: run(org, 'r1', minutesAgo(1)) },
        { body: 'not json {' },
      ]),
    );
    expect(res.batchItemFailures).toEqual([]);
    expect((await totals(org)).q).toEqual({ tool_invocations: 1, agent_runs: 1 });
    const rejected = await usageDeps().usageReader.listRejected(org, { limit: 10 });
    expect(rejected.data).toEqual([expect.objectContaining({ eventId: 't2', reason: 'invalid_event', position: 1 })]);
    expect(rejected.data[0]!.details).toEqual([expect.objectContaining({ path: 'count' })]);
  });

  it('quarantines unknown orgs globally and timestamps outside the accepted window under the org', async () => {
    const org = await newUsageOrg(deps);
    const res = await handler(
      sqsEvent([
        { body: run('org_does_not_exist_here', 'u1', minutesAgo(1)) },
        { body: run(org, 'old', new Date(NOW.getTime() - 31 * 86_400_000)) },
        { body: run(org, 'future', new Date(NOW.getTime() + 6 * 60_000)) },
        { body: run(org, 'skewed-but-ok', new Date(NOW.getTime() + 4 * 60_000)) },
      ]),
    );
    expect(res.batchItemFailures).toEqual([]);
    expect((await totals(org)).q).toEqual({ agent_runs: 1 });
    const rejected = await usageDeps().usageReader.listRejected(org, { limit: 10 });
    expect(rejected.data.map((r) => r.reason).sort()).toEqual(['timestamp_in_future', 'timestamp_too_old']);
    const global = await usageDeps().usageReader.listRejected(undefined, { limit: 100 });
    expect(global.data.some((r) => r.eventId === 'u1' && r.reason === 'unknown_org')).toBe(true);
  });

  it('keeps late events of a closed period and flags them for an adjustment', async () => {
    const org = await newUsageOrg(deps);
    clock.set('2026-12-02T10:00:00.000Z');
    await handler(
      sqsEvent([
        {
          body: [
            run(org, 'late-1', new Date('2026-11-30T23:59:00.000Z')),
            run(org, 'now-1', new Date('2026-12-02T09:00:00.000Z')),
          ],
        },
      ]),
    );
    expect((await totals(org, '2026-11')).q).toEqual({ agent_runs: 1 });
    expect((await totals(org, '2026-12')).q).toEqual({ agent_runs: 1 });
    const adjustments = await usageDeps().usage.adjustments(org);
    expect([...adjustments.keys()]).toEqual(['2026-11']);
    expect(totalsByMeterModel(adjustments.get('2026-11')!)).toEqual([{ meter: 'agent_runs', quantity: 1 }]);
  });

  it('fails only the records of a transaction that failed, and totals are exact after redelivery', async () => {
    const org = await newUsageOrg(deps);
    // 3 messages × 60 events: more than one transaction (100 actions each).
    const messages = [0, 1, 2].map((m) => ({
      messageId: `m${m}-${org}`,
      body: Array.from({ length: 60 }, (_, i) => tool(org, `m${m}-e${i}`, minutesAgo(2), 1)),
    }));
    let calls = 0;
    const failSecond =
      (next: (a: unknown) => Promise<unknown>) => async (args: { input: { TransactItems?: unknown } }) => {
        if (args.input.TransactItems && ++calls === 2) throw new Error('injected: consumer died between transactions');
        return next(args);
      };
    deps.db.middlewareStack.add(failSecond as never, { step: 'initialize', name: 'failSecond' });
    let res: Awaited<ReturnType<typeof handler>>;
    try {
      res = await handler(sqsEvent(messages));
    } finally {
      deps.db.middlewareStack.remove('failSecond');
    }
    expect(res.batchItemFailures.length).toBeGreaterThan(0);
    expect(res.batchItemFailures.length).toBeLessThan(3);
    expect((await totals(org)).events).toBeLessThan(180);
    // SQS redelivers only the failed records.
    const failedIds = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    const again = await handler(sqsEvent(messages.filter((m) => failedIds.has(m.messageId))));
    expect(again.batchItemFailures).toEqual([]);
    expect(await totals(org)).toEqual({ events: 180, q: { tool_invocations: 180 } });
  });

  it('retries a transaction cancelled by a TransactionConflict with backoff and counts once', async () => {
    const org = await newUsageOrg(deps);
    let injected = 0;
    const conflictTwice =
      (next: (a: unknown) => Promise<unknown>) => async (args: { input: { TransactItems?: unknown[] } }) => {
        if (args.input.TransactItems && injected < 2) {
          injected += 1;
          throw new TransactionCanceledException({
            message:
              'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
            $metadata: {},
            CancellationReasons: args.input.TransactItems.map((_, i) =>
              i === 0
                ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
                : { Code: 'None' },
            ),
          });
        }
        return next(args);
      };
    deps.db.middlewareStack.add(conflictTwice as never, { step: 'initialize', name: 'conflictTwice' });
    try {
      const res = await handler(sqsEvent([{ body: [run(org, 'c1', minutesAgo(1)), run(org, 'c2', minutesAgo(1))] }]));
      expect(res.batchItemFailures).toEqual([]);
    } finally {
      deps.db.middlewareStack.remove('conflictTwice');
    }
    expect(injected).toBe(2);
    expect(await totals(org)).toEqual({ events: 2, q: { agent_runs: 2 } });
  });

  it('keeps aggregates equal to the sum over distinct valid (org, id) for random streams', async () => {
    const orgs = [await newUsageOrg(deps), await newUsageOrg(deps)];
    const arbEvent = fc.record({
      org: fc.constantFrom(0, 1),
      id: fc.integer({ min: 0, max: 30 }),
      kind: fc.constantFrom('tool', 'run', 'tokens', 'bad'),
      n: fc.integer({ min: 1, max: 50 }),
    });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbEvent, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (stream, perMessage) => {
          round += 1;
          const prefix = `p${round}-`;
          // Payload is a function of (org, id, kind) only, so repeats are true duplicates.
          const build = (e: (typeof stream)[number]) => {
            const org = orgs[e.org]!;
            const id = `${prefix}${e.kind}-${e.id}`;
            const at = minutesAgo(1);
            if (e.kind === 'tool') return tool(org, id, at, (e.id % 5) + 1);
            if (e.kind === 'run') return run(org, id, at);
            if (e.kind === 'tokens') return tokens(org, id, at, e.id * 10, e.id);
            return { id, org_id: org, type: 'tool_invocation', timestamp: 'yesterday' };
          };
          const before = await Promise.all(orgs.map((o) => totals(o)));
          // Deliver the stream, then a shuffled redelivery of part of it.
          const bodies = [...stream, ...fc.sample(fc.shuffledSubarray(stream), 1)[0]!].map(build);
          const messages = [];
          for (let i = 0; i < bodies.length; i += perMessage) messages.push({ body: bodies.slice(i, i + perMessage) });
          const res = await handler(sqsEvent(messages));
          expect(res.batchItemFailures).toEqual([]);
          const expected = orgs.map(() => ({ events: 0, tools: 0, runs: 0, input: 0 }));
          const distinct = new Map(
            stream.filter((e) => e.kind !== 'bad').map((e) => [`${e.org}|${e.kind}|${e.id}`, e]),
          );
          for (const e of distinct.values()) {
            const x = expected[e.org]!;
            x.events += 1;
            if (e.kind === 'tool') x.tools += (e.id % 5) + 1;
            if (e.kind === 'run') x.runs += 1;
            if (e.kind === 'tokens') x.input += e.id * 10;
          }
          const after = await Promise.all(orgs.map((o) => totals(o)));
          orgs.forEach((_, k) => {
            const d = (key: string) => (after[k]!.q[key] ?? 0) - (before[k]!.q[key] ?? 0);
            expect(after[k]!.events - before[k]!.events).toBe(expected[k]!.events);
            expect(d('tool_invocations')).toBe(expected[k]!.tools);
            expect(d('agent_runs')).toBe(expected[k]!.runs);
            expect(d('llm_input_tokens/claude-sonnet-4')).toBe(expected[k]!.input);
          });
        },
      ),
      { numRuns: 15 },
    );
  }, 60_000);
});

describe('budget notices from the consumer', () => {
  it('records one notice per threshold in the real outbox when retried batches cross it twice', async () => {
    const org = await newUsageOrg(deps); // free plan: 100 agent runs per month is a hard limit
    let crash = true;
    // The real usage deps (real outbox, real stores); only a crash between counting and notifying is injected.
    const crashing: UsageDeps = {
      ...deps,
      afterCounting: async (orgIds) => {
        if (crash) throw new Error('injected: crashed after counting, before notifying');
        await deps.afterCounting(orgIds);
      },
    };
    const causes = async () => (await deps.notices.listNotices(org, { limit: 10 })).data.map((n) => n.cause).sort();
    const batch = Array.from({ length: 85 }, (_, i) => run(org, `b-${i}`, minutesAgo(1)));
    const records = [{ messageId: 'b1', body: JSON.stringify(batch), sentAt: NOW }];
    const first = await ingestUsage(crashing, records);
    expect(first.failedMessageIds).toEqual(['b1']);
    expect(await causes()).toEqual([]);
    crash = false;
    await ingestUsage(crashing, records); // redelivery: all duplicates, still notifies 80 %
    await ingestUsage(crashing, records); // again: nothing new
    expect(await causes()).toEqual(['budget:plan_limit:agent_runs:2026-11:80']);
    const more = Array.from({ length: 20 }, (_, i) => run(org, `c-${i}`, minutesAgo(1)));
    await ingestUsage(crashing, [{ messageId: 'c1', body: JSON.stringify(more), sentAt: NOW }]);
    await ingestUsage(crashing, [{ messageId: 'c1', body: JSON.stringify(more), sentAt: NOW }]);
    expect(await causes()).toEqual([
      'budget:plan_limit:agent_runs:2026-11:100',
      'budget:plan_limit:agent_runs:2026-11:80',
    ]);
    const hundred = (await deps.notices.listNotices(org, { limit: 10 })).data.find((n) => n.cause.endsWith(':100'));
    expect(hundred).toMatchObject({
      orgId: org,
      kind: 'budget',
      data: expect.objectContaining({ used: 105, limit: 100 }),
    });
  }, 30_000);
});
