import { ulid } from 'ulid';
import { buildKernel } from '../../../functions/kernel/compose';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('Idempotency-Key on writes', () => {
  const provision = (token: string, org: string, body: unknown, key?: string) =>
    api.request('PUT /v1/orgs/{org}', {
      token,
      params: { org },
      body,
      headers: key ? { 'idempotency-key': key } : {},
    });

  it('replays the stored response for the same key and body, even after the state moved on', async () => {
    const platform = await api.token({ sub: 'svc_idem', role: 'platform' });
    const org = `org_${ulid().toLowerCase()}`;
    const key = `k-${ulid()}`;
    const first = await provision(platform, org, { name: 'One', default_currency: 'USD' }, key);
    expect(first.status).toBe(201);
    await provision(platform, org, { name: 'Two', default_currency: 'USD' });
    const replay = await provision(platform, org, { default_currency: 'USD', name: 'One' }, key);
    expect(replay.body).toEqual(first.body);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  it('answers 422 idempotency_key_reused for the same key with a different body', async () => {
    const platform = await api.token({ sub: 'svc_idem', role: 'platform' });
    const org = `org_${ulid().toLowerCase()}`;
    const key = `k-${ulid()}`;
    expect((await provision(platform, org, { name: 'One', default_currency: 'USD' }, key)).status).toBe(201);
    const reused = await provision(platform, org, { name: 'Other', default_currency: 'USD' }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
  });

  it('keeps keys apart per tenant: the same key from two callers are two requests', async () => {
    const a = await api.token({ sub: 'svc_a', role: 'platform' });
    const b = await api.token({ sub: 'svc_b', role: 'platform' });
    const key = `k-${ulid()}`;
    const orgA = `org_${ulid().toLowerCase()}`;
    const orgB = `org_${ulid().toLowerCase()}`;
    expect((await provision(a, orgA, { name: 'A', default_currency: 'USD' }, key)).status).toBe(201);
    const other = await provision(b, orgB, { name: 'B', default_currency: 'EUR' }, key);
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
  });

  it('runs concurrent retries of one request exactly once', async () => {
    const platform = await api.token({ sub: 'svc_race', role: 'platform' });
    const org = `org_${ulid().toLowerCase()}`;
    const key = `k-${ulid()}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => provision(platform, org, { name: 'Race', default_currency: 'GBP' }, key)),
    );
    const statuses = results.map((r) => r.status);
    // One executes; the others either replay its 201 or are told it is still in flight (409).
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(results.filter((r) => r.status === 201 && !r.headers.get('idempotent-replayed'))).toHaveLength(1);
    const owner = await api.token({ sub: 'o', role: 'owner', org_id: org });
    const audit = await api.request('GET /v1/orgs/{org}/audit', { token: owner, params: { org } });
    expect(audit.body.data).toHaveLength(1);
  });

  it('rejects a malformed key', async () => {
    const platform = await api.token({ sub: 'svc', role: 'platform' });
    const res = await provision(
      platform,
      `org_${ulid().toLowerCase()}`,
      { name: 'x', default_currency: 'USD' },
      'bad key!',
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_idempotency_key');
  });
});

describe('the idempotency record', () => {
  const store = buildKernel().idempotency;
  const response = (body: string) => ({ statusCode: 201, body, contentType: 'application/json' });
  const t0 = new Date('2026-11-30T23:59:00.000Z');
  const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  it('completes only under its own claim: a request that outlived it cannot overwrite the retry that took over', async () => {
    const key = `k-${ulid()}`;
    const slow = await store.begin('org_idem', 'provisionOrg', key, 'hash-1', t0);
    // The slow request's claim expired (it was still waiting on Stripe): the client's retry takes the key.
    const retry = await store.begin('org_idem', 'provisionOrg', key, 'hash-1', later(61));
    expect(slow.state).toBe('started');
    expect(retry.state).toBe('started');
    if (slow.state !== 'started' || retry.state !== 'started') return;
    expect(await store.complete('org_idem', 'provisionOrg', key, slow.claimId, response('"slow"'))).toBe(false);
    expect(await store.complete('org_idem', 'provisionOrg', key, retry.claimId, response('"retry"'))).toBe(true);
    expect(await store.begin('org_idem', 'provisionOrg', key, 'hash-1', later(62))).toEqual({
      state: 'replay',
      response: response('"retry"'),
    });
  });

  it("releases only its own claim: a failed request that outlived it leaves the retry's claim in place", async () => {
    const key = `k-${ulid()}`;
    const slow = await store.begin('org_idem', 'provisionOrg', key, 'hash-1', t0);
    const retry = await store.begin('org_idem', 'provisionOrg', key, 'hash-1', later(61));
    if (slow.state !== 'started' || retry.state !== 'started') throw new Error('both must start');
    expect(await store.release('org_idem', 'provisionOrg', key, slow.claimId)).toBe(false);
    // The retry is still in flight: a third attempt is told so instead of running a second time.
    await expect(store.begin('org_idem', 'provisionOrg', key, 'hash-1', later(62))).rejects.toMatchObject({
      code: 'idempotency_in_progress',
    });
    expect(await store.release('org_idem', 'provisionOrg', key, retry.claimId)).toBe(true);
    expect((await store.begin('org_idem', 'provisionOrg', key, 'hash-1', later(63))).state).toBe('started');
  });
});
