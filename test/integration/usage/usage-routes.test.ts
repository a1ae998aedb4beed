import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { createSubscription } from '../../../functions/subscriptions/app/create-subscription';
import { handler } from '../../../functions/usage/queue/consume-usage';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';
import { seedDefaultPaymentMethod } from '../support/seed';
import { run, sqsEvent, tokens, tool } from '../support/usage';

// Ten days into November: a third of the period has elapsed.
const NOW = new Date('2026-11-11T00:00:00.000Z');
const clock = fixedClock(NOW);
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
beforeEach(() => clock.set(NOW));

/** A new org subscribed to Pro (metered, USD) from the start of November, by the subscriptions use case. */
async function proMeteredOrg(): Promise<TestOrg> {
  const org = await api.newOrg();
  await seedDefaultPaymentMethod(org.id, deps);
  clock.set('2026-11-01T00:00:00.000Z');
  await createSubscription(
    deps,
    { actor: { type: 'user', id: 'test' }, requestId: 'test' },
    { orgId: org.id, planId: 'pro', currency: 'USD', billingModel: 'metered' },
  );
  clock.set(NOW);
  return org;
}

/**
 * Pro (metered, USD): sonnet input 0.0003, output 0.0015, tools 0.08, runs 1.5 (minor units per unit).
 *  Nov 9, agent_a / conn_x: 1,000,000 in (300), 100,000 out (150)
 *  Nov 10, agent_b / conn_x: 2,000,000 in (600), 10 tool calls (0.8), 1 run (1.5)
 * Period lines: input 3M → 900, output 100k → 150, tools → round(0.8) = 1, runs → round(1.5) = 2: total 1053.
 */
async function meteredOrgWithUsage(): Promise<TestOrg> {
  const org = await proMeteredOrg();
  const d9 = new Date('2026-11-09T12:00:00.000Z');
  const d10 = new Date('2026-11-10T12:00:00.000Z');
  const a = { agent_id: 'agent_a', connection_id: 'conn_x' };
  const b = { agent_id: 'agent_b', connection_id: 'conn_x' };
  const res = await handler(
    sqsEvent([
      { body: [tokens(org.id, 'e1', d9, 1_000_000, 100_000, a), tokens(org.id, 'e2', d10, 2_000_000, 0, b)] },
      { body: [tool(org.id, 'e3', d10, 10, b), run(org.id, 'e4', d10, b)] },
    ]),
  );
  expect(res.batchItemFailures).toEqual([]);
  return org;
}

describe('GET /v1/orgs/{org}/usage/summary', () => {
  it('shows the period so far per meter and model with exact amounts and the total', async () => {
    const org = await meteredOrgWithUsage();
    const res = await api.request('GET /v1/orgs/{org}/usage/summary', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      org_id: org.id,
      period: { key: '2026-11', start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
      as_of: NOW.toISOString(),
      events_counted: 4,
      plan: { id: 'pro', version: 2, billing_model: 'metered' },
      total: { amount_minor: 1053, currency: 'USD' },
    });
    expect(
      res.body.lines.map(
        (l: {
          meter: string;
          model: string | null;
          quantity: number;
          precise_amount_minor: string;
          amount_minor: number;
        }) => [l.meter, l.model, l.quantity, l.precise_amount_minor, l.amount_minor],
      ),
    ).toEqual([
      ['agent_runs', null, 1, '1.5', 2],
      ['llm_input_tokens', 'claude-sonnet-4', 3_000_000, '900', 900],
      ['llm_output_tokens', 'claude-sonnet-4', 100_000, '150', 150],
      ['tool_invocations', null, 10, '0.8', 1],
    ]);
  });

  it('shows included usage left on the free tier', async () => {
    const org = await api.newOrg();
    await handler(
      sqsEvent([
        {
          body: [
            run(org.id, 'r1', new Date('2026-11-10T00:00:00Z')),
            tokens(org.id, 't1', new Date('2026-11-10T00:00:00Z'), 1000, 500),
          ],
        },
      ]),
    );
    const res = await api.request('GET /v1/orgs/{org}/usage/summary', {
      token: org.tokens.developer,
      params: { org: org.id },
    });
    expect(res.body.total).toEqual({ amount_minor: 0, currency: 'USD' });
    expect(res.body.included_remaining).toEqual({ llm_tokens: 998_500, tool_invocations: 1000, agent_runs: 99 });
  });
});

