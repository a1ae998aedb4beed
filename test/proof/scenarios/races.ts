import { createContract } from '../../../functions/contracts/app/draft-contract';
import { transitionContract } from '../../../functions/contracts/app/transition-contract';
import { closeOrgPeriod } from '../../../functions/invoicing/app/close-period';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { keys } from '../../../functions/kernel/dynamo/keys';
import { addFreezeReason } from '../../../functions/kernel/freeze-gate';
import { periodByKey } from '../../../functions/kernel/period';
import type { CallContext } from '../../../functions/kernel/ports';
import { changeSubscription } from '../../../functions/subscriptions/app/change-subscription';
import { createSubscription } from '../../../functions/subscriptions/app/create-subscription';
import { putBudgets } from '../../../functions/usage/app/budgets';
import { buildDeps } from '../../../scripts/local/all-deps';
import { newOrg, pick, postpaidContract, type Scenario, Violations, withCard } from '../scenario';

const ctx: CallContext = { actor: { type: 'user', id: 'proof', role: 'owner' } };
/** 64 at full counts (the figure); fewer at small counts, where CI's two cores would only queue them. */
const writersAt = (scale: 'small' | 'full') => pick(scale, 16, 64);
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? String(e),
  );

/**
 * 64 concurrent writers per round on one org: subscription changes, budget replacements, contract
 * signatures and period closes. Each round exactly one writer may win and no update may be lost; the
 * rest answer a conflict. And purchases racing a freeze: none that starts after the freeze committed may
 * commit.
 */
