import fc from 'fast-check';
import {
  DEFAULT_DUNNING_POLICY,
  type DunningEvent,
  type DunningSnapshot,
  deadlineOf,
  transition,
} from '../../../functions/dunning/domain/dunning';
import { DUNNING_STATES } from '../../../functions/kernel/billing-status';

const t0 = Date.parse('2026-11-01T00:00:00.000Z');
const at = (hours: number) => new Date(t0 + hours * 3_600_000).toISOString();
const none: DunningSnapshot = { state: 'none', enteredAt: null };

describe('the dunning state machine', () => {
  it('walks past_due → grace → suspended → canceled as deadlines pass', () => {
    let s = transition(none, { type: 'payment_failed', at: at(0) });
    expect(s).toEqual({ state: 'past_due', enteredAt: at(0) });
    s = transition(s, { type: 'deadline_check', at: at(71) });
    expect(s.state).toBe('past_due');
    s = transition(s, { type: 'deadline_check', at: at(72) });
    expect(s).toEqual({ state: 'grace', enteredAt: at(72) });
    s = transition(s, { type: 'deadline_check', at: at(72 + 168) });
    expect(s.state).toBe('suspended');
    s = transition(s, { type: 'deadline_check', at: at(72 + 168 + 336) });
    expect(s.state).toBe('canceled');
    expect(deadlineOf(s)).toBeNull();
  });

  it('starts each state at the previous deadline, so a late schedule does not stretch it', () => {
    const s = transition({ state: 'past_due', enteredAt: at(0) }, { type: 'deadline_check', at: at(100) });
    expect(s).toEqual({ state: 'grace', enteredAt: at(72) });
  });

  it('ignores a second payment failure while already in dunning', () => {
    const s: DunningSnapshot = { state: 'grace', enteredAt: at(72) };
    expect(transition(s, { type: 'payment_failed', at: at(80) })).toBe(s);
  });

  const events = fc.array(
    fc.oneof(
      fc.record({ type: fc.constant('payment_failed' as const), h: fc.nat(2000) }),
      fc.record({ type: fc.constant('payment_succeeded' as const), h: fc.nat(2000) }),
      fc.record({ type: fc.constant('deadline_check' as const), h: fc.nat(2000) }),
    ),
    { maxLength: 30 },
  );
  const toEvents = (raw: { type: DunningEvent['type']; h: number }[]) =>
    raw.map((e) => ({ type: e.type, at: at(e.h) }) as DunningEvent);

  it('clears from any state on a successful payment', () => {
    fc.assert(
      fc.property(events, fc.nat(2000), (raw, h) => {
        const s = toEvents(raw).reduce((acc, e) => transition(acc, e), none);
        return transition(s, { type: 'payment_succeeded', at: at(h) }).state === 'none';
      }),
    );
  });

  it('only ever moves forward without a payment, one step per check, and applying a check twice is harmless', () => {
    fc.assert(
      fc.property(events, (raw) => {
        let s = none;
        for (const e of toEvents(raw)) {
          const next = transition(s, e);
          const again = transition(next, e);
          if (e.type !== 'payment_succeeded') {
            const from = DUNNING_STATES.indexOf(s.state);
            const to = DUNNING_STATES.indexOf(next.state);
            expect(to - from === 0 || to - from === 1).toBe(true);
          }
          if (e.type === 'deadline_check') {
            // The same check again (a schedule firing twice) changes nothing once the org is caught up; an
            // org far behind moves one more step, dated at the deadline that passed, never at the check.
            const deadline = deadlineOf(next);
            if (deadline === null || e.at < deadline) expect(again).toEqual(next);
            else
              expect(again).toEqual({
                state: DUNNING_STATES[DUNNING_STATES.indexOf(next.state) + 1],
                enteredAt: deadline,
              });
          } else {
            expect(again).toEqual(next);
          }
          s = next;
        }
      }),
    );
  });

  it('has the default policy of 3, 7 and 14 days', () => {
    expect(DEFAULT_DUNNING_POLICY).toEqual({ pastDueHours: 72, graceHours: 168, suspendedHours: 336 });
  });
});
