import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { totalsByMeterModel } from '../../../functions/kernel/pricing/quantities';
import { ingestUsage, type UsageRecord } from '../../../functions/usage/app/ingest-usage';
import { getUsageReport } from '../../../functions/usage/app/usage-analytics';
import { getUsageSummary } from '../../../functions/usage/app/usage-summary';
import { OVERFLOW } from '../../../functions/usage/domain/cardinality';
import { buildDeps, type Deps, setDepsForTesting } from '../../support/deps';
import { newUsageOrg, tokens, tool } from '../support/usage';

/**
 * Issue 15 item 3: one tenant's cardinality cannot fail another. Counter items hold a cell per agent,
 * so without a bound an org with tens of thousands of agent ids grows them past DynamoDB's 400 KB
 * item limit and every transaction touching them fails.
 */
const NOW = new Date('2026-11-26T17:00:00.000Z');
const clock = fixedClock(NOW);
let deps: Deps;

beforeAll(() => {
  deps = buildDeps(loadConfig(), clock);
  setDepsForTesting(deps);
});
afterAll(() => setDepsForTesting(undefined));

const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const periodTotals = async (orgId: string) => {
  const t = await deps.usageReader.periodTotals(orgId, '2026-11');
  return { events: t.events, q: Object.fromEntries(totalsByMeterModel(t.cells).map((m) => [m.meter, m.quantity])) };
};

describe('bounded dimension cardinality', () => {
  it("keeps counting exactly for an org with 50,000 distinct agent ids, and counts another org's events in the same batches", async () => {
    const [noisy, neighbour] = [await newUsageOrg(deps), await newUsageOrg(deps)];
    const AGENTS = 50_000;
    const PER_MESSAGE = 250;
    const PER_BATCH = 10;
    let sent = 0;
    let neighbourSent = 0;
    let batch = 0;
    while (sent < AGENTS) {
      const records: UsageRecord[] = [];
      for (let m = 0; m < PER_BATCH && sent < AGENTS; m++) {
        const events: unknown[] = [];
        for (let i = 0; i < PER_MESSAGE && sent < AGENTS; i++, sent++) {
          const n = 1 + (sent % 3);
          events.push(
            tokens(noisy, `n${sent}`, minutesAgo(5), n, n, {
              agent_id: `agent_${sent}`,
              model: 'claude-haiku-4',
              cached_input_tokens: n,
            }),
          );
        }
        // The neighbour's events share the message with the noisy org's.
        events.push(tool(neighbour, `b${batch}-${m}`, minutesAgo(5), 2, { agent_id: 'steady_agent' }));
        neighbourSent += 1;
        records.push({ messageId: `c${batch}-${m}`, body: JSON.stringify(events), sentAt: NOW });
      }
      const result = await ingestUsage(deps, records);
      expect(result.failedMessageIds).toEqual([]);
      batch += 1;
    }
    const expected = Array.from({ length: AGENTS }, (_, i) => 1 + (i % 3)).reduce((s, n) => s + n, 0);
    expect(await periodTotals(noisy)).toEqual({
      events: AGENTS,
      q: { llm_input_tokens: expected, llm_output_tokens: expected, llm_cached_input_tokens: expected },
    });
    expect(await periodTotals(neighbour)).toEqual({
      events: neighbourSent,
      q: { tool_invocations: 2 * neighbourSent },
    });

    // The first agents are counted on their own, exactly; the rest in the overflow bucket.
    const report = await getUsageReport(deps, noisy, { groupBy: ['agent'] });
    const byAgent = new Map(
      report.rows.filter((r) => r.meter === 'llm_input_tokens').map((r) => [r.agentId, r.quantity]),
    );
    expect(byAgent.get('agent_0')).toBe(1);
    expect(byAgent.get('agent_1')).toBe(2);
    expect(byAgent.size).toBeGreaterThan(1_000); // ≈ 1,360 agents' series fit the bound
    expect(byAgent.size).toBeLessThan(AGENTS);
    expect([...byAgent.values()].reduce((s, q) => s + q, 0)).toBe(expected);
    expect(byAgent.get(OVERFLOW)).toBeGreaterThan(0);

    // The summary says how much went to the overflow bucket.
    const summary = await getUsageSummary(deps, noisy);
    expect([...summary.overflow].sort((a, b) => a.meter.localeCompare(b.meter))).toEqual(
      ['llm_cached_input_tokens', 'llm_input_tokens', 'llm_output_tokens'].map((meter) => ({
        dimension: 'agent',
        meter,
        quantity: byAgent.get(OVERFLOW),
      })),
    );
    // Every counter item stays far below DynamoDB's 400 KB.
    const items = await deps.usage.totalItems(noisy, '2026-11');
    for (const item of items) expect(JSON.stringify(item).length).toBeLessThan(350_000);
  }, 300_000);

  it('counts models outside the catalog beyond the bound as ~other, and catalog models always on their own', async () => {
    const org = await newUsageOrg(deps);
    const events = [
      ...Array.from({ length: 20 }, (_, i) =>
        tokens(org, `m${i}`, minutesAgo(1), 10, 1, { model: `custom-model-${String(i).padStart(2, '0')}` }),
      ),
      tokens(org, 'catalog', minutesAgo(1), 7, 1, { model: 'claude-haiku-4' }),
    ];
    expect(
      (await ingestUsage(deps, [{ messageId: 'm', body: JSON.stringify(events), sentAt: NOW }])).failedMessageIds,
    ).toEqual([]);
    const report = await getUsageReport(deps, org, { groupBy: ['model'] });
    const input = new Map(report.rows.filter((r) => r.meter === 'llm_input_tokens').map((r) => [r.model, r.quantity]));
    expect(input.get('claude-haiku-4')).toBe(7);
    expect(input.get('custom-model-00')).toBe(10);
    expect(input.get('custom-model-15')).toBe(10);
    expect(input.get('custom-model-16')).toBeUndefined();
    expect(input.get(OVERFLOW)).toBe(40);
    expect(input.size).toBe(18);
  });
});
