import fc from 'fast-check';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { handler } from '../../../functions/usage/queue/consume-usage';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { startTestApi, type TestApi, type TestOrg } from '../support/api';
import { seedDefaultPaymentMethod } from '../support/seed';
import { run, sqsEvent, tokens, tool } from '../support/usage';

/**
 * Report and costs over windows of instants, down to the hour, against the real consumer and stores.
 * The org was on Team (flat) since October and upgraded to Pro (metered) on Nov 10 at 10:00, so usage
 * lies in two periods and two stretches of November.
 */
const HOUR = 3_600_000;
const NOW = new Date('2026-11-20T12:00:00.000Z');
const SWITCH = new Date('2026-11-10T10:00:00.000Z');
const clock = fixedClock(NOW);
let api: TestApi;
let deps: Deps;
let org: TestOrg;

beforeAll(async () => {
  // The property reads one org's report and costs hundreds of times within the same (fixed) minute.
  deps = buildDeps({ ...loadConfig(), expensiveReadsPerMinute: 1_000_000 }, clock);
  setDepsForTesting(deps);
  api = await startTestApi();
  org = await api.newOrg();
  await seedDefaultPaymentMethod(org.id, deps);
  clock.set('2026-10-01T00:00:00.000Z');
  const params = { org: org.id };
  const created = await api.request('POST /v1/orgs/{org}/subscription', {
    token: org.tokens.owner,
    params,
    body: { plan_id: 'team', currency: 'USD', billing_model: 'flat' },
  });
  expect(created.status).toBe(201);
  clock.set(SWITCH);
  const upgraded = await api.request('PATCH /v1/orgs/{org}/subscription', {
    token: org.tokens.owner,
    params,
    body: { plan_id: 'pro', billing_model: 'metered' },
  });
  expect(upgraded.status).toBe(200);
  clock.set(NOW);
});
afterAll(async () => {
  setDepsForTesting(undefined);
  await api.close();
});
beforeEach(() => clock.set(NOW));

/** Instants near the hour, day, period and switch boundaries the windows must split exactly. */
const ANCHORS = [
  '2026-10-31T23:00:00.000Z',
  '2026-11-01T00:00:00.000Z',
  '2026-11-01T01:00:00.000Z',
  '2026-11-09T23:00:00.000Z',
  '2026-11-10T09:00:00.000Z',
  '2026-11-10T10:00:00.000Z',
  '2026-11-10T11:00:00.000Z',
  '2026-11-19T00:00:00.000Z',
].map((a) => Date.parse(a));

type Sent = { agent: string; at: Date; meter: string; quantity: number };

const arbEvent = fc.record({
  anchor: fc.integer({ min: 0, max: ANCHORS.length - 1 }),
  // −90 min … +90 min around the anchor, to the millisecond: both sides of every boundary.
  offsetMs: fc.integer({ min: -90 * 60_000, max: 90 * 60_000 }),
  kind: fc.constantFrom('tool', 'run', 'tokens'),
  agent: fc.constantFrom('a', 'b', 'c'),
  n: fc.integer({ min: 1, max: 20_000 }),
});
const arbBound = fc.record({
  anchor: fc.integer({ min: 0, max: ANCHORS.length - 1 }),
  hours: fc.integer({ min: -3, max: 3 }),
});

const at = (b: { anchor: number; hours: number }) => new Date(ANCHORS[b.anchor]! + b.hours * HOUR);

function windowStartOf(window: string | undefined, t: Date, from: Date): number {
  if (window === 'hour') return Math.floor(t.getTime() / HOUR) * HOUR;
  if (window === 'day') return Math.max(Math.floor(t.getTime() / (24 * HOUR)) * 24 * HOUR, from.getTime());
  if (window === 'month') return Math.max(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1), from.getTime());
  return 0;
}

let round = 0;
type Ev = typeof arbEvent extends fc.Arbitrary<infer T> ? T : never;
async function send(events: Ev[]) {
  round += 1;
  const agentOf = (a: string) => `agent_r${round}_${a}`;
  const sent: Sent[] = [];
  const bodies = events.map((e, i) => {
    const t = new Date(ANCHORS[e.anchor]! + e.offsetMs);
    const id = `r${round}-${i}`;
    const extra = { agent_id: agentOf(e.agent) };
    if (e.kind === 'tool') {
      sent.push({ agent: agentOf(e.agent), at: t, meter: 'tool_invocations', quantity: e.n });
      return tool(org.id, id, t, e.n, extra);
    }
    if (e.kind === 'run') {
      sent.push({ agent: agentOf(e.agent), at: t, meter: 'agent_runs', quantity: 1 });
      return run(org.id, id, t, extra);
    }
    sent.push({ agent: agentOf(e.agent), at: t, meter: 'llm_input_tokens', quantity: e.n * 100 });
    sent.push({ agent: agentOf(e.agent), at: t, meter: 'llm_output_tokens', quantity: e.n });
    return tokens(org.id, id, t, e.n * 100, e.n, extra);
  });
  expect(await handler(sqsEvent([{ body: bodies }]))).toEqual({ batchItemFailures: [] });
  return { sent, prefix: `agent_r${round}_` };
}

