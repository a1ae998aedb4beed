import fc from 'fast-check';
import { Dec, roundMinor } from '../../../functions/kernel/money';
import { periodOf } from '../../../functions/kernel/period';
import {
  classifyChange,
  currentPeriod,
  proratedLine,
  remainingFraction,
  type Subscription,
  settle,
  type Terms,
  termsAfterBoundary,
} from '../../../functions/subscriptions/domain/subscription';

const teamFlat: Terms = { planId: 'team', planVersion: 2, billingModel: 'flat', currency: 'USD' };
const teamMetered: Terms = { ...teamFlat, billingModel: 'metered' };
const proFlat: Terms = { planId: 'pro', planVersion: 2, billingModel: 'flat', currency: 'USD' };
const free: Terms = { planId: 'free', planVersion: 2, billingModel: 'free', currency: 'USD' };

const instant = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 11, 31) }).map((ms) => new Date(ms));

const subscription = (overrides: Partial<Subscription> = {}): Subscription => ({
  id: 'sub_1',
  orgId: 'org_1',
  status: 'active',
  ...teamFlat,
  startedAt: '2025-11-10T00:00:00.000Z',
  cancelAtPeriodEnd: false,
  createdAt: '2025-11-10T00:00:00.000Z',
  updatedAt: '2025-11-10T00:00:00.000Z',
  version: 1,
  ...overrides,
});

describe('proration', () => {
  it('rounds each line once, half away from zero, so a credit mirrors the charge of the same fee', () => {
    fc.assert(
      fc.property(
        instant,
        fc.constantFrom(teamFlat, proFlat, { ...teamFlat, currency: 'JPY' as const }),
        (at, terms) => {
          const charge = proratedLine('proration_charge', terms, at, 1, 'c')!;
          const credit = proratedLine('proration_credit', terms, at, -1, 'c')!;
          expect(credit.amountMinor).toBe(-charge.amountMinor);
          expect(charge.amountMinor).toBe(roundMinor(new Dec(charge.preciseAmountMinor)));
          expect(charge.amountMinor).toBeGreaterThanOrEqual(0);
          expect(charge.amountMinor).toBeLessThanOrEqual(charge.fullAmountMinor);
          expect(Number.isSafeInteger(charge.amountMinor)).toBe(true);
        },
      ),
    );
  });

  it('uses the exact millisecond fraction of the calendar month left', () => {
    fc.assert(
      fc.property(instant, (at) => {
        const { period, fraction } = remainingFraction(at);
        const exact = new Dec(period.end.getTime() - at.getTime()).div(period.end.getTime() - period.start.getTime());
        expect(fraction.equals(exact)).toBe(true);
        expect(fraction.greaterThan(0) && fraction.lessThanOrEqualTo(1)).toBe(true);
      }),
    );
  });

  it('writes no line for terms without a flat fee (free, metered)', () => {
    expect(proratedLine('proration_charge', free, new Date(), 1, 'x')).toBeUndefined();
    expect(proratedLine('proration_credit', teamMetered, new Date(), -1, 'x')).toBeUndefined();
  });

  it('charges a full fee at the first instant of a month and half at its exact midpoint', () => {
    expect(proratedLine('first_period_fee', teamFlat, new Date('2025-11-01T00:00:00.000Z'), 1, 'x')?.amountMinor).toBe(
      4900,
    );
    expect(proratedLine('first_period_fee', teamFlat, new Date('2025-11-16T00:00:00.000Z'), 1, 'x')?.amountMinor).toBe(
      2450,
    );
  });
});

describe('classifyChange', () => {
  it.each([
    [free, teamFlat, 'upgrade', true],
    [teamFlat, proFlat, 'upgrade', true],
    [proFlat, teamFlat, 'downgrade', false],
    [teamFlat, free, 'downgrade', false],
    [teamFlat, teamMetered, 'model_switch', false],
    [teamMetered, teamFlat, 'model_switch', true],
    [{ ...teamFlat, planVersion: 1 }, teamFlat, 'version_move', false],
    [teamFlat, teamFlat, 'none', false],
  ] as const)('%o → %o is %s (purchase: %s)', (from, to, kind, purchase) => {
    expect(classifyChange(from, to)).toEqual({ kind, purchase });
  });
});

describe('settle', () => {
  it('applies due changes once, dated at their boundary, and is idempotent', () => {
    fc.assert(
      fc.property(instant, fc.boolean(), fc.boolean(), fc.boolean(), (requestedAt, plan, currency, cancel) => {
        const boundary = periodOf(requestedAt).end.toISOString();
        const s = subscription({
          startedAt: periodOf(requestedAt).start.toISOString(),
          ...(plan ? { pendingPlan: { ...free, effectiveAt: boundary, requestedAt: requestedAt.toISOString() } } : {}),
          ...(currency
            ? { pendingCurrency: { currency: 'EUR', effectiveAt: boundary, requestedAt: requestedAt.toISOString() } }
            : {}),
          ...(cancel ? { cancelAtPeriodEnd: true, cancelAt: boundary } : {}),
        });
        expect(settle(s, requestedAt).events).toEqual([]);
        const later = new Date(new Date(boundary).getTime() + 3_600_000);
        const once = settle(s, later);
        expect(once.events).toHaveLength(Number(plan) + Number(currency) + Number(cancel));
        expect(once.events.every((e) => e.effectiveAt === boundary)).toBe(true);
        expect(settle(once.subscription, later).events).toEqual([]);
        expect(once.subscription.status).toBe(cancel ? 'canceled' : 'active');
        if (!cancel && plan) expect(once.subscription.planId).toBe('free');
        if (!cancel && currency) expect(once.subscription.currency).toBe('EUR');
      }),
    );
  });

  it('gives the terms from the next boundary while a change is pending, and none otherwise', () => {
    const pending = subscription({
      pendingCurrency: {
        currency: 'JPY',
        effectiveAt: '2025-12-01T00:00:00.000Z',
        requestedAt: '2025-11-20T00:00:00.000Z',
      },
    });
    expect(termsAfterBoundary(pending, (c) => ({ ...free, currency: c }))).toEqual({
      at: '2025-12-01T00:00:00.000Z',
      terms: { ...teamFlat, currency: 'JPY' },
    });
    expect(termsAfterBoundary(subscription(), (c) => ({ ...free, currency: c }))).toBeUndefined();
  });
});

describe('currentPeriod', () => {
  it('is the calendar month, cut at the start of a subscription that began mid-month', () => {
    const s = subscription({ startedAt: '2025-11-10T08:00:00.000Z' });
    expect(currentPeriod(s, new Date('2025-11-20T00:00:00.000Z'))).toMatchObject({
      start: new Date('2025-11-10T08:00:00.000Z'),
      end: new Date('2025-12-01T00:00:00.000Z'),
    });
    expect(currentPeriod(s, new Date('2025-12-02T00:00:00.000Z')).start).toEqual(new Date('2025-12-01T00:00:00.000Z'));
  });
});
