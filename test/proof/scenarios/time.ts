import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { advanceContracts } from '../../../functions/contracts/app/advance-contracts';
import { createContract } from '../../../functions/contracts/app/draft-contract';
import { transitionContract } from '../../../functions/contracts/app/transition-contract';
import { advanceDunning, recordPaymentFailure } from '../../../functions/dunning/app/dunning';
import { closeOrgPeriod } from '../../../functions/invoicing/app/close-period';
import { fixedClock } from '../../../functions/kernel/clock';
import { loadConfig } from '../../../functions/kernel/config';
import { item } from '../../../functions/kernel/dynamo/items';
import { keys } from '../../../functions/kernel/dynamo/keys';
import { periodByKey } from '../../../functions/kernel/period';
import type { CallContext } from '../../../functions/kernel/ports';
import { addContact } from '../../../functions/notices/app/contacts';
import { deliverPendingNotices } from '../../../functions/notices/app/deliver-notices';
import { createSubscription } from '../../../functions/subscriptions/app/create-subscription';
import { buildDeps } from '../../../scripts/local/all-deps';
import { newOrg, pick, postpaidContract, type Scenario, Violations } from '../scenario';

const ctx: CallContext = { actor: { type: 'user', id: 'proof', role: 'owner' } };
const DAY = 86_400_000;

/**
 * Schedules fired late, twice and concurrently: dunning, period close, contract expiry, notice
 * delivery. Each effect must happen once and be dated when it was due, not when a late run got to it.
 */
