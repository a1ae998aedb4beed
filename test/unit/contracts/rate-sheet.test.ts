import fc from 'fast-check';
import { contractSheet, listSheet } from '../../../functions/contracts/domain/contract';
import { decimal } from '../../../functions/kernel/money';
import { rate } from '../../../functions/kernel/pricing/rating';

const DECIMAL = /^\d+(\.\d+)?$/;

describe('a contract rate sheet', () => {
  it('keeps every discounted price a plain decimal string that rates, however small (90 % off 0.000008 is 0.0000008, never 8e-7)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9_999 }).map((basisPoints) => (basisPoints / 100).toFixed(2)),
        (discountPercent) => {
          const sheet = contractSheet({ currency: 'USD', rates: { discountPercent, overrides: [] }, included: {} });
          const list = listSheet('USD')!;
          for (const [i, price] of sheet.prices.entries()) {
            expect(price.unitAmountDecimal).toMatch(DECIMAL);
            for (const tier of price.tiers ?? []) expect(tier.unitAmountDecimal).toMatch(DECIMAL);
            // Exactly the list price × (100 − discount) / 100.
            expect(
              decimal(price.unitAmountDecimal).eq(
                decimal(list[i]!.unitAmountDecimal).mul(decimal(100).minus(discountPercent)).div(100),
              ),
            ).toBe(true);
          }
          const lines = rate(
            sheet,
            sheet.prices.map((p) => ({ meter: p.meter, ...(p.model ? { model: p.model } : {}), quantity: 1_000_000 })),
          ).lines;
          expect(lines).toHaveLength(sheet.prices.length);
        },
      ),
      { numRuns: 200 },
    );
    const ninety = contractSheet({ currency: 'USD', rates: { discountPercent: '90', overrides: [] }, included: {} });
    expect(
      ninety.prices.find((p) => p.meter === 'llm_cached_input_tokens' && p.model === 'claude-haiku-4'),
    ).toMatchObject({ unitAmountDecimal: '0.0000008' });
  });
});