export const races: Scenario = {
  name: 'races: 64 concurrent writers',
  what: 'subscription, budgets, contract sign, invoice close: one winner a round, no lost update; no purchase past a freeze',
  async run({ scale, progress }) {
    const WRITERS = writersAt(scale);
    // 200 rounds of 64 writers in all, over the four targets (the close, the slowest, gets the fewest).
    const roundsOf = {
      subscription: pick(scale, 3, 60),
      budgets: pick(scale, 3, 50),
      contracts: pick(scale, 3, 50),
      close: pick(scale, 3, 40),
    };
    const freezeRounds = pick(scale, 3, 100);
    const clock = fixedClock('2026-11-10T00:00:00.000Z');
    const deps = buildDeps(loadConfig(), clock);
    const v = new Violations();
    let trials = 0;
    const total = Object.values(roundsOf).reduce((a, b) => a + b, 0) + freezeRounds * 2;
    let done = 0;
    const tick = () => progress(++done, total);
    const laps: Record<string, number> = {};
    let lapName = '';
    let lapStart = Date.now();
    const lap = (name: string) => {
      if (lapName) laps[lapName] = Math.round((Date.now() - lapStart) / 100) / 10;
      lapName = name;
      lapStart = Date.now();
    };

    lap('subscription');
    // Subscription: 64 plan-model toggles from the same version each round.
    const subOrg = await newOrg(deps, 'race_sub');
    await withCard(deps, subOrg);
    await createSubscription(deps, ctx, { orgId: subOrg, planId: 'team', currency: 'USD', billingModel: 'flat' });
    for (let r = 0; r < roundsOf.subscription; r++) {
      const before = (await deps.subscriptions.get(subOrg))!;
      const target = before.billingModel === 'flat' ? 'metered' : 'flat';
      const results = await Promise.all(
        Array.from({ length: WRITERS }, () =>
          outcome(
            changeSubscription(deps, ctx, { orgId: subOrg, billingModel: target, expectedVersion: before.version }),
          ),
        ),
      );
      trials += WRITERS;
      const wins = results.filter((x) => x === 'ok').length;
      if (wins !== 1) v.add(`subscription round ${r}: ${wins} winners`);
      if (results.some((x) => x !== 'ok' && x !== 'conflict'))
        v.add(`subscription round ${r}: ${[...new Set(results)].join(', ')}`);
      tick();
    }
    const after = (await deps.subscriptions.get(subOrg))!;
    if (after.version !== 1 + roundsOf.subscription)
      v.add(
        `subscription version ${after.version}, expected ${1 + roundsOf.subscription}: an update was lost or doubled`,
      );

    lap('budgets');
    // Budgets: 64 replacements of the whole set from the same version; the winner's set is what stays.
    const budgetOrg = await newOrg(deps, 'race_budget');
    for (let r = 0; r < roundsOf.budgets; r++) {
      const current = (await deps.budgets.get(budgetOrg))?.version ?? 0;
      const results = await Promise.all(
        Array.from({ length: WRITERS }, (_, w) =>
          outcome(
            putBudgets(deps, ctx, budgetOrg, {
              expectedVersion: current,
              budgets: [
                {
                  id: 'org-monthly',
                  scope: { kind: 'org' },
                  amountMinor: 10_000 + r * 100 + w,
                  currency: 'USD',
                  action: 'alert',
                },
              ],
            }),
          ),
        ),
      );
      trials += WRITERS;
      const winners = results.flatMap((x, w) => (x === 'ok' ? [w] : []));
      if (winners.length !== 1) v.add(`budgets round ${r}: ${winners.length} winners`);
      const stored = await deps.budgets.get(budgetOrg);
      if (stored?.version !== current + 1)
        v.add(`budgets round ${r}: version ${stored?.version}, expected ${current + 1}`);
      if (winners.length === 1 && stored?.budgets[0]?.amountMinor !== 10_000 + r * 100 + winners[0]!)
        v.add(`budgets round ${r}: a loser's set was kept`);
      tick();
    }

    lap('contracts');
    // Contract signatures: each round two drafts over the same term, 32 signatures each, one may win.
    const contractOrg = await newOrg(deps, 'race_contract');
    for (let r = 0; r < roundsOf.contracts; r++) {
      const start = new Date(Date.UTC(2030 + r, 0, 1)).toISOString();
      const end = new Date(Date.UTC(2031 + r, 0, 1)).toISOString();
      const drafts: string[] = [];
      for (const name of ['A', 'B']) {
        const view = await createContract(
          deps,
          ctx,
          contractOrg,
          postpaidContract({
            name: `${name}${r}`,
            termStart: start,
            termEnd: end,
            commitMinor: 100,
            discountPercent: '10',
          }),
        );
        await transitionContract(deps, ctx, contractOrg, view.current.id, { action: 'submit' });
        drafts.push(view.current.id);
      }
      const results = await Promise.all(
        Array.from({ length: WRITERS }, (_, w) =>
          outcome(
            transitionContract(deps, ctx, contractOrg, drafts[w % 2]!, {
              action: 'sign',
              signatory: { name: `S${w}`, email: 's@proof.example' },
            }),
          ),
        ),
      );
      trials += WRITERS;
      const wins = results.filter((x) => x === 'ok').length;
      if (wins !== 1) v.add(`contract round ${r}: ${wins} signatures won`);
      if (results.some((x) => !['ok', 'contract_overlap', 'invalid_transition', 'conflict'].includes(x)))
        v.add(`contract round ${r}: ${[...new Set(results)].join(', ')}`);
      tick();
    }
    const slot = await deps.contracts.slot(contractOrg);
    if (slot.intervals.length !== roundsOf.contracts)
      v.add(`contract slot holds ${slot.intervals.length} intervals, expected ${roundsOf.contracts}`);

    lap('close');
    // Period closes: 64 closes of the same org and period at once, a period per round.
    const closeOrg = await newOrg(deps, 'race_close');
    await withCard(deps, closeOrg);
    await createSubscription(deps, ctx, { orgId: closeOrg, planId: 'team', currency: 'USD', billingModel: 'flat' });
    const first = periodByKey('2026-11');
    let period = first;
    for (let r = 0; r < roundsOf.close; r++) {
      clock.set(new Date(period.end.getTime() + 2 * 3_600_000));
      await Promise.all(
        Array.from({ length: WRITERS }, () => outcome(closeOrgPeriod(deps, closeOrg, period.end.toISOString()))),
      );
      trials += WRITERS;
      period = periodByKey(period.end.toISOString().slice(0, 7));
      tick();
    }
    const numbers: string[] = [];
    for (let cursor: string | undefined, more = true; more; ) {
      const page = await deps.invoices.list(closeOrg, { limit: 100, ...(cursor ? { cursor } : {}) });
      numbers.push(...page.data.filter((i) => i.kind === 'period').map((i) => i.number ?? 'none'));
      cursor = page.nextCursor ?? undefined;
      more = cursor !== undefined;
    }
    const sequences = numbers.map((n) => Number(n.split('-').at(-1))).sort((a, b) => a - b);
    if (sequences.length !== roundsOf.close)
      v.add(`${sequences.length} period invoices for ${roundsOf.close} closed periods`);
    if (sequences.some((s, i) => s !== i + 1)) v.add('invoice numbers are not 1..n without gaps or duplicates');

    lap('freeze');
    // Purchases racing a freeze: none that starts after the freeze committed may commit.
    clock.set('2026-11-10T00:00:00.000Z');
    for (let r = 0; r < freezeRounds; r++) {
      const org = await newOrg(deps, 'race_freeze');
      await withCard(deps, org);
      let frozenAt = Number.POSITIVE_INFINITY;
      const freezing = addFreezeReason(
        deps,
        { actor: { type: 'system', id: 'proof' } },
        org,
        r % 2 === 0 ? `dispute:du_${r}` : 'dunning',
      ).then(() => {
        frozenAt = performance.now();
      });
      const purchases = Array.from({ length: 16 }, (_, i) =>
        new Promise((resolveDelay) => setTimeout(resolveDelay, i * 2)).then(async () => {
          const startedAt = performance.now();
          const result = await outcome(
            createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD', billingModel: 'flat' }),
          );
          return { startedAt, result };
        }),
      );
      const [, ...results] = await Promise.all([freezing, ...purchases]);
      trials += 16;
      for (const { startedAt, result } of results) {
        if (result === 'ok' && startedAt > frozenAt)
          v.add(`freeze round ${r}: a purchase started after the freeze committed`);
      }
      const sub = await deps.subscriptions.get(org);
      const status = await deps.billingStatus.get(org);
      if (sub && status?.freezeReasons.length && new Date(sub.createdAt) > new Date(status.updatedAt))
        v.add(`freeze round ${r}: subscription created after the freeze`);
      tick();
    }
    // The narrowest interleaving, forced: a purchase passed every check it makes before its write, and
    // the freeze commits between those checks and its transaction. Only the gate's ConditionCheck inside
    // that transaction can stop it now.
    const gateKey = (org: string) => JSON.stringify(keys.billingStatus(org));
    for (let r = 0; r < freezeRounds; r++) {
      const org = await newOrg(deps, 'race_gate');
      await withCard(deps, org);
      let froze = false;
      const name = `proofGate${r}`;
      deps.db.middlewareStack.add(
        ((next: (a: unknown) => Promise<unknown>) => async (args: { input: { TransactItems?: unknown[] } }) => {
          const checksGate = (args.input.TransactItems ?? []).some(
            (i) => JSON.stringify((i as { ConditionCheck?: { Key?: unknown } }).ConditionCheck?.Key) === gateKey(org),
          );
          if (checksGate && !froze) {
            froze = true;
            await addFreezeReason(
              deps,
              { actor: { type: 'system', id: 'proof' } },
              org,
              r % 2 === 0 ? `dispute:du_${r}` : 'dunning',
            );
          }
          return next(args);
        }) as never,
        { step: 'initialize', name },
      );
      try {
        const result = await outcome(
          createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD', billingModel: 'flat' }),
        );
        trials += 1;
        if (!froze) v.add(`gate round ${r}: the purchase wrote without the freeze gate in its transaction`);
        else if (result !== 'billing_frozen')
          v.add(`gate round ${r}: a purchase whose write came after the freeze answered ${result}`);
        if (await deps.subscriptions.get(org)) v.add(`gate round ${r}: a subscription exists past the freeze`);
      } finally {
        deps.db.middlewareStack.remove(name);
      }
      tick();
    }
    lap('end');
    return {
      trials,
      faults: trials,
      violations: v.count,
      examples: v.examples,
      notes: [`seconds per part: ${JSON.stringify(laps)}`],
    };
  },
};
