import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { addContact } from '../../../functions/notices/app/contacts';
import { createSubscription } from '../../../functions/subscriptions/app/create-subscription';
import { publishUsage } from '../../../functions/usage/client/usage-publisher';
import { handler } from '../../../functions/usage/queue/consume-usage';
import { startPoller } from '../../../scripts/local/poller';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { freshQueue, sqs, until } from '../local-stack/helpers';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';
import { seedDefaultPaymentMethod } from '../support/seed';
import { run, sqsEvent } from '../support/usage';

/**
 * Runaway alerts end to end: usage through a real queue and the consumer's poller, the notice in the
 * real outbox, the entry in GET …/usage/anomalies. Pro (metered, USD): an agent run is 1.5 minor units.
 */
const HOUR = 3_600_000;
const NOW = new Date('2026-11-20T15:30:00.000Z');
const clock = fixedClock(NOW);
const ctx = { actor: { type: 'user' as const, id: 'test' }, requestId: 'test' };
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

async function proOrgWithAnomalyContact(): Promise<TestOrg> {
  const org = await api.newOrg();
  await seedDefaultPaymentMethod(org.id, deps);
  clock.set('2026-11-01T00:00:00.000Z');
  await createSubscription(deps, ctx, { orgId: org.id, planId: 'pro', currency: 'USD', billingModel: 'metered' });
  clock.set(NOW);
  // Not @example.com: another suite delivers every pending notice and counts the example.com mail it sends.
  await addContact(deps, ctx, {
    orgId: org.id,
    name: 'On call',
    email: 'oncall@runaway-alerts.test',
    noticeKinds: ['anomaly'],
  });
  return org;
}

/** A day of steady usage before the current hour: 100 runs an hour (150 minor units), counted directly. */
async function steadyDay(orgId: string) {
  const events = Array.from({ length: 24 }, (_, h) =>
    run(orgId, `base-${h}`, new Date(Date.parse('2026-11-19T15:10:00.000Z') + h * HOUR), {
      agent_id: 'support_bot',
      count: 100,
    }),
  );
  expect(await handler(sqsEvent([{ body: events }]))).toEqual({ batchItemFailures: [] });
}

/** A burst sent as the agent runtime sends it: through SQS, consumed by the poller. */
async function burstThroughSqs(orgId: string, prefix: string, at: Date, events: number) {
  const queue = await freshQueue({ batchSize: 10, maxBatchingWindowSeconds: 0 });
  const poller = startPoller({
    sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    definition: queue.definition,
    handler: handler as never,
    waitTimeSeconds: 1,
  });
  try {
    const burst = Array.from({ length: events }, (_, i) =>
      run(orgId, `${prefix}-${i}`, new Date(at.getTime() + i * 1_000), { agent_id: 'support_bot', count: 20 }),
    );
    await publishUsage({ sqs, queueUrl: queue.url }, burst as never);
    const period = '2026-11';
    await until(
      async () =>
        (await deps.usageReader.periodTotals(orgId, period)).events >= 24 + events * (prefix === 'b1' ? 1 : 2),
      20_000,
      'the burst counted',
    );
  } finally {
    await poller.stop();
  }
}

const anomalyNotices = async (orgId: string) =>
  (await deps.notices.listNotices(orgId, { limit: 50 })).data.filter((n) => n.kind === 'anomaly');

describe('runaway alerts', () => {
  it("sends one anomaly notice for a runaway agent's burst through SQS, lists it, and holds a second burst the same day", async () => {
    const org = await proOrgWithAnomalyContact();
    await steadyDay(org.id);
    expect(await anomalyNotices(org.id)).toEqual([]);

    // 100 events × 20 runs in the current hour: 3,000 minor units against a baseline of 150 an hour.
    await burstThroughSqs(org.id, 'b1', new Date('2026-11-20T15:00:00.000Z'), 100);
    const notices = await anomalyNotices(org.id);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      cause: 'anomaly:agent:support_bot:2026-11-20',
      subject: 'Runaway usage: agent support_bot',
      data: expect.objectContaining({
        hour_spend_minor: 3_000,
        baseline_hourly_minor: 150,
        multiple: 5,
        // (3,000 − 150) × the 248 hours from 16:00 on Nov 20 to Dec 1.
        forecast_impact_minor: 2_850 * 248,
      }),
    });
    const listed = await api.request('GET /v1/orgs/{org}/usage/anomalies', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      data: [
        {
          scope: { kind: 'agent', id: 'support_bot' },
          day: '2026-11-20',
          hour: '2026-11-20T15:00:00.000Z',
          detected_at: NOW.toISOString(),
          currency: 'USD',
          hour_spend_minor: 3_000,
          baseline_hourly_minor: 150,
          multiple: 5,
          forecast_impact_minor: 2_850 * 248,
          notice_cause: 'anomaly:agent:support_bot:2026-11-20',
        },
      ],
      next_cursor: null,
    });

    // A second burst later the same day: no second notice, no second entry.
    clock.set('2026-11-20T19:20:00.000Z');
    await burstThroughSqs(org.id, 'b2', new Date('2026-11-20T19:00:00.000Z'), 100);
    expect(await anomalyNotices(org.id)).toHaveLength(1);
    const again = await api.request('GET /v1/orgs/{org}/usage/anomalies', {
      token: org.tokens.owner,
      params: { org: org.id },
    });
    expect(again.body.data).toHaveLength(1);
  }, 60_000);

  it('alerts nothing for usage within its baseline, or with the policy turned off', async () => {
    const org = await proOrgWithAnomalyContact();
    await steadyDay(org.id);
    const put = await api.request('PUT /v1/orgs/{org}/budgets', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: { budgets: [], anomaly_policy: { enabled: false } },
    });
    expect(put.status).toBe(200);
    expect(put.body.anomaly_policy).toEqual({
      enabled: false,
      multiple: 5,
      baseline_hours: 24,
      min_hourly_spend_minor: 500,
    });
    const burst = Array.from({ length: 100 }, (_, i) =>
      run(org.id, `off-${i}`, new Date('2026-11-20T15:01:00.000Z'), { agent_id: 'support_bot', count: 20 }),
    );
    expect(await handler(sqsEvent([{ body: burst }]))).toEqual({ batchItemFailures: [] });
    expect(await anomalyNotices(org.id)).toEqual([]);

    // Back on with a 3× multiple and no floor. The next day support_bot spends 315 in an hour, about
    // twice its baseline (the 24 hours before: 5 steady hours and the burst, 3,750 / 24 ≈ 156): no alert.
    // other_bot is new (a baseline of 0) and spends 300: alerted.
    await api.request('PUT /v1/orgs/{org}/budgets', {
      token: org.tokens.owner,
      params: { org: org.id },
      body: { budgets: [], anomaly_policy: { enabled: true, multiple: 3, min_hourly_spend_minor: 0 } },
    });
    clock.set('2026-11-21T10:30:00.000Z');
    const hour = new Date('2026-11-21T10:05:00.000Z');
    const mild = [
      ...Array.from({ length: 10 }, (_, i) => run(org.id, `mild-a-${i}`, hour, { agent_id: 'support_bot', count: 21 })),
      ...Array.from({ length: 10 }, (_, i) => run(org.id, `mild-b-${i}`, hour, { agent_id: 'other_bot', count: 20 })),
    ];
    expect(await handler(sqsEvent([{ body: mild }]))).toEqual({ batchItemFailures: [] });
    expect((await anomalyNotices(org.id)).map((n) => n.cause)).toEqual(['anomaly:agent:other_bot:2026-11-21']);
  }, 30_000);
});
