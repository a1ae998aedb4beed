import { advanceContracts } from '../../../functions/contracts/app/advance-contracts';
import { closeOrgPeriod } from '../../../functions/invoicing/app/close-period';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { addFreezeReason } from '../../../functions/kernel/freeze-gate';
import { periodByKey } from '../../../functions/kernel/period';
import { handler as consumeUsage } from '../../../functions/usage/queue/consume-usage';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';
import { seedDefaultPaymentMethod } from '../support/seed';
import { run, sqsEvent, tokens } from '../support/usage';

/**
 * Enterprise contracts on real parts: contracts over HTTP, usage through the SQS consumer, the close
 * and contract schedules' use cases, the invoice and utilization routes. Prices (USD, the Pro list of
 * version 2): an agent run lists at 1.5 minor units, 1.2 with 20 % off; claude-opus-4 input lists at
 * 0.0015, negotiated at 0.001.
 */
const clock = fixedClock('2027-01-10T00:00:00.000Z');
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

async function count(body: unknown[]) {
  expect(await consumeUsage(sqsEvent([{ body }]))).toEqual({ batchItemFailures: [] });
}

const runs = (org: string, id: string, at: string, n: number) => run(org, id, new Date(at), { count: n });

function contractBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Acme 2027-2028',
    currency: 'USD',
    term: { start: '2027-01-15T00:00:00Z', end: '2029-01-15T00:00:00Z' },
    commit: { type: 'postpaid', years: [{ amount_minor: 100_000 }, { amount_minor: 150_000 }] },
    rates: {
      discount_percent: '20',
      overrides: [{ meter: 'llm_input_tokens', model: 'claude-opus-4', unit_amount_decimal: '0.001' }],
    },
    platform_fee_minor: 0,
    net_days: 30,
    terms_text: 'Master services agreement of 2026-12-01.',
    on_end: { plan_id: 'free' },
    ...overrides,
  };
}

async function transition(org: TestOrg, id: string, body: Record<string, unknown>, token = org.tokens.owner) {
  return api.request('POST /v1/orgs/{org}/contracts/{id}/transitions', { token, params: { org: org.id, id }, body });
}

async function signedContract(org: TestOrg, body = contractBody()) {
  const created = await api.request('POST /v1/orgs/{org}/contracts', {
    token: org.platform,
    params: { org: org.id },
    body,
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await transition(org, id, { action: 'submit' }, org.platform)).status).toBe(200);
  const signed = await transition(org, id, {
    action: 'sign',
    signatory: { name: 'Ada Buyer', email: 'ada@acme.example', title: 'CFO' },
  });
  expect(signed.status).toBe(200);
  return signed.body;
}

const invoicesOf = async (org: TestOrg) =>
  (
    await api.request('GET /v1/orgs/{org}/invoices', {
      token: org.tokens.owner,
      params: { org: org.id },
      query: { limit: 100 },
    })
  ).body.data as any[];
const invoice = async (org: TestOrg, id: string) =>
  (await api.request('GET /v1/orgs/{org}/invoices/{id}', { token: org.tokens.owner, params: { org: org.id, id } }))
    .body;

async function close(org: TestOrg, key: string) {
  const p = periodByKey(key);
  clock.set(new Date(p.end.getTime() + 2 * 3_600_000));
  await closeOrgPeriod(deps, org.id, p.end.toISOString());
  const found = (await invoicesOf(org)).find((i) => i.kind === 'period' && i.period.start === p.start.toISOString());
  return found ? invoice(org, found.id) : undefined;
}

