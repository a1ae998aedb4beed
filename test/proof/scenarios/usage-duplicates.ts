import { ulid } from 'ulid';
import { periodOf } from '../../../functions/kernel/period';
import { totalsByMeterModel } from '../../../functions/kernel/pricing/quantities';
import { handler as consumeUsage } from '../../../functions/usage/queue/consume-usage';
import { newOrg, pick, prng, type Scenario, shuffle, sqsEvent, Violations } from '../scenario';

/**
 * At-least-once delivery, every way SQS and producers repeat themselves: the same message redelivered
 * (same id and body), the same events resent in new messages (a producer retry), the same event twice
 * in one message, the same record twice in one batch. Every unique event must be counted exactly once.
 */
export const usageDuplicates: Scenario = {
  name: 'usage: duplicate deliveries',
  what: 'same message redelivered, same events in new messages, in-batch duplicates → exact totals',
  async run({ deps, scale, progress }) {
    const rand = prng(20261201);
    const orgs = await Promise.all(Array.from({ length: 4 }, () => newOrg(deps, 'dup')));
    const perOrg = pick(scale, 150, 3_000);
    const now = deps.clock.now().getTime();
    type Wire = Record<string, unknown>;
    const unique: Wire[] = [];
    for (const org of orgs) {
      for (let i = 0; i < perOrg; i++) {
        const at = new Date(now - 60_000 - Math.floor(rand() * 3_600_000)).toISOString();
        const kind = i % 3;
        unique.push(
          kind === 0
            ? { id: `r${i}`, org_id: org, type: 'agent_run', timestamp: at, count: 1 + (i % 3), agent_id: `a${i % 4}` }
            : kind === 1
              ? { id: `t${i}`, org_id: org, type: 'tool_invocation', timestamp: at, tool: 'search', count: 1 + (i % 5) }
              : {
                  id: `l${i}`,
                  org_id: org,
                  type: 'llm_tokens',
                  timestamp: at,
                  model: 'claude-haiku-4',
                  input_tokens: 100 + i,
                  output_tokens: i % 50,
                },
        );
      }
    }
    // Originals: every event once, in messages of 1–50.
    type Message = { messageId: string; body: string; sentAt: Date };
    const messages: Message[] = [];
    const shuffled = shuffle(unique, rand);
    for (let i = 0; i < shuffled.length; ) {
      const n = 1 + Math.floor(rand() * 50);
      messages.push({ messageId: ulid(), body: JSON.stringify(shuffled.slice(i, i + n)), sentAt: new Date() });
      i += n;
    }
    const deliveries: Message[] = [...messages];
    let duplicates = 0;
    const targetDuplicates = pick(scale, 300, 10_000);
    while (duplicates < targetDuplicates) {
      const r = rand();
      if (r < 0.35) {
        // The same message again (a visibility timeout ran out, a batch was retried whole).
        const m = messages[Math.floor(rand() * messages.length)]!;
        deliveries.push(m);
        duplicates += (JSON.parse(m.body) as unknown[]).length;
      } else if (r < 0.7) {
        // A producer retry: events already sent, in a new message.
        const n = 1 + Math.floor(rand() * 30);
        const events = Array.from({ length: n }, () => unique[Math.floor(rand() * unique.length)]!);
        deliveries.push({ messageId: ulid(), body: JSON.stringify(events), sentAt: new Date() });
        duplicates += n;
      } else {
        // The same event twice in one message.
        const e = unique[Math.floor(rand() * unique.length)]!;
        deliveries.push({ messageId: ulid(), body: JSON.stringify([e, e]), sentAt: new Date() });
        duplicates += 2;
      }
    }
    const order = shuffle(deliveries, rand);
    let done = 0;
    let pending = order;
    for (let round = 0; pending.length > 0 && round < 20; round++) {
      const retry: Message[] = [];
      for (let i = 0; i < pending.length; i += 10) {
        const batch = pending.slice(i, i + 10);
        // Now and then the same record twice in one batch.
        if (rand() < 0.1 && batch.length > 1) batch.push(batch[0]!);
        const result = await consumeUsage(sqsEvent(batch));
        const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
        for (const m of batch) if (failed.has(m.messageId)) retry.push(m);
        done += batch.length;
        progress(done, order.length);
      }
      pending = [...new Map(retry.map((m) => [m.messageId, m] as const)).values()];
    }
    const violations = new Violations();
    if (pending.length > 0)
      violations.add(`${pending.length} messages still failing after 20 redeliveries`, pending.length);
    const period = periodOf(deps.clock.now()).key;
    for (const org of orgs) {
      const mine = unique.filter((e) => e.org_id === org);
      const totals = await deps.usageReader.periodTotals(org, period);
      if (totals.events !== mine.length)
        violations.add(
          `${org}: counted ${totals.events} events of ${mine.length}`,
          Math.abs(totals.events - mine.length),
        );
      const q = Object.fromEntries(
        totalsByMeterModel(totals.cells).map((m) => [`${m.meter}/${m.model ?? ''}`, m.quantity]),
      );
      const expect = {
        'agent_runs/': mine.filter((e) => e.type === 'agent_run').reduce((s, e) => s + (e.count as number), 0),
        'tool_invocations/': mine
          .filter((e) => e.type === 'tool_invocation')
          .reduce((s, e) => s + (e.count as number), 0),
        'llm_input_tokens/claude-haiku-4': mine
          .filter((e) => e.type === 'llm_tokens')
          .reduce((s, e) => s + (e.input_tokens as number), 0),
      };
      for (const [key, want] of Object.entries(expect)) {
        if ((q[key] ?? 0) !== want) violations.add(`${org} ${key}: ${q[key] ?? 0} ≠ ${want}`);
      }
    }
    return {
      trials: unique.length + duplicates,
      faults: duplicates,
      violations: violations.count,
      examples: violations.examples,
    };
  },
};