describe('GET /v1/orgs/{org}/usage/report', () => {
  it('groups quantities by agent and day (always by meter)', async () => {
    const org = await meteredOrgWithUsage();
    const res = await api.request('GET /v1/orgs/{org}/usage/report', {
      token: org.tokens.viewer,
      params: { org: org.id },
      query: { group_by: 'agent,day' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2026-11-01', to: '2026-11-12', group_by: ['meter', 'agent', 'day'] });
    expect(res.body.rows).toEqual([
      { meter: 'agent_runs', agent_id: 'agent_b', day: '2026-11-10', quantity: 1 },
      { meter: 'llm_input_tokens', agent_id: 'agent_a', day: '2026-11-09', quantity: 1_000_000 },
      { meter: 'llm_input_tokens', agent_id: 'agent_b', day: '2026-11-10', quantity: 2_000_000 },
      { meter: 'llm_output_tokens', agent_id: 'agent_a', day: '2026-11-09', quantity: 100_000 },
      { meter: 'tool_invocations', agent_id: 'agent_b', day: '2026-11-10', quantity: 10 },
    ]);
  });

  it('refuses to group by agent and connection together', async () => {
    const org = await api.newOrg();
    const res = await api.request('GET /v1/orgs/{org}/usage/report', {
      token: org.tokens.viewer,
      params: { org: org.id },
      query: { group_by: 'agent,connection' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('unsupported_group_by');
  });

  it('answers CSV when asked for text/csv', async () => {
    const org = await meteredOrgWithUsage();
    const res = await api.request('GET /v1/orgs/{org}/usage/report', {
      token: org.tokens.viewer,
      params: { org: org.id },
      query: { group_by: 'connection', from: '2026-11-10', to: '2026-11-11' },
      headers: { accept: 'text/csv' },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.text).toBe(
      'meter,connection_id,quantity\r\nagent_runs,conn_x,1\r\nllm_input_tokens,conn_x,2000000\r\ntool_invocations,conn_x,10\r\n',
    );
  });
});

describe('GET /v1/orgs/{org}/costs', () => {
  it('allocates each rated line to agents so the rows add up to the total', async () => {
    const org = await meteredOrgWithUsage();
    const res = await api.request('GET /v1/orgs/{org}/costs', {
      token: org.tokens.viewer,
      params: { org: org.id },
      query: { group_by: 'agent' },
    });
    expect(res.status).toBe(200);
    // input 900 → a 300 / b 600; output 150 → a; tools 1 and runs 2 → b.
    expect(res.body.rows).toEqual([
      { agent_id: 'agent_a', currency: 'USD', amount_minor: 450 },
      { agent_id: 'agent_b', currency: 'USD', amount_minor: 603 },
    ]);
    expect(res.body.totals).toEqual([{ currency: 'USD', amount_minor: 1053 }]);
  });

  it('limits costs to the range by day, and renders CSV with major units', async () => {
    const org = await meteredOrgWithUsage();
    const json = await api.request('GET /v1/orgs/{org}/costs', {
      token: org.tokens.owner,
      params: { org: org.id },
      query: { group_by: 'day,model', from: '2026-11-10', to: '2026-11-11' },
    });
    expect(json.body.rows).toEqual([
      { model: 'claude-sonnet-4', day: '2026-11-10', currency: 'USD', amount_minor: 600 },
      { model: '', day: '2026-11-10', currency: 'USD', amount_minor: 3 },
    ]);
    const csv = await api.request('GET /v1/orgs/{org}/costs', {
      token: org.tokens.owner,
      params: { org: org.id },
      query: { group_by: 'agent' },
      headers: { accept: 'text/csv' },
    });
    expect(csv.text).toBe('agent_id,currency,amount_minor,amount\r\nagent_a,USD,450,4.50\r\nagent_b,USD,603,6.03\r\n');
  });
});

describe('GET /v1/orgs/{org}/usage/forecast', () => {
  it('projects period-end spend with an 80 % interval, names its method and inputs, and dates the budget', async () => {
    const org = await meteredOrgWithUsage();
    const put = await api.request('PUT /v1/orgs/{org}/budgets', {
      token: org.tokens.billing_admin,
      params: { org: org.id },
      body: { budgets: [{ id: 'monthly', scope: { kind: 'org' }, amount_minor: 2000, action: 'alert' }] },
    });
    expect(put.status).toBe(200);
    const res = await api.request('GET /v1/orgs/{org}/usage/forecast', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(res.status).toBe(200);
    const f = res.body;
    expect(f).toMatchObject({
      method: 'blended_burn_rate',
      elapsed_fraction: '0.333333',
      spent_minor: 1053,
      currency: 'USD',
      range_basis: 'observed_days',
      interval: { level: 0.8, low_minor: f.low_minor, high_minor: f.high_minor },
      inputs: { since: '2026-11-01T00:00:00.000Z', complete_days: 10 },
      commitments: [],
    });
    // Nothing was used for eight days, then 1,053 in two: the last day's burn rate weighs in.
    expect(Number(f.inputs.trailing_weight)).toBeGreaterThan(0.5);
    expect(f.low_minor).toBeGreaterThanOrEqual(f.spent_minor);
    expect(f.low_minor).toBeLessThan(f.projected_minor);
    expect(f.high_minor).toBeGreaterThan(f.projected_minor);
    const [budget] = f.budgets;
    expect(budget).toMatchObject({ budget_id: 'monthly', limit_minor: 2000, spent_minor: 1053 });
    expect(budget.projected_minor).toBe(f.projected_minor);
    // 2000 is reached (2000 − 1053) / (projected − 1053) of the way through the remaining 20 days.
    const remaining = Date.parse('2026-12-01T00:00:00.000Z') - NOW.getTime();
    const expected = NOW.getTime() + Math.floor(((2000 - 1053) / (f.projected_minor - 1053)) * remaining);
    expect(Math.abs(Date.parse(budget.exhausted_at) - expected)).toBeLessThanOrEqual(1);
    expect(Date.parse(budget.earliest_exhausted_at)).toBeLessThanOrEqual(Date.parse(budget.exhausted_at));
  });
});

describe('GET /v1/orgs/{org}/budgets', () => {
  it('lists budgets with their current use and the plan limits', async () => {
    const org = await meteredOrgWithUsage();
    await api.request('PUT /v1/orgs/{org}/budgets', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: {
        budgets: [
          {
            id: 'agent-b',
            scope: { kind: 'agent', id: 'agent_b' },
            amount_minor: 600,
            action: 'block',
            thresholds: [100, 80],
          },
        ],
      },
    });
    const res = await api.request('GET /v1/orgs/{org}/budgets', { token: org.tokens.viewer, params: { org: org.id } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: 1,
      currency: 'USD',
      budgets: [
        {
          id: 'agent-b',
          scope: { kind: 'agent', id: 'agent_b' },
          amount_minor: 600,
          currency: 'USD',
          thresholds: [80, 100],
          action: 'block',
        },
      ],
      status: [
        {
          id: 'agent-b',
          kind: 'budget',
          used: 603,
          limit: 600,
          remaining: 0,
          percent_used: 100,
          exhausted: true,
          unit: 'USD',
        },
      ],
    });
  });
});

describe('PUT /v1/orgs/{org}/budgets', () => {
  it('replaces the list, audits it, and refuses a stale expected version', async () => {
    const org = await api.newOrg();
    const first = await api.request('PUT /v1/orgs/{org}/budgets', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: {
        budgets: [{ scope: { kind: 'model', id: 'claude-opus-4' }, amount_minor: 10_000, action: 'alert' }],
        expected_version: 0,
      },
    });
    expect(first.status).toBe(200);
    expect(first.body.budgets[0]).toMatchObject({ thresholds: [50, 80, 100], currency: 'USD' });
    expect(first.body.budgets[0].id).toMatch(/^bud_/);
    const stale = await api.request('PUT /v1/orgs/{org}/budgets', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: { budgets: [], expected_version: 0 },
    });
    expect(stale.status).toBe(400);
    const audit = await api.request('GET /v1/orgs/{org}/audit', { token: org.tokens.owner, params: { org: org.id } });
    expect(audit.body.data.map((e: { action: string }) => e.action)).toContain('budgets.replaced');
  });

  it('requires the scope id of an agent, model or connection budget', async () => {
    const org = await api.newOrg();
    const res = await api.request('PUT /v1/orgs/{org}/budgets', {
      token: org.tokens.billing_admin,
      params: { org: org.id },
      body: { budgets: [{ scope: { kind: 'agent' }, amount_minor: 100, action: 'block' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('budget_scope_id_required');
  });
});

describe('GET /v1/orgs/{org}/entitlement', () => {
  it('blocks an agent whose block budget is used up and lets the others proceed', async () => {
    const org = await meteredOrgWithUsage();
    await api.request('PUT /v1/orgs/{org}/budgets', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: { budgets: [{ id: 'b-cap', scope: { kind: 'agent', id: 'agent_b' }, amount_minor: 600, action: 'block' }] },
    });
    const blocked = await api.request('GET /v1/orgs/{org}/entitlement', {
      token: org.platform,
      params: { org: org.id },
      query: { agent_id: 'agent_b', model: 'claude-sonnet-4' },
    });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ allowed: false, blocked_by: ['b-cap'] });
    const other = await api.request('GET /v1/orgs/{org}/entitlement', {
      token: org.tokens.developer,
      params: { org: org.id },
      query: { agent_id: 'agent_a' },
    });
    expect(other.body).toMatchObject({ allowed: true, blocked_by: [], limits: [] });
  });

  it('treats the free tier hard limits as block budgets', async () => {
    const org = await api.newOrg();
    const runs = Array.from({ length: 100 }, (_, i) => run(org.id, `r${i}`, new Date('2026-11-10T00:00:00Z')));
    await handler(sqsEvent([{ body: runs }]));
    const res = await api.request('GET /v1/orgs/{org}/entitlement', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(res.body.allowed).toBe(false);
    expect(res.body.blocked_by).toEqual(['plan_limit:agent_runs']);
    expect(res.body.limits.find((l: { id: string }) => l.id === 'plan_limit:llm_tokens')).toMatchObject({
      remaining: 1_000_000,
      unit: 'llm_tokens',
    });
  });
});

describe('GET /v1/orgs/{org}/usage/rejected', () => {
  it('lists quarantined events with their reasons to billing admins', async () => {
    const org = await api.newOrg();
    await handler(sqsEvent([{ body: { ...run(org.id, 'bad', new Date('2026-11-10T00:00:00Z')), count: 0 } }]));
    const res = await api.request('GET /v1/orgs/{org}/usage/rejected', {
      token: org.tokens.billing_admin,
      params: { org: org.id },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([expect.objectContaining({ event_id: 'bad', reason: 'invalid_event', position: 0 })]);
    expect(res.body.next_cursor).toBeNull();
    const viewer = await api.request('GET /v1/orgs/{org}/usage/rejected', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(viewer.status).toBe(403);
  });
});
