import { publishUsage } from '../../../functions/usage/client/usage-publisher';
import { handler as consumeUsage } from '../../../functions/usage/queue/consume-usage';
import { type Poller, startPoller } from '../../../scripts/local/poller';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { until as waitUntil } from '../../support/waiting';
import { freshQueue, sqs } from '../local-stack/helpers';
import { startTestApi, type TestApi } from '../support/api';
import { seedDefaultPaymentMethod } from '../support/seed';

/**
 * Threshold invoicing end to end: an org on Pro sets a threshold over HTTP, the agent runtime's client
 * publishes usage to SQS, the local event source mapping hands batches to the consumer Lambda's handler,
 * which counts them and — in the same invocation — bills the accrual once it passes the threshold. The
 * invoice list shows it well within a minute of the crossing being counted.
 */
let api: TestApi;
let deps: Deps;
let poller: Poller;
let queueUrl: string;

beforeAll(async () => {
  deps = buildDeps();
  setDepsForTesting(deps);
  api = await startTestApi();
  const queue = await freshQueue({ batchSize: 50, maxBatchingWindowSeconds: 0, visibilityTimeoutSeconds: 30 });
  queueUrl = queue.url;
  poller = startPoller({
    sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    dlqUrl: queue.dlqUrl,
    definition: queue.definition,
    handler: consumeUsage,
    retryDelaySeconds: 1,
  });
});
afterAll(async () => {
  await poller.stop();
  setDepsForTesting(undefined);
  await api.close();
});

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number) =>
  waitUntil(what, probe, timeoutMs, 200);

describe('a threshold crossed through the usage queue', () => {
  it('puts a threshold invoice in the invoice list within 60 s of the crossing', async () => {
    const org = await api.newOrg();
    await seedDefaultPaymentMethod(org.id, deps);
    const params = { org: org.id };
    expect(
      (
        await api.request('POST /v1/orgs/{org}/subscription', {
          token: org.tokens.owner,
          params,
          body: { plan_id: 'pro', currency: 'USD', billing_model: 'metered' },
        })
      ).status,
    ).toBe(201);
    const threshold = await api.request('PUT /v1/orgs/{org}/billing-settings', {
      token: org.tokens.owner,
      params,
      body: { invoice_threshold_minor: 5_000 },
    });
    expect(threshold.status).toBe(200);

    // 600 agent runs × 1.5 = 900; then 4,000 runs more → 6,900 accrued, past 5,000. Stamped after the
    // purchase (usage before it is the free plan's), a millisecond apart.
    const now = Date.now();
    const runs = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        id: `run_${from + i}:step_1`,
        org_id: org.id,
        type: 'agent_run' as const,
        timestamp: new Date(now + from + i).toISOString(),
        count: 1,
      }));
    await publishUsage({ sqs, queueUrl }, runs(0, 600));
    await until(
      'the first runs to be counted',
      async () => {
        const s = await api.request('GET /v1/orgs/{org}/usage/summary', { token: org.tokens.viewer, params });
        return s.body.events_counted === 600 ? true : undefined;
      },
      30_000,
    );
    const listed = async () =>
      (await api.request('GET /v1/orgs/{org}/invoices', { token: org.tokens.billing_admin, params })).body
        .data as any[];
    expect(await listed()).toEqual([]);

    const crossing = Date.now();
    await publishUsage({ sqs, queueUrl }, runs(600, 4_000));
    const invoices = await until(
      'a threshold invoice',
      async () => {
        const data = await listed();
        return data.length > 0 ? data : undefined;
      },
      60_000,
    );
    expect(Date.now() - crossing).toBeLessThan(60_000);
    expect(invoices[0]).toMatchObject({ kind: 'threshold', status: 'open', currency: 'USD' });
    expect(invoices[0].total_minor).toBeGreaterThanOrEqual(5_000);
    // Everything accrued is billed by threshold invoices or waits for the next one: never more than rated.
    const summary = await api.request('GET /v1/orgs/{org}/usage/summary', { token: org.tokens.viewer, params });
    await until(
      'all runs to be counted',
      async () => {
        const s = await api.request('GET /v1/orgs/{org}/usage/summary', { token: org.tokens.viewer, params });
        return s.body.events_counted === 4_600 ? s : undefined;
      },
      30_000,
    );
    const billed = (await listed()).reduce((s, i) => s + i.total_minor, 0);
    expect(billed).toBeLessThanOrEqual(6_900);
    expect(summary.status).toBe(200);
  }, 120_000);
});
