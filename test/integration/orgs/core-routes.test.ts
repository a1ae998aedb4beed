import { ulid } from 'ulid';
import { kernel } from '../../../functions/kernel/compose';
import { keys } from '../../../functions/kernel/dynamo/keys';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('GET /v1/health', () => {
  it('answers ok without a token once the table is reachable', async () => {
    const res = await api.request('GET /v1/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });
});

describe('GET /v1/openapi.json', () => {
  it('serves an OpenAPI 3 document with every route of the route table', async () => {
    const res = await api.request('GET /v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.paths['/v1/orgs/{org}'].put.operationId).toBe('provisionOrg');
  });
});

describe('PUT /v1/orgs/{org}', () => {
  it('creates the org with 201, then answers 200 and writes nothing when provisioned again unchanged', async () => {
    const org = await api.newOrg();
    const again = await api.request('PUT /v1/orgs/{org}', {
      token: org.platform,
      params: { org: org.id },
      body: { name: `Test ${org.id}`, default_currency: 'usd' },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: org.id, default_currency: 'USD', version: 1 });
    const audit = await api.request('GET /v1/orgs/{org}/audit', { token: org.tokens.owner, params: { org: org.id } });
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual(['org.provisioned']);
  });

  it('answers a quick retry of a first provisioning as the no-op it is, even from a replica that lags', async () => {
    // DynamoDB Local is always consistent; on AWS an eventually consistent read right after a write may
    // miss it. This stands in such a replica: eventually consistent reads of this org's profile find nothing.
    const id = `org_${ulid().toLowerCase()}`;
    const profile = keys.org(id);
    const laggingReplica =
      (next: (a: unknown) => Promise<unknown>) =>
      async (args: { input: { Key?: { PK?: string; SK?: string }; ConsistentRead?: boolean } }) => {
        const key = args.input.Key;
        if (key?.PK === profile.PK && key.SK === profile.SK && !args.input.ConsistentRead) {
          return { output: { $metadata: {} }, response: {} };
        }
        return next(args);
      };
    const db = kernel().db;
    db.middlewareStack.add(laggingReplica as never, { step: 'initialize', name: 'laggingReplica' });
    try {
      const platform = await api.token({ sub: 'svc_platform', role: 'platform' });
      const provision = () =>
        api.request('PUT /v1/orgs/{org}', {
          token: platform,
          params: { org: id },
          body: { name: 'Quick', default_currency: 'USD' },
        });
      expect((await provision()).status).toBe(201);
      const retry = await provision();
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ id, name: 'Quick', version: 1 });
    } finally {
      db.middlewareStack.remove('laggingReplica');
    }
  });

  it('updates name and default currency with an audit entry holding before and after', async () => {
    const org = await api.newOrg();
    const res = await api.request('PUT /v1/orgs/{org}', {
      token: org.platform,
      params: { org: org.id },
      body: { name: 'Renamed', default_currency: 'EUR' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Renamed', default_currency: 'EUR', version: 2 });
    const audit = await api.request('GET /v1/orgs/{org}/audit', { token: org.tokens.owner, params: { org: org.id } });
    const [latest] = audit.body.data;
    expect(latest).toMatchObject({
      action: 'org.updated',
      actor: { type: 'service', id: 'svc_platform', role: 'platform' },
      before: { name: `Test ${org.id}`, defaultCurrency: 'USD' },
      after: { name: 'Renamed', defaultCurrency: 'EUR' },
    });
    expect(latest.request_id).toBeTruthy();
  });

  it('rejects an unsupported currency and unknown fields with field paths', async () => {
    const org = await api.newOrg();
    const res = await api.request('PUT /v1/orgs/{org}', {
      token: org.platform,
      params: { org: org.id },
      body: { name: 'x', default_currency: 'XXX', surprise: true },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.error.code).toBe('invalid_request');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['default_currency']));
  });

  it('answers 400 malformed_json for a broken body and 415 for a non-JSON content type', async () => {
    const platform = await api.token({ sub: 'svc', role: 'platform' });
    const broken = await api.request('PUT /v1/orgs/{org}', {
      token: platform,
      params: { org: 'org_broken' },
      rawBody: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('malformed_json');
    const wrongType = await api.request('PUT /v1/orgs/{org}', {
      token: platform,
      params: { org: 'org_broken' },
      rawBody: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.code).toBe('unsupported_media_type');
  });
});

describe('GET /v1/orgs/{org}', () => {
  it('answers the org with its name and default currency to any member', async () => {
    const org = await api.newOrg({ name: 'Console Co', currency: 'EUR' });
    for (const role of ['owner', 'billing_admin', 'developer', 'viewer'] as const) {
      const res = await api.request('GET /v1/orgs/{org}', { token: org.tokens[role], params: { org: org.id } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: org.id, name: 'Console Co', default_currency: 'EUR', version: 1 });
    }
  });

  it("answers 404 for another org's id", async () => {
    const [mine, theirs] = await Promise.all([api.newOrg(), api.newOrg()]);
    const res = await api.request('GET /v1/orgs/{org}', { token: mine.tokens.viewer, params: { org: theirs.id } });
    expect(res.status).toBe(404);
  });
});

describe('GET /v1/plans', () => {
  it('lists the catalog: models, currencies (yen from v2), flat fees, included usage, per-direction decimal prices and tiers', async () => {
    const org = await api.newOrg();
    const res = await api.request('GET /v1/plans', { token: org.tokens.viewer });
    expect(res.status).toBe(200);
    const ids = res.body.data.map((p: { id: string }) => p.id);
    expect(ids).toEqual(['free', 'team', 'pro', 'enterprise']);
    // tier_rank orders upgrades and downgrades the way the subscription rules do.
    expect(res.body.data.map((p: { tier_rank: number }) => p.tier_rank)).toEqual([0, 1, 2, 3]);
    const pro = res.body.data.find((p: { id: string }) => p.id === 'pro');
    expect(pro.currencies).toEqual(['USD', 'EUR', 'GBP', 'JPY']);
    const sonnetInput = pro.prices.USD.metered.find(
      (m: { meter: string; model?: string }) => m.meter === 'llm_input_tokens' && m.model === 'claude-sonnet-4',
    );
    expect(sonnetInput).toMatchObject({ unit_amount_decimal: '0.0003', direction: 'input', unit: 'token' });
    expect(pro.prices.JPY.flat_fee).toEqual({ amount_minor: 29_800, currency: 'JPY' });
    const tools = pro.prices.USD.metered.find((m: { meter: string }) => m.meter === 'tool_invocations');
    expect(tools.tiers).toEqual([
      { up_to: 100_000, unit_amount_decimal: '0.08' },
      { up_to: null, unit_amount_decimal: '0.04' },
    ]);
    expect(res.body.data.find((p: { id: string }) => p.id === 'team').included_usage).toEqual({
      llm_tokens: 20_000_000,
      tool_invocations: 50_000,
      agent_runs: 5_000,
    });
    expect(res.body.data.find((p: { id: string }) => p.id === 'enterprise').self_serve).toBe(false);
    expect(res.body.data.find((p: { id: string }) => p.id === 'free').hard_limits.llm_tokens).toBe(1_000_000);
  });
});

describe('GET /v1/orgs/{org}/billing-status', () => {
  it('starts in good standing with no freeze reasons', async () => {
    const org = await api.newOrg();
    const res = await api.request('GET /v1/orgs/{org}/billing-status', {
      token: org.tokens.developer,
      params: { org: org.id },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      org_id: org.id,
      dunning_state: 'none',
      freeze_reasons: [],
      new_spend_allowed: true,
      disputes: [],
    });
  });

  it('answers 404 for an org that was never provisioned, even to the platform', async () => {
    const platform = await api.token({ sub: 'svc', role: 'platform' });
    const member = await api.token({ sub: 'u', role: 'owner', org_id: 'org_never_made' });
    for (const token of [member]) {
      const res = await api.request('GET /v1/orgs/{org}/billing-status', { token, params: { org: 'org_never_made' } });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('org_not_found');
    }
    // platform is not a member role for this route: 403, not a data leak.
    const res = await api.request('GET /v1/orgs/{org}/billing-status', { token: platform, params: { org: 'org_x' } });
    expect(res.status).toBe(403);
  });
});

describe('GET /v1/orgs/{org}/audit', () => {
  it('pages newest first with an opaque cursor that cannot be replayed against another org', async () => {
    const org = await api.newOrg();
    for (const name of ['A', 'B', 'C']) {
      await api.request('PUT /v1/orgs/{org}', {
        token: org.platform,
        params: { org: org.id },
        body: { name, default_currency: 'USD' },
      });
    }
    const first = await api.request('GET /v1/orgs/{org}/audit', {
      token: org.tokens.billing_admin,
      params: { org: org.id },
      query: { limit: 2 },
    });
    expect(first.status).toBe(200);
    expect(first.body.data.map((e: { after: { name: string } }) => e.after.name)).toEqual(['C', 'B']);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await api.request('GET /v1/orgs/{org}/audit', {
      token: org.tokens.billing_admin,
      params: { org: org.id },
      query: { limit: 2, cursor: first.body.next_cursor },
    });
    expect(second.body.data.map((e: { action: string; after: { name: string } }) => e.after.name)).toEqual([
      'A',
      `Test ${org.id}`,
    ]);

    const other = await api.newOrg();
    const crossed = await api.request('GET /v1/orgs/{org}/audit', {
      token: other.tokens.owner,
      params: { org: other.id },
      query: { cursor: first.body.next_cursor },
    });
    expect(crossed.status).toBe(400);
    expect(crossed.body.error.code).toBe('invalid_cursor');
  });
});