describe('a two-year postpaid contract signed mid-month', () => {
  it('rates usage before the signature under the plan and after it under the contract, splits at the year boundary and trues up exactly', async () => {
    clock.set('2027-01-10T00:00:00.000Z');
    const org = await api.newOrg();
    await seedDefaultPaymentMethod(org.id, deps);
    const bought = await api.request('POST /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: { plan_id: 'pro', currency: 'USD', billing_model: 'metered' },
    });
    expect(bought.status).toBe(201);
    clock.set('2027-01-18T00:00:00.000Z');
    await count([runs(org.id, 'before', '2027-01-17T12:00:00.000Z', 1_000)]); // Pro: 1,000 × 1.5 = 1,500

    clock.set('2027-01-20T00:00:00.000Z');
    const contract = await signedContract(org);
    expect(contract).toMatchObject({ status: 'active', version: 1, active_from: '2027-01-20T00:00:00.000Z' });
    // The rate sheet as usage is rated: the override as negotiated, the rest of the list 20 % off.
    const priceOf = (meter: string, model: string | null) =>
      contract.rate_sheet.find((p: any) => p.meter === meter && p.model === model);
    expect(priceOf('llm_input_tokens', 'claude-opus-4')).toEqual({
      meter: 'llm_input_tokens',
      model: 'claude-opus-4',
      unit_amount_decimal: '0.001',
      tiers: null,
      list_unit_amount_decimal: '0.0015',
      source: 'override',
    });
    expect(priceOf('agent_runs', null)).toMatchObject({
      unit_amount_decimal: '1.2',
      list_unit_amount_decimal: '1.5',
      source: 'discounted_list',
    });
    expect(contract.years.map((y: any) => [y.start, y.end, y.committed_minor])).toEqual([
      ['2027-01-15T00:00:00.000Z', '2028-01-15T00:00:00.000Z', 100_000],
      ['2028-01-15T00:00:00.000Z', '2029-01-15T00:00:00.000Z', 150_000],
    ]);
    // The self-serve subscription ended when the contract took over; no self-serve purchase meanwhile.
    const sub = await api.request('GET /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params: { org: org.id },
    });
    expect(sub.body.status).toBe('canceled');
    const purchase = await api.request('POST /v1/orgs/{org}/subscription', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: { plan_id: 'team', currency: 'USD', billing_model: 'flat' },
    });
    expect(purchase.status).toBe(409);
    expect(purchase.body.error.code).toBe('contract_in_force');

    clock.set('2027-01-25T00:00:00.000Z');
    await count([
      runs(org.id, 'after', '2027-01-24T12:00:00.000Z', 1_000), // contract: 1,000 × 1.2 = 1,200
      tokens(org.id, 'opus', new Date('2027-01-24T13:00:00.000Z'), 10_000, 0, { model: 'claude-opus-4' }), // 10
    ]);
    const summary = await api.request('GET /v1/orgs/{org}/usage/summary', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(summary.body.stretches.map((s: any) => [s.from, s.plan.id, s.amount_minor])).toEqual([
      ['2027-01-01T00:00:00.000Z', 'free', 0],
      ['2027-01-10T00:00:00.000Z', 'pro', 1_500],
      ['2027-01-20T00:00:00.000Z', 'enterprise', 1_210],
    ]);

    const january = await close(org, '2027-01');
    expect(
      january!.lines.filter((l: any) => l.kind === 'usage').reduce((s: number, l: any) => s + l.amount_minor, 0),
    ).toBe(2_710);
    expect(january!.due_at).toBe(new Date(Date.parse(january!.issued_at) + 30 * 86_400_000).toISOString());

    // A year later: 500 runs in year 1 and 500 in year 2, on either side of the boundary inside January.
    clock.set('2028-01-25T00:00:00.000Z');
    await count([
      runs(org.id, 'y1', '2028-01-10T00:00:00.000Z', 500),
      runs(org.id, 'y2', '2028-01-20T00:00:00.000Z', 500),
    ]);
    const util = await api.request('GET /v1/orgs/{org}/contracts/{id}/utilization', {
      token: org.tokens.billing_admin,
      params: { org: org.id, id: contract.id },
    });
    expect(util.status).toBe(200);
    expect(util.body.years.map((y: any) => [y.index, y.consumed_minor, y.remaining_minor, y.percent_used])).toEqual([
      [1, 1_810, 98_190, '1.81'],
      [2, 600, 149_400, '0.40'],
    ]);
    expect(util.body.projection).toMatchObject({ method: 'year_to_date_run_rate', exhausted_at: null });
    // Per billing period, in the part of each inside the year and in force: the year's burn-down.
    expect(util.body.as_of).toBe('2028-01-25T00:00:00.000Z');
    const [year1, year2] = util.body.years;
    expect(year1.by_period).toHaveLength(13);
    expect(year1.by_period[0]).toEqual({
      period: '2027-01',
      from: '2027-01-20T00:00:00.000Z',
      to: '2027-02-01T00:00:00.000Z',
      consumed_minor: 1_210,
    });
    expect(year1.by_period.slice(1, 12).map((p: any) => [p.period, p.consumed_minor])).toEqual(
      Array.from({ length: 11 }, (_v, i) => [`2027-${String(i + 2).padStart(2, '0')}`, 0]),
    );
    expect(year1.by_period[12]).toEqual({
      period: '2028-01',
      from: '2028-01-01T00:00:00.000Z',
      to: '2028-01-15T00:00:00.000Z',
      consumed_minor: 600,
    });
    expect(year2.by_period).toEqual([
      { period: '2028-01', from: '2028-01-15T00:00:00.000Z', to: '2028-01-25T00:00:00.000Z', consumed_minor: 600 },
    ]);
    for (const y of util.body.years) {
      expect(y.by_period.reduce((s: number, p: any) => s + p.consumed_minor, 0)).toBe(y.consumed_minor);
    }

    const close2028 = await close(org, '2028-01');
    const byKind = (kind: string) => close2028!.lines.filter((l: any) => l.kind === kind);
    expect(byKind('usage').map((l: any) => [l.stretch_from, l.amount_minor])).toEqual([
      ['2028-01-01T00:00:00.000Z', 600],
      ['2028-01-15T00:00:00.000Z', 600],
    ]);
    // Year 1 ended on Jan 15: commitment 100,000 − consumed (1,210 + 600) = 98,190. (The 1,500 under Pro is not the contract's.)
    expect(byKind('true_up')).toEqual([expect.objectContaining({ amount_minor: 98_190 })]);
  });

  it('trues up 0 when the year consumed at least its commitment', async () => {
    clock.set('2027-01-20T00:00:00.000Z');
    const org = await api.newOrg();
    const contract = await signedContract(
      org,
      contractBody({ commit: { type: 'postpaid', years: [{ amount_minor: 1_000 }, { amount_minor: 1 }] } }),
    );
    clock.set('2027-02-01T00:00:00.000Z');
    await count([runs(org.id, 'big', '2027-01-30T00:00:00.000Z', 2_000)]); // 2,400 ≥ 1,000
    await close(org, '2027-01');
    const january2028 = await close(org, '2028-01');
    expect(january2028!.lines.filter((l: any) => l.kind === 'true_up')).toEqual([
      expect.objectContaining({ amount_minor: 0 }),
    ]);
    expect(contract.status).toBe('active');
  });
});

