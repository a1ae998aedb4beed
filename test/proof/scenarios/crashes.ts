import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { closeOrgPeriod } from '../../../functions/invoicing/app/close-period';
import type { Invoice } from '../../../functions/invoicing/domain/invoice';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { keys } from '../../../functions/kernel/dynamo/keys';
import { periodByKey, periodOf } from '../../../functions/kernel/period';
import { totalsByMeterModel } from '../../../functions/kernel/pricing/quantities';
import { handler as consumeUsage } from '../../../functions/usage/queue/consume-usage';
import { buildDeps, type Deps, setDepsForTesting } from '../../../scripts/local/all-deps';
import { crashInjector, newOrg, pick, prng, type Scenario, sqsEvent, Violations, withCard } from '../scenario';
import { crashCharging } from './crashes-collection';

/**
 * A crash at a random point of a write path, then the retry the platform would make: SQS redelivers the
 * records the consumer reported failed (or the whole batch when it threw), a client repeats its request
 * with the same Idempotency-Key, the schedule runs the close again. Afterwards the effects must be
 * exactly those of one clean run: the usage totals, the subscription's version and the items it wrote,
 * and the invoice set, compared with a twin org that got the same inputs without faults.
 */

/** Every item of the org's own partitions, by key: what an operation changed is the difference. */
async function snapshot(deps: Deps, orgId: string): Promise<Map<string, Record<string, unknown>>> {
  const partitions = [
    keys.org(orgId).PK,
    keys.audit(orgId, '').PK,
    keys.notice(orgId, '').PK,
    keys.invoice(orgId, '').PK,
    keys.termsSegment(orgId, '').PK,
    keys.contractPartition(orgId),
    keys.creditMovementPartition(orgId),
    keys.adjustmentPartition(orgId),
    keys.subscriptionHistoryPartition(orgId),
  ];
  const out = new Map<string, Record<string, unknown>>();
  for (const pk of partitions) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await deps.db.send(
        new QueryCommand({
          TableName: deps.config.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const it of page.Items ?? []) out.set(`${it.PK}|${it.SK}`, it);
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return out;
}

/** What changed between two snapshots, as a multiset of entity kinds: `+kind` written, `~kind` updated, `-kind` deleted. */
function effects(before: Map<string, Record<string, unknown>>, after: Map<string, Record<string, unknown>>): string {
  const out: string[] = [];
  for (const [k, it] of after) {
    const was = before.get(k);
    if (!was) out.push(`+${it.entity}`);
    else if (JSON.stringify(was) !== JSON.stringify(it)) out.push(`~${it.entity}`);
  }
  for (const [k, it] of before) if (!after.has(k)) out.push(`-${it.entity}`);
  return out.sort().join(' ');
}

const invoiceView = (i: Invoice) => ({
  number: i.number?.split('-').at(-1),
  kind: i.kind,
  period: i.period.key,
  total: i.totalMinor,
  due: i.amountDueMinor,
  lines: i.lines.map((l) => `${l.kind}:${l.amountMinor}`).sort(),
});

async function periodInvoices(deps: Deps, orgId: string) {
  const all: Invoice[] = [];
  for (let cursor: string | undefined, more = true; more; ) {
    const page = await deps.invoices.list(orgId, { limit: 100, ...(cursor ? { cursor } : {}) });
    all.push(...page.data);
    cursor = page.nextCursor ?? undefined;
    more = cursor !== undefined;
  }
  return all.filter((i) => i.kind === 'period').sort((a, b) => a.period.key.localeCompare(b.period.key));
}

export const crashes: Scenario = {
  name: 'crashes: fault at a random write point',
  what: 'faults in ingestion, subscription change (HTTP), period close, charging, reconciliation; retried → no partial effect, no duplicate',
  async run({ deps: shared, api, sandbox, scale, progress }) {
    const rand = prng(4_242);
    const clock = fixedClock('2026-11-10T12:00:00.000Z');
    const deps = buildDeps(loadConfig(), clock);
    setDepsForTesting(deps);
    const crash = crashInjector(deps.db, 'proofCrash');
    const v = new Violations();
    const counts = {
      usage: pick(scale, 12, 400),
      subscription: pick(scale, 12, 300),
      close: pick(scale, 6, 300),
      charge: pick(scale, 6, 150),
    };
    const total = counts.usage + counts.subscription + counts.close + counts.charge;
    let done = 0;
    let faults = 0;
    /** The most DynamoDB calls a clean run of each path made: crashes are armed within that many. */
    const span = { usage: 6, subscription: 10, close: 30, charge: 12, reconcile: 8 };
    const arm = (path: keyof typeof span) =>
      crash.arm(1 + Math.floor(rand() * span[path]), rand() < 0.5 ? 'before' : 'after');
    const settle = (path: keyof typeof span) => {
      const { fired, calls } = crash.disarm();
      if (fired) faults += 1;
      else span[path] = Math.max(span[path], calls);
      return fired;
    };
    try {
      // 1. Usage ingestion: batches of new events; a crash, then SQS's redelivery of what failed.
      const usageOrg = await newOrg(deps, 'crash_usage');
      let expected = { events: 0, runs: 0 };
      let seq = 0;
      for (let t = 0; t < counts.usage; t++) {
        const batch = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => {
          const events = Array.from({ length: 1 + Math.floor(rand() * 15) }, () => {
            const count = 1 + Math.floor(rand() * 3);
            expected = { events: expected.events + 1, runs: expected.runs + count };
            return {
              id: `c${seq++}`,
              org_id: usageOrg,
              type: 'agent_run',
              timestamp: new Date(clock.now().getTime() - 60_000 - Math.floor(rand() * 3_000_000)).toISOString(),
              count,
              agent_id: `a${seq % 3}`,
            };
          });
          return { messageId: ulid(), body: JSON.stringify(events), sentAt: clock.now() };
        });
        arm('usage');
        let failed: Set<string>;
        try {
          failed = new Set((await consumeUsage(sqsEvent(batch))).batchItemFailures.map((f) => f.itemIdentifier));
        } catch {
          failed = new Set(batch.map((m) => m.messageId));
        }
        settle('usage');
        for (let receive = 2; failed.size > 0 && receive < 12; receive++) {
          const again = batch.filter((m) => failed.has(m.messageId)).map((m) => ({ ...m, receiveCount: receive }));
          failed = new Set((await consumeUsage(sqsEvent(again))).batchItemFailures.map((f) => f.itemIdentifier));
        }
        if (failed.size > 0) v.add(`usage trial ${t}: ${failed.size} messages still failing after 10 redeliveries`);
        const totals = await deps.usageReader.periodTotals(usageOrg, periodOf(clock.now()).key);
        const runs = totalsByMeterModel(totals.cells).find((m) => m.meter === 'agent_runs')?.quantity ?? 0;
        if (totals.events !== expected.events || runs !== expected.runs) {
          v.add(
            `usage trial ${t}: ${totals.events} events / ${runs} runs counted, expected ${expected.events} / ${expected.runs}`,
          );
          expected = { events: totals.events, runs };
        }
        progress(++done, total);
      }

      // 2. Subscription changes over HTTP: a crash, then the client's retry with the same key.
      const subOrg = await api.newOrg();
      await withCard(deps, subOrg.id);
      const created = await api.request('POST /v1/orgs/{org}/subscription', {
        token: subOrg.tokens.owner,
        params: { org: subOrg.id },
        body: { plan_id: 'team', currency: 'USD', billing_model: 'flat' },
      });
      if (created.status !== 201) throw new Error(`subscribing: ${created.status} ${created.text}`);
      let version = (await deps.subscriptions.get(subOrg.id))!.version;
      const clean: Record<string, string> = {};
      for (let t = 0; t < counts.subscription; t++) {
        clock.advance(60_000);
        const target = t % 2 === 0 ? 'metered' : 'flat';
        const key = `crash-${ulid()}`;
        const before = await snapshot(deps, subOrg.id);
        const patch = () =>
          api.request('PATCH /v1/orgs/{org}/subscription', {
            token: subOrg.tokens.owner,
            params: { org: subOrg.id },
            body: { billing_model: target },
            headers: { 'idempotency-key': key },
          });
        // The first two rounds run clean: the reference of what one switch each way writes.
        if (t >= 2) arm('subscription');
        let res = await patch();
        const fired = settle('subscription');
        for (
          let attempt = 0;
          attempt < 10 && (res.status >= 500 || res.body?.error?.code === 'idempotency_in_progress');
          attempt++
        ) {
          // A claim whose request died holds its key until it expires: the client waits it out.
          if (res.body?.error?.code === 'idempotency_in_progress') clock.advance(61_000);
          res = await patch();
        }
        const after = await snapshot(deps, subOrg.id);
        const sub = (await deps.subscriptions.get(subOrg.id))!;
        const written = effects(before, after);
        if (res.status !== 200)
          v.add(`subscription trial ${t}: the retried request ends ${res.status} ${res.body?.error?.code ?? ''}`);
        if (sub.billingModel !== target)
          v.add(`subscription trial ${t}: billing model ${sub.billingModel}, expected ${target}`);
        if (sub.version !== version + 1)
          v.add(`subscription trial ${t}: version ${sub.version}, expected ${version + 1} (lost or doubled)`);
        if (!fired) clean[target] ??= written;
        else if (clean[target] !== undefined && written !== clean[target])
          v.add(`subscription trial ${t}: wrote [${written}], a clean switch writes [${clean[target]}]`);
        version = sub.version;
        progress(++done, total);
      }

      // 3. Period close: the crashed org against its twin, given the same subscription and usage. A new
      // pair every two years of months, so the snapshots (every item of the org) stay small.
      const CLOSES_PER_PAIR = 24;
      const pairs: { closeOrg: string; twinOrg: string; closes: number }[] = [];
      let closeOrg = '';
      let twinOrg = '';
      let period = periodOf(clock.now());
      for (let t = 0; t < counts.close; t++) {
        if (t % CLOSES_PER_PAIR === 0) {
          [closeOrg, twinOrg] = [await newOrg(deps, 'crash_close'), await newOrg(deps, 'crash_twin')];
          pairs.push({ closeOrg, twinOrg, closes: 0 });
          clock.set('2026-11-10T12:00:00.000Z');
          for (const org of [closeOrg, twinOrg]) {
            await withCard(deps, org);
            const res = await api.request('POST /v1/orgs/{org}/subscription', {
              token: await api.token({ sub: 'owner', org_id: org, role: 'owner' }),
              params: { org },
              body: { plan_id: 'team', currency: 'USD', billing_model: 'flat' },
            });
            if (res.status !== 201) throw new Error(`subscribing: ${res.status} ${res.text}`);
          }
          period = periodOf(clock.now());
        }
        pairs.at(-1)!.closes += 1;
        // Some usage in the period, the same for both.
        clock.set(new Date(period.start.getTime() + 9 * 86_400_000));
        const usage = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, i) => ({
          id: `p${t}-${i}`,
          type: 'llm_tokens',
          timestamp: new Date(period.start.getTime() + 3 * 86_400_000 + i * 1000).toISOString(),
          model: 'claude-haiku-4',
          input_tokens: 1_000 + Math.floor(rand() * 50_000),
          output_tokens: Math.floor(rand() * 20_000),
        }));
        await consumeUsage(
          sqsEvent(
            [closeOrg, twinOrg].map((org) => ({
              messageId: ulid(),
              body: JSON.stringify(usage.map((u) => ({ ...u, org_id: org }))),
              sentAt: clock.now(),
            })),
          ),
        );
        clock.set(new Date(period.end.getTime() + deps.lateGraceMs + 60_000));
        const twinBefore = await snapshot(deps, twinOrg);
        await closeOrgPeriod(deps, twinOrg, period.end.toISOString());
        const twinWrote = effects(twinBefore, await snapshot(deps, twinOrg));
        const before = await snapshot(deps, closeOrg);
        arm('close');
        let closed = false;
        try {
          await closeOrgPeriod(deps, closeOrg, period.end.toISOString());
          closed = true;
        } catch {
          /* the schedule runs again */
        }
        settle('close');
        for (let attempt = 0; !closed && attempt < 10; attempt++) {
          try {
            await closeOrgPeriod(deps, closeOrg, period.end.toISOString());
            closed = true;
          } catch (error) {
            if (attempt === 9) v.add(`close trial ${t}: the close keeps failing: ${(error as Error).message}`);
          }
        }
        // And once more, as a late or doubled schedule would: nothing further may happen.
        await closeOrgPeriod(deps, closeOrg, period.end.toISOString());
        const wrote = effects(before, await snapshot(deps, closeOrg));
        if (wrote !== twinWrote) v.add(`close trial ${t} (${period.key}): wrote [${wrote}], its twin [${twinWrote}]`);
        period = periodByKey(period.end.toISOString().slice(0, 7));
        progress(++done, total);
      }
      // 4. Charging and reconciliation: counted in the sandbox (see crashes-collection.ts).
      clock.set('2026-11-20T12:00:00.000Z');
      await crashCharging({
        deps,
        clock,
        sandbox,
        crash,
        rand,
        trials: counts.charge,
        v,
        span,
        onTrial: (fired) => {
          faults += fired;
          progress(++done, total);
        },
      });

      for (const pair of pairs) {
        const [mine, twins] = [await periodInvoices(deps, pair.closeOrg), await periodInvoices(deps, pair.twinOrg)];
        if (mine.length !== pair.closes)
          v.add(`${mine.length} period invoices for ${pair.closes} closes: ${JSON.stringify(mine.map(invoiceView))}`);
        const a = JSON.stringify(mine.map(invoiceView));
        const b = JSON.stringify(twins.map(invoiceView));
        if (a !== b) v.add(`the invoice set differs from the twin's: ${a.slice(0, 300)} vs ${b.slice(0, 300)}`);
      }
      return {
        trials: total,
        faults,
        violations: v.count,
        examples: v.examples,
        notes: [`crash spans (DynamoDB calls): ${JSON.stringify(span)}`],
      };
    } finally {
      crash.remove();
      setDepsForTesting(shared);
    }
  },
};
