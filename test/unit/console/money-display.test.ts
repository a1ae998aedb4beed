import fc from 'fast-check';
import {
  formatMoney,
  formatUnitPrice,
  freezeReasonInWords,
  minorToDecimalString,
  shiftDecimal,
} from '../../../console/src/format';
import { prorate } from '../../../console/src/proration';
import { Dec, roundMinor } from '../../../functions/kernel/money';
import { remainingFraction } from '../../../functions/subscriptions/domain/subscription';

describe('the console shows money exactly', () => {
  it('places minor units around each currency’s decimal point without floats', () => {
    expect(minorToDecimalString(123456, 'USD')).toBe('1234.56');
    expect(minorToDecimalString(-5, 'USD')).toBe('-0.05');
    expect(minorToDecimalString(29_800, 'JPY')).toBe('29800');
    expect(minorToDecimalString(1234, 'KWD')).toBe('1.234');
    expect(formatMoney(9_007_199_254_740_991, 'USD')).toBe('$90,071,992,547,409.91');
    expect(formatMoney(4_900, 'EUR')).toBe('€49.00');
  });

  it('round-trips every safe integer amount through its decimal string', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.constantFrom('USD', 'JPY', 'KWD'), (minor, currency) => {
        const text = minorToDecimalString(minor, currency);
        const exponent = currency === 'USD' ? 2 : currency === 'JPY' ? 0 : 3;
        expect(new Dec(text).mul(new Dec(10).pow(exponent)).toFixed(0)).toBe(String(minor));
      }),
    );
  });

  it('shows sub-cent unit prices per million tokens by moving the decimal point', () => {
    expect(shiftDecimal('0.0003', 6)).toBe('300');
    expect(shiftDecimal('0.000008', 4)).toBe('0.08');
    expect(shiftDecimal('12.5', -3)).toBe('0.0125');
    expect(formatUnitPrice('0.0003', 'USD')).toBe('$3.00');
    expect(formatUnitPrice('0.00012', 'JPY')).toBe('¥120');
  });
});

describe('the console’s proration estimate', () => {
  it('equals the API’s pro-rata line for any fee and instant (calendar month left, half away from zero)', () => {
    const start = Date.UTC(2026, 0, 1);
    const end = Date.UTC(2028, 11, 31);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: start, max: end }), (fee, t) => {
        const at = new Date(t);
        const api = roundMinor(new Dec(fee).mul(remainingFraction(at).fraction));
        expect(prorate(fee, at.toISOString())).toBe(api);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the console’s freeze reasons in words', () => {
  it('names a dunning freeze with its stage and a dispute with its amount and reason', () => {
    expect(freezeReasonInWords('dunning', 'grace', [])).toBe(
      'A payment failed and has not been made since (Grace period: a payment is still outstanding).',
    );
    expect(
      freezeReasonInWords('dispute:dp_1', 'none', [
        { id: 'dp_1', status: 'needs_response', amount_minor: 4_900, currency: 'USD', reason: 'product_not_received' },
      ]),
    ).toBe(
      'A card payment is disputed with the bank ($49.00, reason: product not received). New spend is paused until the dispute is resolved.',
    );
  });
});