const get = (route: 'GET /v1/orgs/{org}/usage/report' | 'GET /v1/orgs/{org}/costs', query: Record<string, string>) =>
  api.request(route, { token: org.tokens.viewer, params: { org: org.id }, query });

type CostRow = { window_start?: string; window_end?: string; day?: string; amount_minor: number };
const sum = (rows: { amount_minor: number }[]) => rows.reduce((s, r) => s + r.amount_minor, 0);

describe('report and costs over windows of instants', () => {
  it('equal the sum of the events in the window, exactly, at every grain (random timestamps and windows)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbEvent, { minLength: 1, maxLength: 25 }),
        arbBound,
        arbBound,
        fc.constantFrom(undefined, 'hour', 'day', 'month'),
        async (events, b1, b2, window) => {
          fc.pre(at(b1).getTime() !== at(b2).getTime());
          const [from, to] = at(b1) < at(b2) ? [at(b1), at(b2)] : [at(b2), at(b1)];
          // Besides the random events, one on each side of every edge of the range and of its inner midnights.
          const DAY = 24 * HOUR;
          const firstMidnight = Math.ceil(from.getTime() / DAY) * DAY;
          const lastMidnight = Math.floor(to.getTime() / DAY) * DAY;
          const edges = [from.getTime(), to.getTime(), firstMidnight, lastMidnight].flatMap((t) => [t - 1, t]);
          const edgeEvents = edges
            .filter((t) => t <= NOW.getTime())
            .map((t, i) => ({
              anchor: 0,
              offsetMs: t - ANCHORS[0]!,
              kind: 'tool' as const,
              agent: 'c' as const,
              n: i + 1,
            }));
          const { sent, prefix } = await send([...events, ...edgeEvents]);

          const expected = new Map<string, number>();
          for (const s of sent) {
            if (s.at < from || s.at >= to) continue;
            const w = window ? new Date(windowStartOf(window, s.at, from)).toISOString() : '';
            const key = `${w}|${s.agent}|${s.meter}`;
            expected.set(key, (expected.get(key) ?? 0) + s.quantity);
          }
          const report = await get('GET /v1/orgs/{org}/usage/report', {
            from: from.toISOString(),
            to: to.toISOString(),
            group_by: 'agent',
            ...(window ? { window } : {}),
          });
          expect(report.status).toBe(200);
          const actual = new Map<string, number>(
            report.body.rows
              .filter((r: { agent_id: string }) => r.agent_id.startsWith(prefix))
              .map((r: { window_start?: string; agent_id: string; meter: string; quantity: number }) => [
                `${r.window_start ?? ''}|${r.agent_id}|${r.meter}`,
                r.quantity,
              ]),
          );
          expect(actual).toEqual(expected);

          // Costs: an hour's amount does not depend on the range asked, and a day's hours add up to the day.
          const day = new Date(Math.floor(from.getTime() / (24 * HOUR)) * 24 * HOUR);
          const nextDay = new Date(day.getTime() + 24 * HOUR);
          const [hourly, inRange, daily] = await Promise.all([
            get('GET /v1/orgs/{org}/costs', {
              from: day.toISOString(),
              to: nextDay.toISOString(),
              window: 'hour',
            }),
            get('GET /v1/orgs/{org}/costs', { from: from.toISOString(), to: to.toISOString(), window: 'hour' }),
            get('GET /v1/orgs/{org}/costs', { from: day.toISOString(), to: nextDay.toISOString(), window: 'day' }),
          ]);
          expect([hourly.status, inRange.status, daily.status]).toEqual([200, 200, 200]);
          expect(sum(hourly.body.rows)).toBe(sum(daily.body.rows));
          const byHour = new Map(hourly.body.rows.map((r: CostRow) => [r.window_start, r.amount_minor]));
          for (const r of inRange.body.rows as CostRow[]) {
            if (new Date(r.window_start!) < nextDay) expect(r.amount_minor).toBe(byHour.get(r.window_start) ?? 0);
          }
        },
      ),
      { numRuns: 20 },
    );
  }, 120_000);

  it("costs by hour over a whole period add up to the period's rated total, across the switch", async () => {
    await send([
      { anchor: 4, offsetMs: 0, kind: 'tool', agent: 'a', n: 60_000 },
      { anchor: 6, offsetMs: 0, kind: 'tool', agent: 'b', n: 10_000 },
    ]);
    const summary = await api.request('GET /v1/orgs/{org}/usage/summary', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    const hourly = await get('GET /v1/orgs/{org}/costs', {
      from: '2026-11-01',
      to: '2026-12-01',
      window: 'hour',
      group_by: 'agent',
    });
    expect(hourly.status).toBe(200);
    expect(hourly.body).toMatchObject({ from: '2026-11-01', to: '2026-12-01', window: 'hour' });
    expect(sum(hourly.body.rows)).toBe(summary.body.total.amount_minor);
    expect(hourly.body.totals).toEqual([{ currency: 'USD', amount_minor: summary.body.total.amount_minor }]);
    expect(summary.body.stretches.map((s: { plan: { id: string } }) => s.plan.id)).toEqual(['team', 'pro']);
  });

  it('renders windows in CSV and echoes an offset instant in UTC', async () => {
    const { prefix } = await send([{ anchor: 5, offsetMs: 30 * 60_000, kind: 'run', agent: 'a', n: 1 }]);
    const res = await get('GET /v1/orgs/{org}/usage/report', {
      from: '2026-11-10T12:00:00+02:00',
      to: '2026-11-10T11:00:00Z',
      window: 'hour',
      group_by: 'agent',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      from: '2026-11-10T10:00:00.000Z',
      to: '2026-11-10T11:00:00.000Z',
      window: 'hour',
    });
    const csv = await api.request('GET /v1/orgs/{org}/usage/report', {
      token: org.tokens.viewer,
      params: { org: org.id },
      query: { from: '2026-11-10T10:00:00Z', to: '2026-11-10T11:00:00Z', window: 'hour', group_by: 'agent' },
      headers: { accept: 'text/csv' },
    });
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('window_start,window_end,meter,agent_id,quantity');
    expect(lines).toContain(`2026-11-10T10:00:00.000Z,2026-11-10T11:00:00.000Z,agent_runs,${prefix}a,1`);
  });
});