describe('a prepaid contract', () => {
  it('invoices the commitment at the year start, draws it down with usage and bills overage only after it is used', async () => {
    clock.set('2027-02-20T00:00:00.000Z');
    const org = await api.newOrg();
    const contract = await signedContract(
      org,
      contractBody({
        term: { start: '2027-03-01T00:00:00Z', end: '2028-03-01T00:00:00Z' },
        commit: { type: 'prepaid', years: [{ amount_minor: 5_000 }] },
        rates: { discount_percent: '0', overrides: [] },
        net_days: 0,
      }),
    );
    expect(contract).toMatchObject({ status: 'signed', active_from: '2027-03-01T00:00:00.000Z' });
    expect(await invoicesOf(org)).toEqual([]);

    clock.set('2027-03-01T00:30:00.000Z');
    const run1 = await advanceContracts(deps);
    expect(run1.activated).toBeGreaterThanOrEqual(1);
    const history = await api.request('GET /v1/orgs/{org}/contracts/{id}/history', {
      token: org.tokens.owner,
      params: { org: org.id, id: contract.id },
    });
    expect(history.body.data.find((e: any) => e.action === 'activated')).toMatchObject({
      effective_at: '2027-03-01T00:00:00.000Z',
    });
    const commitment = (await invoicesOf(org)).find((i) => i.kind === 'contract');
    expect(commitment).toMatchObject({ total_minor: 5_000, status: 'open' });
    await advanceContracts(deps); // again: still one commitment invoice
    expect((await invoicesOf(org)).filter((i) => i.kind === 'contract')).toHaveLength(1);

    clock.set('2027-03-10T00:00:00.000Z');
    await count([runs(org.id, 'march', '2027-03-09T00:00:00.000Z', 3_000)]); // 4,500
    const march = await close(org, '2027-03');
    expect(
      march!.lines
        .filter((l: any) => ['usage', 'prepaid_drawdown'].includes(l.kind))
        .map((l: any) => [l.kind, l.amount_minor]),
    ).toEqual([
      ['usage', 4_500],
      ['prepaid_drawdown', -4_500],
    ]);
    expect(march!.total_minor).toBe(0);

    clock.set('2027-04-10T00:00:00.000Z');
    await count([runs(org.id, 'april', '2027-04-09T00:00:00.000Z', 1_000)]); // 1,500: 500 left prepaid, 1,000 overage
    const april = await close(org, '2027-04');
    expect(april!.lines.filter((l: any) => l.kind === 'prepaid_drawdown').map((l: any) => l.amount_minor)).toEqual([
      -500,
    ]);
    expect(april!.total_minor).toBe(1_000);
  });
});

