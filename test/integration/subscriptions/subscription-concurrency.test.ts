import { ulid } from 'ulid';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import type { CallContext } from '../../../functions/kernel/ports';
import { provisionOrg } from '../../../functions/orgs/app/provision-org';
import { changeSubscription } from '../../../functions/subscriptions/app/change-subscription';
import { createSubscription } from '../../../functions/subscriptions/app/create-subscription';
import { buildDeps, type Deps } from '../../support/deps';
import { startTestApi, type TestApi } from '../support/api';
import { seedDefaultPaymentMethod } from '../support/seed';

/**
 * Every subscription write is conditional on the version read. 32 concurrent changes from the same
 * version → exactly one commits, 31 answer 409 `conflict`; 100 rounds with no lost update. Run at the
 * use-case level (3,200 calls against DynamoDB Local); a few rounds also go over HTTP to prove the
 * mapping to 409.
 */
const clock = fixedClock('2025-11-10T00:00:00.000Z');
let deps: Deps;
let api: TestApi;
const ctx: CallContext = { actor: { type: 'user', id: 'user_owner', role: 'owner' } };

beforeAll(async () => {
  deps = buildDeps(loadConfig(), clock);
  api = await startTestApi();
}, 60_000);
afterAll(() => api.close());

async function subscribedOrg(): Promise<string> {
  const orgId = `org_${ulid().toLowerCase()}`;
  await provisionOrg(deps, ctx, { orgId, name: 'Concurrency test', defaultCurrency: 'USD' });
  await seedDefaultPaymentMethod(orgId, deps);
  await createSubscription(deps, ctx, { orgId, planId: 'team', currency: 'USD', billingModel: 'flat' });
  return orgId;
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? String(e),
  );

describe('concurrent subscription writes', () => {
  it('lets exactly one of 32 concurrent plan changes win each round, 100 rounds, with no lost update', async () => {
    const org = await subscribedOrg();
    const started = performance.now();
    for (let round = 0; round < 100; round++) {
      const before = (await deps.subscriptions.get(org))!;
      const target = before.billingModel === 'flat' ? 'metered' : 'flat';
      const results = await Promise.all(
        Array.from({ length: 32 }, () =>
          outcome(changeSubscription(deps, ctx, { orgId: org, billingModel: target, expectedVersion: before.version })),
        ),
      );
      const wins = results.filter((r) => r === 'ok').length;
      expect({ round, wins, others: [...new Set(results.filter((r) => r !== 'ok'))] }).toEqual({
        round,
        wins: 1,
        others: ['conflict'],
      });
    }
    const elapsed = Math.round(performance.now() - started);
    process.stderr.write(`32 × 100 concurrent plan changes (use-case level): ${elapsed} ms\n`);

    const after = (await deps.subscriptions.get(org))!;
    expect(after).toMatchObject({ version: 101, billingModel: 'flat' }); // 100 toggles from flat
    const history = await deps.subscriptions.history(org, 500);
    expect(history.filter((e) => e.type === 'plan_changed')).toHaveLength(100);
    const audit = await deps.audit.list(org, { limit: 100 });
    expect(audit.data.every((e) => e.action.startsWith('subscription.') || e.action === 'org.provisioned')).toBe(true);
    // Every win's proration lines, and only the wins': flat → metered credits, metered → flat charges.
    const lines = await deps.subscriptions.pendingAdjustments(org);
    expect(lines.filter((l) => l.kind === 'proration_credit')).toHaveLength(50);
    expect(lines.filter((l) => l.kind === 'proration_charge')).toHaveLength(50);
  }, 120_000);

  it('maps the losers to HTTP 409 conflict over the API (5 rounds of 32 PATCHes)', async () => {
    const org = await api.newOrg();
    await seedDefaultPaymentMethod(org.id, deps);
    await api.request('POST /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: { plan_id: 'team', currency: 'USD' },
    });
    const started = performance.now();
    for (let round = 0; round < 5; round++) {
      const read = await api.request('GET /v1/orgs/{org}/subscription', {
        token: org.tokens.viewer,
        params: { org: org.id },
      });
      const target = read.body.billing_model === 'flat' ? 'metered' : 'flat';
      const statuses = await Promise.all(
        Array.from({ length: 32 }, () =>
          api
            .request('PATCH /v1/orgs/{org}/subscription', {
              token: org.tokens.billing_admin,
              params: { org: org.id },
              body: { billing_model: target },
              headers: { 'if-match': read.headers.get('etag') ?? '' },
            })
            .then((r) => (r.status === 409 ? `409 ${r.body.error.code}` : String(r.status))),
        ),
      );
      expect(statuses.filter((s) => s === '200')).toHaveLength(1);
      expect(new Set(statuses.filter((s) => s !== '200'))).toEqual(new Set(['409 conflict']));
    }
    process.stderr.write(`32 × 5 concurrent PATCHes over HTTP: ${Math.round(performance.now() - started)} ms\n`);
  }, 60_000);

  it('never lets two subscriptions be created at once: 32 concurrent creates → one 201', async () => {
    const orgId = `org_${ulid().toLowerCase()}`;
    await provisionOrg(deps, ctx, { orgId, name: 'Concurrent creates', defaultCurrency: 'USD' });
    await seedDefaultPaymentMethod(orgId, deps);
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        outcome(createSubscription(deps, ctx, { orgId, planId: i % 2 ? 'team' : 'pro', currency: 'USD' })),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(new Set(results.filter((r) => r !== 'ok'))).toEqual(new Set(['subscription_exists']));
  });
});
