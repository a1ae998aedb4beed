import fc from 'fast-check';
import { CURRENCY_EXPONENTS, decimal, formatMajor, majorToMinor, roundMinor } from '../../../functions/kernel/money';
import { CATALOG, CATALOG_MODELS, METERS } from '../../../functions/kernel/pricing/plans';
import { rate, ratingSheetFor } from '../../../functions/kernel/pricing/rating';

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

  it('makes a total exactly the sum of its lines, each line rounded once from its precise amount', () => {
    const pro = CATALOG.find((p) => p.id === 'pro')!;
    const quantity = fc.record({
      meter: fc.constantFrom(...METERS),
      model: fc.constantFrom(...CATALOG_MODELS),
      quantity: fc.integer({ min: 0, max: 50_000_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(quantity, { maxLength: 20 }),
        fc.constantFrom('USD', 'EUR', 'GBP' as const),
        (raw, currency) => {
          const quantities = raw.map((q) =>
            q.meter.startsWith('llm_') ? q : { meter: q.meter, quantity: q.quantity },
          );
          const rating = rate(ratingSheetFor(pro, 'metered', currency), quantities);
          const sumOfLines = rating.lines.reduce((sum, l) => sum + l.amountMinor, 0);
          expect(rating.totalMinor).toBe(sumOfLines);
          expect(Number.isSafeInteger(rating.totalMinor)).toBe(true);
          for (const line of rating.lines) expect(line.amountMinor).toBe(roundMinor(decimal(line.preciseAmountMinor)));
          // Rounding per line, not per total: the two differ by at most half a minor unit per line.
          const precise = rating.lines.reduce((sum, l) => sum.plus(decimal(l.preciseAmountMinor)), decimal('0'));
          expect(precise.minus(rating.totalMinor).abs().lte(decimal('0.5').mul(rating.lines.length))).toBe(true);
        },
      ),
    );
  });
});
