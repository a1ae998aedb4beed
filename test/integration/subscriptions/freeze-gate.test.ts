import { ulid } from 'ulid';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { addFreezeReason, removeFreezeReason } from '../../../functions/kernel/freeze-gate';
import type { CallContext } from '../../../functions/kernel/ports';
import { provisionOrg } from '../../../functions/orgs/app/provision-org';
import { changeSubscription } from '../../../functions/subscriptions/app/change-subscription';
import { createSubscription } from '../../../functions/subscriptions/app/create-subscription';
import type { SubscriptionStore } from '../../../functions/subscriptions/ports';
import { buildDeps, type Deps } from '../../support/deps';
import { seedDefaultPaymentMethod } from '../support/seed';

/**
 * The freeze gate: reasons are a set written conditionally with audit entries, and purchases check the
 * billing status inside their own transaction — so a freeze recorded between a purchase's read and its
 * write still stops it, and no purchase commits after a freeze is recorded.
 */
const clock = fixedClock('2025-11-10T00:00:00.000Z');
let deps: Deps;
const admin: CallContext = { actor: { type: 'user', id: 'user_admin', role: 'owner' } };
const disputes: CallContext = { actor: { type: 'system', id: 'stripe-reconciler' } };

beforeAll(() => {
  deps = buildDeps(loadConfig(), clock);
});

async function orgWithCard(): Promise<string> {
  const orgId = `org_${ulid().toLowerCase()}`;
  await provisionOrg(deps, admin, { orgId, name: 'Freeze test', defaultCurrency: 'USD' });
  await seedDefaultPaymentMethod(orgId, deps);
  return orgId;
}

describe('freeze reasons', () => {
  it('are a set: adding twice writes once, lifting one keeps the other, each change audited', async () => {
    const org = await orgWithCard();
    await addFreezeReason(deps, disputes, org, 'dispute:dp_1');
    await addFreezeReason(deps, disputes, org, 'dispute:dp_1');
    await addFreezeReason(deps, disputes, org, 'dunning');
    expect((await deps.billingStatus.get(org))?.freezeReasons).toEqual(['dispute:dp_1', 'dunning']);
    const lifted = await removeFreezeReason(deps, disputes, org, 'dunning');
    expect(lifted).toMatchObject({ freezeReasons: ['dispute:dp_1'], version: 4 });
    await removeFreezeReason(deps, disputes, org, 'dunning');
    const actions = (await deps.audit.list(org, { limit: 10 })).data.map((e) => e.action);
    expect(actions).toEqual([
      'billing.freeze_reason_removed',
      'billing.freeze_reason_added',
      'billing.freeze_reason_added',
      'org.provisioned',
    ]);
  });

  it('settle concurrent adds without losing one (conditional writes, retried)', async () => {
    const org = await orgWithCard();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => addFreezeReason(deps, disputes, org, `dispute:dp_${i}` as const)),
    );
    expect((await deps.billingStatus.get(org))?.freezeReasons).toHaveLength(8);
  });
});

describe('purchases and the freeze gate', () => {
  it('stops a purchase whose freeze landed between its read and its write (the check is in the transaction)', async () => {
    const org = await orgWithCard();
    // A store whose commit first lets a dispute be recorded: the use case has already read everything.
    const racing: SubscriptionStore = {
      ...deps.subscriptions,
      get: (o) => deps.subscriptions.get(o),
      history: (o, l) => deps.subscriptions.history(o, l),
      pendingAdjustments: (o) => deps.subscriptions.pendingAdjustments(o),
      segmentAt: (o, a) => deps.subscriptions.segmentAt(o, a),
      segmentsBetween: (o, f, t) => deps.subscriptions.segmentsBetween(o, f, t),
      dueOrgs: (a, l, c) => deps.subscriptions.dueOrgs(a, l, c),
      commit: async (write) => {
        await addFreezeReason(deps, disputes, org, 'dispute:dp_late');
        return deps.subscriptions.commit(write);
      },
    };
    await expect(
      createSubscription({ ...deps, subscriptions: racing }, admin, { orgId: org, planId: 'pro', currency: 'USD' }),
    ).rejects.toMatchObject({ code: 'billing_frozen', details: { freeze_reasons: ['dispute:dp_late'] } });
    expect(await deps.subscriptions.get(org)).toBeUndefined();

    // Free plan, downgrades and cancellation are never blocked.
    await createSubscription(deps, admin, { orgId: org, planId: 'free', currency: 'USD' });
    await expect(changeSubscription(deps, admin, { orgId: org, planId: 'pro' })).rejects.toMatchObject({
      code: 'billing_frozen',
    });
    await removeFreezeReason(deps, disputes, org, 'dispute:dp_late');
    const upgraded = await changeSubscription(deps, admin, { orgId: org, planId: 'pro' });
    expect(upgraded.subscription.planId).toBe('pro');
  });

  it('never commits a purchase that started after a concurrent freeze was recorded (race, 12 orgs)', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const org = await orgWithCard();
        await createSubscription(deps, admin, { orgId: org, planId: 'team', currency: 'USD', billingModel: 'metered' });
        let frozenAt: number | undefined;
        // The freeze lands a few ms after this org's first purchase committed, whatever the machine's
        // load: purchases are then in flight on both sides of it.
        let firstCommit: () => void = () => {};
        const committedOnce = new Promise<void>((r) => {
          firstCommit = r;
        });
        const freeze = committedOnce
          .then(() => new Promise((r) => setTimeout(r, Math.random() * 30)))
          .then(async () => {
            await addFreezeReason(deps, disputes, org, 'dunning');
            frozenAt = performance.now();
          });
        const late: string[] = [];
        let committed = 0;
        // Metered → flat is a purchase (a dearer model); flat → metered is not, and must never be blocked.
        for (let i = 0; i < 60; i++) {
          const startedAt = performance.now();
          const startedAfterFreeze = frozenAt !== undefined && startedAt > frozenAt;
          const outcome = await changeSubscription(deps, admin, { orgId: org, billingModel: 'flat' }).then(
            () => 'committed',
            (e: { code?: string }) => e.code ?? 'error',
          );
          if (outcome === 'committed') {
            committed += 1;
            firstCommit();
            await changeSubscription(deps, admin, { orgId: org, billingModel: 'metered' });
          }
          if (startedAfterFreeze) late.push(outcome);
          if (frozenAt !== undefined && late.length >= 3) break;
        }
        firstCommit(); // never left waiting: a run with no commit fails below, not by timeout
        await freeze;
        return { late, committed };
      }),
    );
    for (const { late } of outcomes) {
      expect(late.length).toBeGreaterThan(0);
      expect(new Set(late)).toEqual(new Set(['billing_frozen']));
    }
    // The race was real: purchases did commit before the freezes landed.
    expect(outcomes.some((o) => o.committed > 0)).toBe(true);
  }, 30_000);
});
