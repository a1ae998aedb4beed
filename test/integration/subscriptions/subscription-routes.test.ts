import { fixedClock } from '../../../functions/kernel/clock';
import { addFreezeReason } from '../../../functions/kernel/freeze-gate';
import { handler as rollupPeriodsHandler } from '../../../functions/subscriptions/schedule/rollup-periods';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { startTestApi, type TestApi } from '../support/api';
import { freshTableDeps } from '../support/fresh-table';
import { seedDefaultPaymentMethod } from '../support/seed';

/** The subscription routes over HTTP: wire shapes, roles, If-Match, and the freeze gate's 409. */
let api: TestApi;
let deps: Deps;
const system = { actor: { type: 'system' as const, id: 'test' } };

beforeAll(async () => {
  api = await startTestApi();
  deps = buildDeps();
}, 60_000);
afterAll(() => api.close());

describe('subscription routes', () => {
  it('shows the free fallback with a zero usage summary before any subscription', async () => {
    const org = await api.newOrg({ currency: 'EUR' });
    const res = await api.request('GET /v1/orgs/{org}/subscription', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: null,
      status: 'none',
      plan_id: 'free',
      currency: 'EUR',
      terms_now: { plan_id: 'free', billing_model: 'free', currency: 'EUR' },
      usage_summary: { currency: 'EUR', meters: [], total: { amount_minor: 0, currency: 'EUR' } },
      history: [],
      version: 0,
    });
  });

  it('creates, reads, changes, switches currency and cancels, each as an admin', async () => {
    const org = await api.newOrg();
    await seedDefaultPaymentMethod(org.id, deps);
    const params = { org: org.id };
    const created = await api.request('POST /v1/orgs/{org}/subscription', {
      token: org.tokens.billing_admin,
      params,
      body: { plan_id: 'team', currency: 'usd' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'active',
      plan_id: 'team',
      plan_version: 2,
      billing_model: 'flat',
      currency: 'USD',
      flat_fee: { amount_minor: 4900, currency: 'USD' },
      cancel_at_period_end: false,
      pending_changes: [],
      version: 1,
      adjustments: [{ kind: 'first_period_fee', currency: 'USD' }],
    });

    const read = await api.request('GET /v1/orgs/{org}/subscription', { token: org.tokens.developer, params });
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.body.history.map((e: { type: string }) => e.type)).toEqual(['created']);

    const developerTries = await api.request('PATCH /v1/orgs/{org}/subscription', {
      token: org.tokens.developer,
      params,
      body: { plan_id: 'pro' },
    });
    expect(developerTries.status).toBe(403);

    const stale = await api.request('PATCH /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params,
      body: { plan_id: 'free' },
      headers: { 'if-match': '"9"' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('conflict');

    const down = await api.request('PATCH /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params,
      body: { plan_id: 'free' },
      headers: { 'if-match': '"1"' },
    });
    expect(down.status).toBe(200);
    expect(down.body.pending_changes).toEqual([
      expect.objectContaining({ type: 'downgrade', plan_id: 'free', billing_model: 'free' }),
    ]);

    const currency = await api.request('POST /v1/orgs/{org}/subscription/currency', {
      token: org.tokens.billing_admin,
      params,
      body: { currency: 'EUR' },
    });
    expect(currency.status).toBe(200);
    expect(currency.body.pending_changes.map((c: { type: string }) => c.type)).toEqual([
      'downgrade',
      'currency_switch',
    ]);

    const cancel = await api.request('POST /v1/orgs/{org}/subscription/cancel', {
      token: org.tokens.owner,
      params,
      body: { at_period_end: true },
    });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ cancel_at_period_end: true, version: 4 });

    const reactivate = await api.request('PATCH /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params,
      body: { cancel_at_period_end: false },
    });
    expect(reactivate.body).toMatchObject({ cancel_at_period_end: false, version: 5 });
  });

  it('answers 422 with stable codes for what cannot be sold and 400 for a malformed body', async () => {
    const org = await api.newOrg();
    const params = { org: org.id };
    const noCard = await api.request('POST /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params,
      body: { plan_id: 'pro', currency: 'USD' },
    });
    expect([noCard.status, noCard.body.error.code]).toEqual([422, 'payment_method_required']);
    const enterprise = await api.request('POST /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params,
      body: { plan_id: 'enterprise', currency: 'USD' },
    });
    expect([enterprise.status, enterprise.body.error.code]).toEqual([422, 'plan_not_self_serve']);
    const empty = await api.request('PATCH /v1/orgs/{org}/subscription', { token: org.tokens.owner, params, body: {} });
    expect(empty.status).toBe(400);
  });

  it('refuses a purchase from a frozen org with 409 billing_frozen and the reasons, but never a cancellation', async () => {
    const org = await api.newOrg();
    await seedDefaultPaymentMethod(org.id, deps);
    const params = { org: org.id };
    await api.request('POST /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params,
      body: { plan_id: 'team', currency: 'USD' },
    });
    await addFreezeReason(deps, system, org.id, 'dispute:dp_test');
    const upgrade = await api.request('PATCH /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params,
      body: { plan_id: 'pro', billing_model: 'flat' },
    });
    expect(upgrade.status).toBe(409);
    expect(upgrade.body.error).toMatchObject({
      code: 'billing_frozen',
      details: { freeze_reasons: ['dispute:dp_test'] },
    });
    const status = await api.request('GET /v1/orgs/{org}/billing-status', { token: org.tokens.viewer, params });
    expect(status.body).toMatchObject({ freeze_reasons: ['dispute:dp_test'], new_spend_allowed: false });
    const cancel = await api.request('POST /v1/orgs/{org}/subscription/cancel', {
      token: org.tokens.owner,
      params,
      body: { at_period_end: false },
    });
    expect(cancel.status).toBe(200);
  });

  it('runs the rollupPeriods schedule handler (EventBridge entry) and reports what it applied', async () => {
    // A table of its own: the due list spans all orgs, so only here are the counts exactly this test's.
    const clock = fixedClock('2026-11-10T09:00:00.000Z');
    const own = await freshTableDeps(clock);
    setDepsForTesting(own);
    try {
      const orgs = [await api.newOrg(), await api.newOrg()];
      for (const org of orgs) {
        await seedDefaultPaymentMethod(org.id, own);
        const created = await api.request('POST /v1/orgs/{org}/subscription', {
          token: org.tokens.owner,
          params: { org: org.id },
          body: { plan_id: 'team', currency: 'USD' },
        });
        expect(created.status).toBe(201);
      }
      const cancel = await api.request('POST /v1/orgs/{org}/subscription/cancel', {
        token: orgs[0]!.tokens.owner,
        params: { org: orgs[0]!.id },
        body: { at_period_end: true },
      });
      expect(cancel.status).toBe(200);
      // Before the boundary nothing is due; after it, the one cancellation is applied, once.
      expect(await rollupPeriodsHandler({} as never)).toMatchObject({ due: 0, applied: 0, skipped: 0 });
      clock.set('2026-12-01T00:05:00.000Z');
      expect(await rollupPeriodsHandler({} as never)).toMatchObject({ due: 1, applied: 1, skipped: 0 });
      expect(await rollupPeriodsHandler({} as never)).toMatchObject({ due: 0, applied: 0, skipped: 0 });
      const after = await api.request('GET /v1/orgs/{org}/subscription', {
        token: orgs[0]!.tokens.viewer,
        params: { org: orgs[0]!.id },
      });
      expect(after.body).toMatchObject({ status: 'canceled' });
    } finally {
      setDepsForTesting(undefined);
    }
  });
});