describe('report and costs refuse a window they cannot answer exactly', () => {
  const bad = async (query: Record<string, string>) => {
    const res = await get('GET /v1/orgs/{org}/usage/report', query);
    const costs = await get('GET /v1/orgs/{org}/costs', query);
    expect(costs.status).toBe(res.status);
    expect(costs.body.error.code).toBe(res.body.error.code);
    return {
      status: res.status,
      code: res.body.error.code,
      paths: res.body.error.details?.map((d: { path: string }) => d.path),
    };
  };

  it('answers 400 with the field path for from after to', async () => {
    expect(await bad({ from: '2026-11-10T10:00:00Z', to: '2026-11-10T09:00:00Z' })).toEqual({
      status: 400,
      code: 'invalid_range',
      paths: ['from'],
    });
  });

  it('answers 400 for a window over 92 days at hourly grain', async () => {
    expect(await bad({ from: '2026-11-01T00:00:00Z', to: '2027-02-02T00:00:00Z', window: 'hour' })).toEqual({
      status: 400,
      code: 'range_too_long',
      paths: ['to'],
    });
  });

  it('answers 400 for an unparseable instant, naming the field', async () => {
    expect(await bad({ from: '2026-11-10T25:00:00Z' })).toEqual({
      status: 400,
      code: 'invalid_request',
      paths: ['from'],
    });
    expect(await bad({ to: 'yesterday' })).toEqual({ status: 400, code: 'invalid_request', paths: ['to'] });
    expect(await bad({ window: 'minute' })).toEqual({ status: 400, code: 'invalid_request', paths: ['window'] });
  });

  it('answers 400 for a bound inside an hour, and for hours older than the previous period', async () => {
    expect(await bad({ from: '2026-11-10T10:30:00Z' })).toEqual({
      status: 400,
      code: 'range_not_on_hour',
      paths: ['from'],
    });
    expect(await bad({ from: '2026-09-30T00:00:00Z', to: '2026-10-02T00:00:00Z', window: 'hour' })).toEqual({
      status: 400,
      code: 'hourly_range_unavailable',
      paths: ['from'],
    });
  });
});
