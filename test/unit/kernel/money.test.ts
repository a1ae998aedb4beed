import fc from 'fast-check';
import { CURRENCY_EXPONENTS, decimal, formatMajor, majorToMinor, roundMinor } from '../../../functions/kernel/money';

describe('money', () => {
  it('rounds a precise amount once, half away from zero', () => {
    expect(roundMinor(decimal('2.5'))).toBe(3);
    expect(roundMinor(decimal('-2.5'))).toBe(-3);
    expect(roundMinor(decimal('2.4999999999'))).toBe(2);
    expect(roundMinor(decimal('0.0003').mul(1_234_567))).toBe(370); // 370.3701 cents
  });

  it('computes sub-cent unit prices exactly where floats drift', () => {
    // 0.1 + 0.2 in floats is 0.30000000000000004; as decimals it is exactly 0.3.
    expect(decimal('0.1').plus('0.2').toString()).toBe('0.3');
    expect(decimal('0.00003').mul(3).toString()).toBe('0.00009');
  });

  it('refuses fractional numbers: they must enter as strings', () => {
    expect(() => decimal(0.1)).toThrow(/strings/);
    expect(() => decimal('1e-3')).toThrow();
  });

  it('formats and parses major units with each currency exponent', () => {
    expect(formatMajor({ amountMinor: 4900, currency: 'USD' })).toBe('49.00');
    expect(formatMajor({ amountMinor: 4900, currency: 'JPY' })).toBe('4900');
    expect(formatMajor({ amountMinor: 1234, currency: 'KWD' })).toBe('1.234');
    expect(majorToMinor('49.00', 'USD')).toBe(4900);
    expect(() => majorToMinor('1.5', 'JPY')).toThrow(/decimals/);
  });

  it('round-trips every integer amount through major units', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.constantFrom(...(Object.keys(CURRENCY_EXPONENTS) as (keyof typeof CURRENCY_EXPONENTS)[])),
        (amountMinor, currency) => majorToMinor(formatMajor({ amountMinor, currency }), currency) === amountMinor,
      ),
    );
  });

  it('rounds a sum of lines to the sum of rounded lines only when each line rounds once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { maxLength: 20 }), (quantities) => {
        const lines = quantities.map((q) => roundMinor(decimal('0.0003').mul(q)));
        const total = lines.reduce((a, b) => a + b, 0);
        return Number.isSafeInteger(total) && lines.every(Number.isInteger);
      }),
    );
  });
});
