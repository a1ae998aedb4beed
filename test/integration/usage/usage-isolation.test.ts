import { ThrottlingException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { keys } from '../../../functions/kernel/dynamo/keys';
import { totalsByMeterModel } from '../../../functions/kernel/pricing/quantities';
import { ingestUsage, type UsageRecord } from '../../../functions/usage/app/ingest-usage';
import type { UsageDeps } from '../../../functions/usage/compose';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { newUsageOrg, run, tool } from '../support/usage';

/**
 * One tenant's trouble stays its own (issue 15: items 3, 7, 9, 10): a failing org check, a failing
 * transaction or a refused counter update touches only the records of the org it concerns.
 */
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
const record = (messageId: string, events: unknown[]): UsageRecord => ({
  messageId,
  body: JSON.stringify(events),
  sentAt: NOW,
});

async function quantities(orgId: string) {
  const t = await deps.usageReader.periodTotals(orgId, '2026-11');
  return { events: t.events, q: Object.fromEntries(totalsByMeterModel(t.cells).map((m) => [m.meter, m.quantity])) };
}

type Middleware = (
  next: (a: unknown) => Promise<unknown>,
) => (args: { input: Record<string, unknown> }) => Promise<unknown>;
async function withMiddleware<T>(
  name: string,
  step: 'initialize' | 'build' | 'deserialize',
  middleware: Middleware,
  body: () => Promise<T>,
) {
  deps.db.middlewareStack.add(middleware as never, { step: step as 'initialize', name });
  try {
    return await body();
  } finally {
    deps.db.middlewareStack.remove(name);
  }
}

/** The PK of a Put (document form, or marshalled as the SDK's deserialize step sees it). */
const putPk = (i: { Put?: { Item?: { PK?: unknown } } }) => {
  const pk = i.Put?.Item?.PK;
  return String(typeof pk === 'object' && pk !== null ? (pk as { S?: string }).S : (pk ?? ''));
};
/** True when a TransactWriteItems input holds a dedup marker of `orgId`. */
const touchesOrg = (input: Record<string, unknown>, orgId: string) =>
  ((input.TransactItems as { Put?: { Item?: { PK?: unknown } } }[] | undefined) ?? []).some((i) =>
    putPk(i).startsWith(`USAGE_EVENT#${orgId}#`),
  );

describe('usage ingestion isolates tenants', () => {
  it('fails only the records of an org whose existence cannot be checked, and counts the others', async () => {
    const [ok, unlucky] = [await newUsageOrg(deps), await newUsageOrg(deps)];
    const flaky: UsageDeps = {
      ...deps,
      orgExists: async (orgId) => {
        if (orgId === unlucky) throw new Error('injected: the org read timed out');
        return deps.orgExists(orgId);
      },
    };
    const records = [
      record('m-ok', [tool(ok, 't1', minutesAgo(1), 2)]),
      record('m-unlucky', [tool(unlucky, 't1', minutesAgo(1), 7)]),
    ];
    const first = await ingestUsage(flaky, records);
    expect(first).toMatchObject({ failedMessageIds: ['m-unlucky'], counted: 1, rejected: 0 });
    expect(await quantities(ok)).toEqual({ events: 1, q: { tool_invocations: 2 } });
    expect((await quantities(unlucky)).events).toBe(0);
    // Redelivered, the failed record counts; nothing was quarantined for the org that could not be checked.
    expect(await ingestUsage(deps, records)).toMatchObject({ failedMessageIds: [], counted: 1, duplicates: 1 });
    expect(await quantities(unlucky)).toEqual({ events: 1, q: { tool_invocations: 7 } });
    expect((await deps.usageReader.listRejected(unlucky, { limit: 10 })).data).toEqual([]);
  });

  it("never puts two orgs' events in one transaction: a failing org does not fail its neighbour", async () => {
    const [ok, unlucky] = [await newUsageOrg(deps), await newUsageOrg(deps)];
    // One message with both orgs' events: few enough for one transaction if orgs were mixed.
    const records = [
      record('m-both', [tool(ok, 'a1', minutesAgo(1)), tool(unlucky, 'b1', minutesAgo(1))]),
      record('m-ok', [run(ok, 'a2', minutesAgo(1))]),
    ];
    const result = await withMiddleware(
      'failUnlucky',
      'initialize',
      (next) => async (args) => {
        if (touchesOrg(args.input, unlucky)) throw new Error('injected: a transaction of this org fails');
        return next(args);
      },
      () => ingestUsage(deps, records),
    );
    expect(result.failedMessageIds).toEqual(['m-both']);
    expect(await quantities(ok)).toEqual({ events: 2, q: { tool_invocations: 1, agent_runs: 1 } });
    expect((await quantities(unlucky)).events).toBe(0);
  });

  it('quarantines an event DynamoDB refuses to count for good, and counts the rest of its transaction', async () => {
    const org = await newUsageOrg(deps);
    const events = Array.from({ length: 9 }, (_, i) => tool(org, `e${i}`, minutesAgo(1)));
    const result = await withMiddleware(
      'refuseE4',
      'initialize',
      (next) => async (args) => {
        const items = args.input.TransactItems as { Put?: { Item?: { PK?: string } } }[] | undefined;
        if (items?.some((i) => i.Put?.Item?.PK === `USAGE_EVENT#${org}#e4`)) {
          throw new TransactionCanceledException({
            message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]',
            $metadata: {},
            CancellationReasons: items.map((i) =>
              i.Put
                ? { Code: 'None' }
                : { Code: 'ValidationError', Message: 'Item size to update has exceeded the maximum allowed size' },
            ),
          });
        }
        return next(args);
      },
      () => ingestUsage(deps, [record('m1', events)]),
    );
    expect(result).toMatchObject({ failedMessageIds: [], counted: 8, rejected: 1 });
    expect(await quantities(org)).toEqual({ events: 8, q: { tool_invocations: 8 } });
    const rejected = await deps.usageReader.listRejected(org, { limit: 10 });
    expect(rejected.data).toEqual([
      expect.objectContaining({
        eventId: 'e4',
        reason: 'uncountable',
        details: { reason: 'Item size to update has exceeded the maximum allowed size' },
      }),
    ]);
  });
});