export const time: Scenario = {
  name: 'time: schedules late, twice, concurrent',
  what: 'dunning, period close, contract expiry, notice delivery: each effect once, dated when due',
  async run({ scale, progress }) {
    const n = pick(scale, 3, 40);
    const clock = fixedClock('2026-11-02T00:00:00.000Z');
    const deps = buildDeps(loadConfig(), clock);
    const v = new Violations();
    let trials = 0;
    let done = 0;
    const tick = () => progress(++done, n * 4);
    const twiceAtOnce = <T>(run: () => Promise<T>) => Promise.all([run(), run(), run()]);

    // Dunning: a failure on Nov 2; the schedule first runs 30 days late, three times at once.
    const dunningOrgs = await Promise.all(Array.from({ length: n }, () => newOrg(deps, 'time_dunning')));
    for (const org of dunningOrgs) await recordPaymentFailure(deps, ctx, org, clock.now().toISOString());
    clock.set(new Date(Date.parse('2026-11-02T00:00:00.000Z') + 30 * DAY));
    await twiceAtOnce(() => advanceDunning(deps));
    await advanceDunning(deps);
    for (const org of dunningOrgs) {
      trials += 3;
      const audit = await deps.audit.list(org, { limit: 100 });
      for (const state of ['grace', 'suspended', 'canceled']) {
        const steps = audit.data.filter((e) => e.action === `dunning.${state}`).length;
        if (steps !== 1) v.add(`${org}: ${steps} × dunning.${state}`);
      }
      const status = await deps.billingStatus.get(org);
      // past_due Nov 2 → grace +3 d → suspended +7 d → canceled +14 d: entered Nov 26, not at the run.
      if (status?.dunningEnteredAt !== '2026-11-26T00:00:00.000Z')
        v.add(`${org}: canceled dated ${status?.dunningEnteredAt}`);
      tick();
    }

    // Period close: three closes at once, three days late.
    clock.set('2026-11-02T00:00:00.000Z');
    const closeOrgs = await Promise.all(Array.from({ length: n }, () => newOrg(deps, 'time_close')));
    for (const org of closeOrgs) {
      await deps.db.send(
        new PutCommand({
          TableName: deps.config.tableName,
          Item: item('payment_method', keys.paymentMethod(org, `pm_${org}`), {
            id: `pm_${org}`,
            orgId: org,
            type: 'card',
            isDefault: true,
            createdAt: '2026-01-01T00:00:00.000Z',
            updatedAt: '2026-01-01T00:00:00.000Z',
          }),
        }),
      );
      await createSubscription(deps, ctx, { orgId: org, planId: 'team', currency: 'USD', billingModel: 'flat' });
    }
    const nov = periodByKey('2026-11');
    clock.set(new Date(nov.end.getTime() + 3 * DAY));
    for (const org of closeOrgs) {
      await twiceAtOnce(() => closeOrgPeriod(deps, org, nov.end.toISOString()));
      await closeOrgPeriod(deps, org, nov.end.toISOString());
      trials += 4;
      const invoices = (await deps.invoices.list(org, { limit: 10 })).data;
      if (invoices.length !== 1) v.add(`${org}: ${invoices.length} invoices for one period`);
      if (invoices[0] && invoices[0].period.end !== nov.end.toISOString())
        v.add(`${org}: invoice for ${invoices[0].period.key}`);
      tick();
    }

    // Contract expiry: the term ends Feb 1; the schedule first runs on Feb 6, three times at once.
    clock.set('2027-01-05T00:00:00.000Z');
    const contracts: { org: string; id: string }[] = [];
    for (let i = 0; i < n; i++) {
      const org = await newOrg(deps, 'time_contract');
      const view = await createContract(
        deps,
        ctx,
        org,
        postpaidContract({
          name: 'Short',
          termStart: '2027-01-01T00:00:00.000Z',
          termEnd: '2027-02-01T00:00:00.000Z',
          commitMinor: 0,
          discountPercent: '0',
        }),
      );
      await transitionContract(deps, ctx, org, view.current.id, { action: 'submit' });
      await transitionContract(deps, ctx, org, view.current.id, {
        action: 'sign',
        signatory: { name: 'S', email: 's@proof.example' },
      });
      contracts.push({ org, id: view.current.id });
    }
    clock.set('2027-02-06T00:00:00.000Z');
    await twiceAtOnce(() => advanceContracts(deps));
    await advanceContracts(deps);
    for (const { org, id } of contracts) {
      trials += 4;
      const history = await deps.contracts.history(org, id);
      const expired = history.filter((e) => e.action === 'expired');
      if (expired.length !== 1) v.add(`${id}: ${expired.length} expiries`);
      if (expired[0] && expired[0].effectiveAt !== '2027-02-01T00:00:00.000Z')
        v.add(`${id}: expired dated ${expired[0].effectiveAt}`);
      tick();
    }

    // Notice delivery: three runs at once, then one more; each (notice, contact) mailed once.
    clock.set('2027-03-01T00:00:00.000Z');
    const noticeOrgs = await Promise.all(Array.from({ length: n }, () => newOrg(deps, 'time_notice')));
    for (const org of noticeOrgs) {
      await addContact(deps, ctx, {
        orgId: org,
        name: 'Finance',
        email: `finance@${org.replace(/_/g, '-')}.example`,
        noticeKinds: ['invoice'],
      });
      await deps.notices.enqueue({
        orgId: org,
        kind: 'invoice',
        cause: `proof:${org}`,
        subject: 'Proof',
        body: 'Proof',
      });
    }
    const sent = new Map<string, number>();
    const counting = {
      ...deps,
      noticeSender: {
        send: async (m: { to: string; noticeId: string }) => {
          sent.set(`${m.noticeId}|${m.to}`, (sent.get(`${m.noticeId}|${m.to}`) ?? 0) + 1);
          return `msg_${m.noticeId}`;
        },
      },
    };
    const noticeOf = new Map<string, string>();
    for (const org of noticeOrgs) {
      const listed = await deps.notices.listNotices(org, { limit: 10 });
      const notice = listed.data.find((x) => x.cause === `proof:${org}`);
      if (notice) noticeOf.set(org, notice.id);
    }
    const mailed = (noticeId: string) => [...sent.keys()].some((k) => k.startsWith(`${noticeId}|`));
    await twiceAtOnce(() => deliverPendingNotices(counting));
    await deliverPendingNotices(counting);
    // A run serves the longest-waiting orgs first, a bounded number of them: in a table other scenarios
    // filled with pending notices, later runs (the schedule's next minutes) reach these orgs.
    for (let run = 0; run < 1_000 && [...noticeOf.values()].some((id) => !mailed(id)); run++) {
      await deliverPendingNotices(counting);
    }
    for (const org of noticeOrgs) {
      trials += 4;
      const notice = noticeOf.has(org) ? { id: noticeOf.get(org)! } : undefined;
      const count = notice
        ? [...sent.entries()].filter(([k]) => k.startsWith(`${notice.id}|`)).reduce((s, [, c]) => s + c, 0)
        : 0;
      if (count !== 1) v.add(`${org}: the notice was mailed ${count} times`);
      tick();
    }
    return { trials, faults: trials, violations: v.count, examples: v.examples };
  },
};