describe('the contract lifecycle', () => {
  it('answers 409 invalid_transition for every step its status does not allow', async () => {
    clock.set('2027-01-20T00:00:00.000Z');
    const org = await api.newOrg();
    const created = await api.request('POST /v1/orgs/{org}/contracts', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: contractBody(),
    });
    const id = created.body.id as string;
    const illegal = async (body: Record<string, unknown>) => {
      const res = await transition(org, id, body);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('invalid_transition');
    };
    await illegal({ action: 'sign', signatory: { name: 'A', email: 'a@b.example' } });
    await illegal({ action: 'terminate', effective_at: '2027-06-01T00:00:00Z', reason: 'x' });
    await illegal({ action: 'amend', effective_at: '2027-06-01T00:00:00Z' });
    expect((await transition(org, id, { action: 'submit' })).status).toBe(200);
    await illegal({ action: 'submit' });
    const edit = await api.request('PATCH /v1/orgs/{org}/contracts/{id}', {
      token: org.tokens.owner,
      params: { org: org.id, id },
      body: { name: 'x' },
    });
    expect(edit.status).toBe(409);
    expect((await transition(org, id, { action: 'sign', signatory: { name: 'A', email: 'a@b.example' } })).status).toBe(
      200,
    );
    await illegal({ action: 'void' });
    await illegal({ action: 'submit' });
  });

  it('lets exactly one of 16 concurrent signatures on two overlapping contracts win', async () => {
    clock.set('2027-01-20T00:00:00.000Z');
    const org = await api.newOrg();
    const ids: string[] = [];
    for (const name of ['A', 'B']) {
      const created = await api.request('POST /v1/orgs/{org}/contracts', {
        token: org.tokens.owner,
        params: { org: org.id },
        body: contractBody({ name }),
      });
      await transition(org, created.body.id, { action: 'submit' });
      ids.push(created.body.id);
    }
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        transition(org, ids[i % 2]!, { action: 'sign', signatory: { name: `S${i}`, email: 's@acme.example' } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 409)).toBe(true);
    const list = await api.request('GET /v1/orgs/{org}/contracts', {
      token: org.tokens.owner,
      params: { org: org.id },
    });
    expect(list.body.data.filter((c: any) => c.status === 'active')).toHaveLength(1);
  }, 60_000);

  it('refuses to sign while the org is frozen', async () => {
    clock.set('2027-01-20T00:00:00.000Z');
    const org = await api.newOrg();
    const created = await api.request('POST /v1/orgs/{org}/contracts', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: contractBody(),
    });
    await transition(org, created.body.id, { action: 'submit' });
    await addFreezeReason(deps, { actor: { type: 'system', id: 'test' } }, org.id, 'dunning');
    const signed = await transition(org, created.body.id, {
      action: 'sign',
      signatory: { name: 'A', email: 'a@b.example' },
    });
    expect(signed.status).toBe(409);
    expect(signed.body.error.code).toBe('billing_frozen');
  });

  it('expires a contract at its term end, dated at the end even when the schedule runs days late', async () => {
    clock.set('2027-01-20T00:00:00.000Z');
    const org = await api.newOrg();
    const contract = await signedContract(
      org,
      contractBody({
        term: { start: '2027-01-15T00:00:00Z', end: '2027-06-01T00:00:00Z' },
        commit: { type: 'postpaid', years: [{ amount_minor: 0 }] },
      }),
    );
    clock.set('2027-06-03T09:00:00.000Z');
    await advanceContracts(deps);
    const after = await api.request('GET /v1/orgs/{org}/contracts/{id}', {
      token: org.tokens.owner,
      params: { org: org.id, id: contract.id },
    });
    expect(after.body.status).toBe('expired');
    const history = await api.request('GET /v1/orgs/{org}/contracts/{id}/history', {
      token: org.tokens.owner,
      params: { org: org.id, id: contract.id },
    });
    expect(history.body.data.find((e: any) => e.action === 'expired')).toMatchObject({
      effective_at: '2027-06-01T00:00:00.000Z',
    });
    // After the end, usage is under the on_end plan (free).
    const terms = await deps.terms.termsAt(org.id, new Date('2027-06-02T00:00:00.000Z'));
    expect(terms).toMatchObject({ planId: 'free' });
    expect(terms?.contract).toBeUndefined();
  });

  it('replaces an amended version at its effective instant: usage before under version 1, after under version 2', async () => {
    clock.set('2027-01-20T00:00:00.000Z');
    const org = await api.newOrg();
    const contract = await signedContract(org);
    clock.set('2027-02-05T00:00:00.000Z');
    await count([runs(org.id, 'v1', '2027-02-04T00:00:00.000Z', 1_000)]); // 1.2 → 1,200
    const amended = await transition(org, contract.id, {
      action: 'amend',
      effective_at: '2027-02-10T00:00:00Z',
      changes: { rates: { discount_percent: '50', overrides: [] } },
    });
    expect(amended.status).toBe(200);
    expect(amended.body.amendment).toMatchObject({ version: 2, status: 'draft', amends: { version: 1 } });
    await transition(org, contract.id, { action: 'submit' });
    const signed = await transition(org, contract.id, {
      action: 'sign',
      signatory: { name: 'Ada', email: 'ada@acme.example' },
    });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ version: 2, status: 'signed', active_from: '2027-02-10T00:00:00.000Z' });
    clock.set('2027-02-12T00:00:00.000Z');
    await advanceContracts(deps);
    await count([runs(org.id, 'v2', '2027-02-11T00:00:00.000Z', 1_000)]); // 0.75 → 750
    const util = await api.request('GET /v1/orgs/{org}/contracts/{id}/utilization', {
      token: org.tokens.owner,
      params: { org: org.id, id: contract.id },
    });
    expect(util.body).toMatchObject({ version: 2 });
    expect(util.body.years[0].consumed_minor).toBe(1_200 + 750);
    const versions = await deps.contracts.versions(org.id, contract.id);
    expect(versions.map((v) => [v.version, v.status, v.activeUntil])).toEqual([
      [1, 'superseded', '2027-02-10T00:00:00.000Z'],
      [2, 'active', '2029-01-15T00:00:00.000Z'],
    ]);
  });

  it('refuses bad terms with the field paths, hides another org’s contracts and forbids a developer', async () => {
    clock.set('2027-01-20T00:00:00.000Z');
    const org = await api.newOrg();
    const bad = async (overrides: Record<string, unknown>, path: string) => {
      const res = await api.request('POST /v1/orgs/{org}/contracts', {
        token: org.tokens.owner,
        params: { org: org.id },
        body: contractBody(overrides),
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: any) => d.path)).toContain(path);
    };
    await bad({ term: { start: '2027-06-01T00:00:00Z', end: '2027-01-01T00:00:00Z' } }, 'term.end');
    await bad({ currency: 'JPY' }, 'currency');
    await bad(
      { rates: { discount_percent: '0', overrides: [{ meter: 'gpu_seconds', unit_amount_decimal: '1' }] } },
      'rates.overrides.0.meter',
    );
    await bad(
      { commit: { type: 'postpaid', years: [{ amount_minor: -1 }, { amount_minor: 5 }] } },
      'commit.years.0.amount_minor',
    );

    const contract = await signedContract(org);
    const other = await api.newOrg();
    const foreign = await api.request('GET /v1/orgs/{org}/contracts/{id}', {
      token: other.tokens.owner,
      params: { org: other.id, id: contract.id },
    });
    expect(foreign.status).toBe(404);
    const dev = await api.request('GET /v1/orgs/{org}/contracts/{id}/utilization', {
      token: org.tokens.developer,
      params: { org: org.id, id: contract.id },
    });
    expect(dev.status).toBe(403);
    const platformSigns = await transition(
      org,
      contract.id,
      { action: 'terminate', effective_at: '2027-06-01T00:00:00Z', reason: 'x' },
      org.platform,
    );
    expect(platformSigns.status).toBe(403);
  });
});
