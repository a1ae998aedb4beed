import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { handler } from '../../../functions/usage/queue/consume-usage';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';
import { seedDefaultPaymentMethod } from '../support/seed';
import { run, sqsEvent, tool } from '../support/usage';

/**
 * A plan switch mid-period, end to end on real parts: subscriptions over HTTP, usage through the SQS
 * consumer into DynamoDB Local, the summary, costs, budgets, forecast and the subscription read back
 * over HTTP. Usage counted before the switch stays priced under the old terms.
 *
 * Team (flat, USD): included 50,000 tool invocations and 5,000 agent runs; tools 0.1 minor each up to
 * 100,000 billable, then 0.05; runs 2. Pro (metered, USD): nothing included; tools 0.08 up to 100,000,
 * then 0.04; runs 1.5.
 *
 *   Nov 2 00:00  subscribe to Team (flat)
 *   Nov 5        agent_a: 60,000 tool invocations, 1,000 runs
 *   Nov 15 00:00 upgrade to Pro (metered)
 *   Nov 16       agent_b: 100,000 tool invocations, 500 runs
 *   Nov 16       agent_a: 1,000 tool invocations stamped Nov 14 23:00, counted only now (after the switch)
 *
 * Team stretch [Nov 1, Nov 15): tools 61,000 − 50,000 included = 11,000 × 0.1 = 1,100; runs 1,000 are
 *   included: 0. Stretch total 1,100.
 * Pro stretch [Nov 15, …): nothing left to include (Pro includes nothing); tools 100,000 continue the
 *   period's tiers from the 11,000 already billed: 89,000 × 0.08 = 7,120 and 11,000 × 0.04 = 440; runs
 *   500 × 1.5 = 750. Stretch total 8,310.
 * Period: 9,410 ($94.10). The whole period under Pro would be 12,690; under Team 10,550.
 */
const clock = fixedClock('2026-11-02T00:00:00.000Z');
let api: TestApi;
let deps: Deps;

beforeAll(async () => {
  deps = buildDeps(loadConfig(), clock);
  setDepsForTesting(deps);
  api = await startTestApi();
});
afterAll(async () => {
  setDepsForTesting(undefined);
  await api.close();
});
beforeEach(() => clock.set('2026-11-02T00:00:00.000Z'));

const a = { agent_id: 'agent_a' };
const b = { agent_id: 'agent_b' };

async function count(body: unknown[]) {
  expect(await handler(sqsEvent([{ body }]))).toEqual({ batchItemFailures: [] });
}

/** A new org with a card, subscribed by its owner at the current clock. */
async function subscribedOrg(body: Record<string, string>) {
  const org = await api.newOrg();
  await seedDefaultPaymentMethod(org.id, deps);
  const params = { org: org.id };
  const token = org.tokens.owner;
  const created = await api.request('POST /v1/orgs/{org}/subscription', { token, params, body });
  expect(created.status).toBe(201);
  return { org, params, token };
}

async function upgradedMidPeriod(): Promise<TestOrg> {
  const { org, params } = await subscribedOrg({ plan_id: 'team', currency: 'USD', billing_model: 'flat' });

  clock.set('2026-11-06T00:00:00.000Z');
  await count([
    tool(org.id, 'team-tools', new Date('2026-11-05T10:00:00.000Z'), 60_000, a),
    run(org.id, 'team-runs', new Date('2026-11-05T11:00:00.000Z'), { ...a, count: 1_000 }),
  ]);

  clock.set('2026-11-15T00:00:00.000Z');
  const upgraded = await api.request('PATCH /v1/orgs/{org}/subscription', {
    token: org.tokens.owner,
    params,
    body: { plan_id: 'pro', billing_model: 'metered' },
  });
  expect(upgraded.status).toBe(200);

  clock.set('2026-11-16T12:00:00.000Z');
  await count([
    tool(org.id, 'pro-tools', new Date('2026-11-16T09:00:00.000Z'), 100_000, b),
    run(org.id, 'pro-runs', new Date('2026-11-16T10:00:00.000Z'), { ...b, count: 500 }),
    tool(org.id, 'late-team-tools', new Date('2026-11-14T23:00:00.000Z'), 1_000, a),
  ]);
  return org;
}

