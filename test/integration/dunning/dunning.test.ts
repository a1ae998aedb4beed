import {
  type AdvanceDunningDeps,
  advanceDunning,
  recordPaymentFailure,
  recordPaymentSuccess,
} from '../../../functions/dunning/app/dunning';
import { withDunning } from '../../../functions/dunning/domain/dunning';
import { initialBillingStatus } from '../../../functions/kernel/billing-status';
import { fixedClock } from '../../../functions/kernel/clock';
import { buildDeps } from '../../support/deps';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const hours = (h: number) => h * 3_600_000;
const ctx = { actor: { type: 'system' as const, id: 'test' } };

describe('dunning', () => {
  it('freezes spend on a payment failure, advances on schedule exactly once per step, and clears on payment', async () => {
    const org = await api.newOrg();
    const failedAt = new Date(Date.now() - hours(73));
    const clock = fixedClock(failedAt);
    const all = buildDeps(undefined, clock);
    const deps: AdvanceDunningDeps = all;

    await recordPaymentFailure(deps, ctx, org.id, failedAt.toISOString());
    await recordPaymentFailure(deps, ctx, org.id, failedAt.toISOString()); // a retried webhook: no-op
    let status = await api.request('GET /v1/orgs/{org}/billing-status', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(status.body).toMatchObject({
      dunning_state: 'past_due',
      freeze_reasons: ['dunning'],
      new_spend_allowed: false,
    });

    // Not yet due one hour before the deadline; due after it. Two schedule runs at once apply one step.
    clock.set(new Date(failedAt.getTime() + hours(71)));
    expect(await deps.dunning.dueOrgs(clock.now().toISOString(), 1000)).not.toContain(org.id);
    clock.set(new Date(failedAt.getTime() + hours(73)));
    expect(await deps.dunning.dueOrgs(clock.now().toISOString(), 1000)).toContain(org.id);
    await Promise.all([advanceDunning(deps, 1000), advanceDunning(deps, 1000)]);
    status = await api.request('GET /v1/orgs/{org}/billing-status', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(status.body.dunning_state).toBe('grace');
    expect(status.body.dunning_entered_at).toBe(new Date(failedAt.getTime() + hours(72)).toISOString());

    await recordPaymentSuccess(deps, ctx, org.id, clock.now().toISOString());
    status = await api.request('GET /v1/orgs/{org}/billing-status', {
      token: org.tokens.viewer,
      params: { org: org.id },
    });
    expect(status.body).toMatchObject({ dunning_state: 'none', freeze_reasons: [], new_spend_allowed: true });
    expect(await deps.dunning.dueOrgs(new Date(Date.now() + hours(10_000)).toISOString(), 1000)).not.toContain(org.id);

    const audit = await api.request('GET /v1/orgs/{org}/audit', { token: org.tokens.owner, params: { org: org.id } });
    const actions = audit.body.data.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a.startsWith('dunning.'))).toEqual([
      'dunning.none',
      'dunning.grace',
      'dunning.past_due',
    ]);

    const notices = await all.notices.listNotices(org.id, { limit: 10 });
    expect(notices.data.map((n) => n.subject)).toEqual([
      expect.stringContaining('Payment received'),
      expect.stringContaining('grace period'),
      expect.stringContaining('past due'),
    ]);
  });

  it('lifts only its own freeze reason: an open dispute keeps spend frozen after payment', () => {
    const disputed = { ...initialBillingStatus('org_x', 'now'), freezeReasons: ['dispute:dp_1' as const] };
    const inDunning = withDunning(disputed, { state: 'past_due', enteredAt: 't' }, 't');
    expect(inDunning.freezeReasons).toEqual(['dispute:dp_1', 'dunning']);
    const paid = withDunning(inDunning, { state: 'none', enteredAt: null }, 't2');
    expect(paid.freezeReasons).toEqual(['dispute:dp_1']);
    expect(paid.version).toBe(disputed.version + 2);
  });
});