describe('usage ingestion retry budgets', () => {
  it('leaves throttling to the SDK: a throttled transaction is sent at most the SDK attempts, then its records fail', async () => {
    const org = await newUsageOrg(deps);
    let attempts = 0;
    // In the deserialize step, inside the SDK's retry loop: every attempt the SDK makes passes here.
    const result = await withMiddleware(
      'throttle',
      'deserialize',
      (next) => async (args) => {
        if (!touchesOrg(args.input, org)) return next(args);
        attempts += 1;
        throw new ThrottlingException({
          message: 'injected: rate of requests exceeds the allowed throughput',
          $metadata: {},
        });
      },
      () => ingestUsage(deps, [record('m1', [run(org, 'r1', minutesAgo(1))])]),
    );
    expect(result.failedMessageIds).toEqual(['m1']);
    expect(attempts).toBe(5); // the client's maxAttempts, not multiplied by the store's own retries
  }, 30_000); // the SDK's own throttling backoff takes a few seconds

  it('retries a transaction cancelled by a conflict itself, since the SDK never does', async () => {
    const org = await newUsageOrg(deps);
    let attempts = 0;
    const result = await withMiddleware(
      'conflictOnce',
      'deserialize',
      (next) => async (args) => {
        if (!touchesOrg(args.input, org)) return next(args);
        attempts += 1;
        if (attempts > 1) return next(args);
        const items = args.input.TransactItems as unknown[];
        throw new TransactionCanceledException({
          message: 'Transaction cancelled [TransactionConflict]',
          $metadata: {},
          CancellationReasons: items.map((_, i) => (i === 0 ? { Code: 'TransactionConflict' } : { Code: 'None' })),
        });
      },
      () => ingestUsage(deps, [record('m1', [run(org, 'r1', minutesAgo(1))])]),
    );
    expect(result).toMatchObject({ failedMessageIds: [], counted: 1 });
    expect(attempts).toBe(2);
  });
});

describe('budget notices right after counting', () => {
  it('reads the totals, budgets and alerts strongly consistent, so the batch that crosses a threshold sees itself', async () => {
    const org = await newUsageOrg(deps);
    const reads: { command: string; consistent: boolean }[] = [];
    await withMiddleware(
      'recordReads',
      'initialize',
      (next) => async (args) => {
        const input = args.input as {
          KeyConditionExpression?: string;
          ExpressionAttributeValues?: Record<string, unknown>;
          ConsistentRead?: boolean;
          RequestItems?: Record<string, { Keys?: { PK: string }[]; ConsistentRead?: boolean }>;
        };
        const pk = String(input.ExpressionAttributeValues?.[':pk'] ?? '');
        if (input.KeyConditionExpression && pk.startsWith(`USAGE#${org}#`)) {
          reads.push({ command: 'Query', consistent: input.ConsistentRead === true });
        }
        for (const request of Object.values(input.RequestItems ?? {})) {
          // The budget evaluation's read (threshold invoicing reads the org's billing items after it).
          if (request.Keys?.some((k) => k.PK === `ORG#${org}` && (k as { SK?: string }).SK === 'BUDGETS')) {
            reads.push({ command: 'BatchGet', consistent: request.ConsistentRead === true });
          }
        }
        return next(args);
      },
      () => ingestUsage(deps, [record('m1', [run(org, 'r1', minutesAgo(1))])]),
    );
    expect(reads.filter((r) => r.command === 'BatchGet')).toEqual([{ command: 'BatchGet', consistent: true }]);
    expect(reads.filter((r) => r.command === 'Query').length).toBeGreaterThanOrEqual(8);
    expect(reads.every((r) => r.consistent)).toBe(true);
  });
});

describe('the unknown-org quarantine', () => {
  it('lists a flood of rejections spread over its shards, all of them, newest first, page by page', async () => {
    const prefix = `flood-${Date.now().toString(36)}`;
    const records = Array.from({ length: 12 }, (_, m) =>
      record(
        `${prefix}-${m}`,
        Array.from({ length: 25 }, (_, i) => run(`org_nobody_${prefix}`, `u${m}-${i}`, minutesAgo(1))),
      ),
    ).map((r, m) => ({ ...r, sentAt: new Date(NOW.getTime() - m * 1_000) }));
    expect((await ingestUsage(deps, records)).rejected).toBe(300);
    const mine: { messageId: string; sentAt: string }[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await deps.usageReader.listRejected(undefined, { limit: 40, ...(cursor ? { cursor } : {}) });
      mine.push(...page.data.filter((r) => r.messageId.startsWith(prefix)));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(mine).toHaveLength(300);
    const order = mine.map((r) => r.sentAt);
    expect(order).toEqual([...order].sort().reverse());
    // The items really are in several partitions.
    const shards = new Set<string>();
    for (const pk of keys.usageRejectedUnknownOrgPartitions()) {
      const out = await deps.db.send(
        new QueryCommand({
          TableName: deps.config.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :at)',
          ExpressionAttributeValues: { ':pk': pk, ':at': records[0]!.sentAt.toISOString().slice(0, 16) },
        }),
      );
      if ((out.Items ?? []).some((i) => String(i.SK).includes(prefix))) shards.add(pk);
    }
    expect(shards.size).toBeGreaterThanOrEqual(12);
  }, 30_000);
});