type Line = {
  terms_from: string;
  meter: string;
  quantity: number;
  included_quantity: number;
  billable_quantity: number;
  precise_amount_minor: string;
  amount_minor: number;
};

describe('usage across a mid-period plan switch', () => {
  it('prices usage counted before the switch under the old terms and the rest under the new', async () => {
    const org = await upgradedMidPeriod();
    const res = await api.request('GET /v1/orgs/{org}/usage/summary', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      events_counted: 5,
      plan: { id: 'pro', version: 2, billing_model: 'metered' },
      total: { amount_minor: 9_410, currency: 'USD' },
      included_remaining: {},
    });
    expect(res.body.stretches).toEqual([
      {
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-02T00:00:00.000Z',
        plan: { id: 'free', version: 2, billing_model: 'free' },
        currency: 'USD',
        amount_minor: 0,
      },
      {
        from: '2026-11-02T00:00:00.000Z',
        to: '2026-11-15T00:00:00.000Z',
        plan: { id: 'team', version: 2, billing_model: 'flat' },
        currency: 'USD',
        amount_minor: 1_100,
      },
      {
        from: '2026-11-15T00:00:00.000Z',
        to: null,
        plan: { id: 'pro', version: 2, billing_model: 'metered' },
        currency: 'USD',
        amount_minor: 8_310,
      },
    ]);
    expect(
      res.body.lines.map((l: Line) => [
        l.terms_from.slice(0, 10),
        l.meter,
        l.quantity,
        l.included_quantity,
        l.billable_quantity,
        l.precise_amount_minor,
        l.amount_minor,
      ]),
    ).toEqual([
      ['2026-11-02', 'agent_runs', 1_000, 1_000, 0, '0', 0],
      ['2026-11-02', 'tool_invocations', 61_000, 50_000, 11_000, '1100', 1_100],
      ['2026-11-15', 'agent_runs', 500, 0, 500, '750', 750],
      ['2026-11-15', 'tool_invocations', 100_000, 0, 100_000, '7560', 7_560],
    ]);

    // The subscription shows the same period total, per meter across both stretches.
    const sub = await api.request('GET /v1/orgs/{org}/subscription', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(sub.body.usage_summary.total).toEqual({ amount_minor: 9_410, currency: 'USD' });
    expect(sub.body.usage_summary.meters).toEqual([
      { meter: 'agent_runs', quantity: 1_500, amount_minor: 750 },
      { meter: 'tool_invocations', quantity: 161_000, amount_minor: 8_660 },
    ]);
  });

  it('allocates each stretch’s amounts to the agents whose usage made them, in costs and budgets', async () => {
    const org = await upgradedMidPeriod();
    const costs = await api.request('GET /v1/orgs/{org}/costs', {
      token: org.tokens.viewer,
      params: { org: org.id },
      query: { from: '2026-11-01', to: '2026-12-01', group_by: 'agent' },
    });
    expect(costs.status).toBe(200);
    expect(costs.body.rows).toEqual([
      { agent_id: 'agent_a', currency: 'USD', amount_minor: 1_100 },
      { agent_id: 'agent_b', currency: 'USD', amount_minor: 8_310 },
    ]);
    expect(costs.body.totals).toEqual([{ currency: 'USD', amount_minor: 9_410 }]);

    const byDay = await api.request('GET /v1/orgs/{org}/costs', {
      token: org.tokens.viewer,
      params: { org: org.id },
      query: { from: '2026-11-01', to: '2026-12-01', group_by: 'day' },
    });
    // The team stretch's 1,100 splits over its days by quantity: 60,000 on Nov 5, 1,000 on Nov 14.
    expect(byDay.body.rows).toEqual([
      { day: '2026-11-05', currency: 'USD', amount_minor: 1_082 },
      { day: '2026-11-14', currency: 'USD', amount_minor: 18 },
      { day: '2026-11-16', currency: 'USD', amount_minor: 8_310 },
    ]);

    const put = await api.request('PUT /v1/orgs/{org}/budgets', {
      token: org.tokens.billing_admin,
      params: { org: org.id },
      body: {
        budgets: [
          { id: 'monthly', scope: { kind: 'org' }, amount_minor: 10_000, action: 'alert' },
          { id: 'agent-b', scope: { kind: 'agent', id: 'agent_b' }, amount_minor: 8_000, action: 'block' },
        ],
      },
    });
    expect(put.status).toBe(200);
    const used = Object.fromEntries(
      put.body.status
        .filter((s: { kind: string }) => s.kind === 'budget')
        .map((s: { id: string; used: number; exhausted: boolean }) => [s.id, [s.used, s.exhausted]]),
    );
    expect(used).toEqual({ monthly: [9_410, false], 'agent-b': [8_310, true] });

    const forecast = await api.request('GET /v1/orgs/{org}/usage/forecast', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(forecast.body).toMatchObject({ currency: 'USD', spent_minor: 9_410 });
  });

  it('keeps a late event stamped before the switch in the old stretch even when it arrives after it', async () => {
    const org = await upgradedMidPeriod();
    // One more team-time event arrives much later, and one stamped a millisecond after the switch.
    clock.set('2026-11-20T00:00:00.000Z');
    await count([
      tool(org.id, 'later-team-tools', new Date('2026-11-14T23:59:59.999Z'), 39_000, a),
      tool(org.id, 'first-pro-ms', new Date('2026-11-15T00:00:00.001Z'), 1, b),
    ]);
    const res = await api.request('GET /v1/orgs/{org}/usage/summary', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    const tools = res.body.lines.filter((l: Line) => l.meter === 'tool_invocations');
    // Team: 100,000 − 50,000 included = 50,000 × 0.1 = 5,000. Pro continues the tiers from 50,000 billed:
    // 50,000 × 0.08 = 4,000 and 50,001 × 0.04 = 2,000.04 → 6,000.04 → 6,000.
    expect(
      tools.map((l: Line) => [l.terms_from.slice(0, 10), l.quantity, l.precise_amount_minor, l.amount_minor]),
    ).toEqual([
      ['2026-11-02', 100_000, '5000', 5_000],
      ['2026-11-15', 100_001, '6000.04', 6_000],
    ]);
  });

  it('refuses paid terms in another currency after a cancellation in the same period', async () => {
    const { params, token } = await subscribedOrg({ plan_id: 'team', currency: 'USD' });
    clock.set('2026-11-03T00:00:00.000Z');
    const canceled = await api.request('POST /v1/orgs/{org}/subscription/cancel', {
      token,
      params,
      body: { at_period_end: false },
    });
    expect(canceled.status).toBe(200);
    const eur = await api.request('POST /v1/orgs/{org}/subscription', {
      token,
      params,
      body: { plan_id: 'team', currency: 'EUR' },
    });
    expect(eur.status).toBe(422);
    expect(eur.body.error).toMatchObject({
      code: 'currency_fixed_for_period',
      details: { period: '2026-11', currency: 'USD', next_period_start: '2026-12-01T00:00:00.000Z' },
    });
    // Nor through the free plan in the other currency and an upgrade from it.
    const freeEur = await api.request('POST /v1/orgs/{org}/subscription', {
      token,
      params,
      body: { plan_id: 'free', currency: 'EUR' },
    });
    expect(freeEur.status).toBe(201);
    const upgrade = await api.request('PATCH /v1/orgs/{org}/subscription', {
      token,
      params,
      body: { plan_id: 'team' },
    });
    expect(upgrade.status).toBe(422);
    expect(upgrade.body.error.code).toBe('currency_fixed_for_period');

    // From the next period on, the other currency is fine.
    clock.set('2026-12-01T00:00:00.000Z');
    const december = await api.request('PATCH /v1/orgs/{org}/subscription', {
      token,
      params,
      body: { plan_id: 'team' },
    });
    expect(december.status).toBe(200);
    expect(december.body).toMatchObject({ plan_id: 'team', currency: 'EUR' });
  });

  it('lets an org subscribe again in the same currency after cancelling', async () => {
    const body = { plan_id: 'team', currency: 'USD' };
    const { params, token } = await subscribedOrg(body);
    clock.set('2026-11-03T00:00:00.000Z');
    const cancel = { at_period_end: false };
    expect((await api.request('POST /v1/orgs/{org}/subscription/cancel', { token, params, body: cancel })).status).toBe(
      200,
    );
    expect((await api.request('POST /v1/orgs/{org}/subscription', { token, params, body })).status).toBe(201);
  });
});
