import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { buildDeps, setDepsForTesting } from '../../support/deps';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';

/** The per-org budget of the expensive reads: a counter in the table, the same locally and on AWS. */
let api: TestApi;
const clock = fixedClock('2026-11-20T12:00:15.000Z');

beforeAll(async () => {
  setDepsForTesting(buildDeps({ ...loadConfig(), expensiveReadsPerMinute: 3 }, clock));
  api = await startTestApi();
});
afterAll(async () => {
  setDepsForTesting(undefined);
  await api.close();
});

const range = { from: '2026-11-01', to: '2026-12-01', group_by: 'model' };
const report = (org: TestOrg) =>
  api.request('GET /v1/orgs/{org}/usage/report', { token: org.tokens.viewer, params: { org: org.id }, query: range });
const costs = (org: TestOrg) =>
  api.request('GET /v1/orgs/{org}/costs', { token: org.tokens.viewer, params: { org: org.id }, query: range });

describe('the expensive-read rate limit', () => {
  it('answers 429 with Retry-After once an org used its budget, for that org only, until the window ends', async () => {
    clock.set('2026-11-20T12:00:15.000Z');
    const org = await api.newOrg();
    const other = await api.newOrg();
    // Report and costs share the one budget.
    expect([(await report(org)).status, (await costs(org)).status, (await report(org)).status]).toEqual([
      200, 200, 200,
    ]);
    const limited = await costs(org);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('45');
    expect(limited.body.error).toMatchObject({ code: 'rate_limited', details: { retry_after_seconds: 45 } });
    // Another tenant's budget is its own, and routes without a budget are not counted.
    expect((await report(other)).status).toBe(200);
    const summary = await api.request('GET /v1/orgs/{org}/usage/summary', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(summary.status).toBe(200);
    // A refused request does not count: the next window starts afresh.
    clock.set('2026-11-20T12:01:00.000Z');
    expect((await report(org)).status).toBe(200);
  });

  it('counts only callers who may read: a request refused by authorization spends nothing', async () => {
    clock.set('2026-11-20T13:00:05.000Z');
    const org = await api.newOrg();
    const stranger = await api.newOrg();
    for (let i = 0; i < 5; i++) {
      const res = await api.request('GET /v1/orgs/{org}/usage/report', {
        token: stranger.tokens.owner,
        params: { org: org.id },
        query: range,
      });
      expect(res.status).toBe(404);
    }
    expect((await report(org)).status).toBe(200);
  });
});
