import { advanceDunning, recordPaymentFailure } from '../../../functions/dunning/app/dunning';
import { fixedClock } from '../../../functions/kernel/clock';
import { keys } from '../../../functions/kernel/dynamo/keys';
import type { Deps } from '../../support/deps';
import { freshTableDeps, provisionIn } from '../support/fresh-table';

const hours = (h: number) => h * 3_600_000;
const ctx = { actor: { type: 'system' as const, id: 'test' } };
const failedAt = new Date('2026-11-02T10:00:00.000Z');
const clock = fixedClock(failedAt);
let deps: Deps;

beforeAll(async () => {
  deps = await freshTableDeps(clock);
});

const stateOf = async (orgId: string) => (await deps.billingStatus.get(orgId))!.dunningState;

describe('the advanceDunning schedule', () => {
  it('pages through every due org with its cursor and isolates one that fails, which the next run retries', async () => {
    clock.set(failedAt);
    const orgs = await Promise.all(Array.from({ length: 5 }, () => provisionIn(deps)));
    for (const org of orgs) await recordPaymentFailure(deps, ctx, org, failedAt.toISOString());
    const [broken, ...healthy] = orgs as [string, ...string[]];
    // The broken org's transition write fails in an unexpected way (a bug, an outage of its partition).
    const statusKey = keys.billingStatus(broken);
    const breakOne =
      (next: (a: unknown) => Promise<unknown>) =>
      async (args: { input: { TransactItems?: { Update?: { Key?: { PK?: string; SK?: string } } }[] } }) => {
        const touchesBroken = args.input.TransactItems?.some(
          (t) => t.Update?.Key?.PK === statusKey.PK && t.Update.Key.SK === statusKey.SK,
        );
        if (touchesBroken) throw new Error('injected: the write of one org fails');
        return next(args);
      };

    clock.set(new Date(failedAt.getTime() + hours(73)));
    deps.db.middlewareStack.add(breakOne as never, { step: 'initialize', name: 'breakOne' });
    let report: Awaited<ReturnType<typeof advanceDunning>>;
    try {
      // A page of 2: the five due orgs span three pages and the shards they sit on.
      report = await advanceDunning(deps, 2);
    } finally {
      deps.db.middlewareStack.remove('breakOne');
    }
    expect(report.advanced).toBe(4);
    expect(report.failed).toEqual([{ orgId: broken, code: 'unexpected' }]);
    for (const org of healthy) expect(await stateOf(org)).toBe('grace');
    expect(await stateOf(broken)).toBe('past_due');

    // Still due: the next run moves it, and nothing else moves twice.
    const next = await advanceDunning(deps, 2);
    expect(next).toEqual({ advanced: 1, failed: [] });
    expect(await stateOf(broken)).toBe('grace');
  });
});
