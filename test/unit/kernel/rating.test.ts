import Decimal from 'decimal.js';
import fc from 'fast-check';
import { CATALOG, findPlanVersion, type MeterPrice } from '../../../functions/kernel/pricing/plans';
import type { UsageCell } from '../../../functions/kernel/pricing/quantities';
import { allocate, applyTiers, rate, ratePeriod, ratingSheetFor } from '../../../functions/kernel/pricing/rating';
import { stretchStart } from '../../../functions/usage/domain/usage';

const pro = findPlanVersion('pro', 1, CATALOG)!;
const team = findPlanVersion('team', 1, CATALOG)!;
const free = findPlanVersion('free', 1, CATALOG)!;

describe('rate', () => {
  it('prices sub-cent token usage exactly with one rounding per line', () => {
    const sheet = ratingSheetFor(pro, 'metered', 'USD');
    const rating = rate(sheet, [
      { meter: 'llm_input_tokens', model: 'claude-sonnet-4', quantity: 1_234_567 }, // × 0.0003 = 370.3701
      { meter: 'llm_output_tokens', model: 'claude-sonnet-4', quantity: 3_333 }, // × 0.0015 = 4.9995
      { meter: 'llm_cached_input_tokens', model: 'claude-haiku-4', quantity: 62_500 }, // × 0.000008 = 0.5
    ]);
    const byMeter = Object.fromEntries(rating.lines.map((l) => [`${l.meter}/${l.model}`, l]));
    expect(byMeter['llm_input_tokens/claude-sonnet-4']).toMatchObject({
      preciseAmountMinor: '370.3701',
      amountMinor: 370,
    });
    expect(byMeter['llm_output_tokens/claude-sonnet-4']).toMatchObject({
      preciseAmountMinor: '4.9995',
      amountMinor: 5,
    });
    // exactly half a cent rounds away from zero
    expect(byMeter['llm_cached_input_tokens/claude-haiku-4']).toMatchObject({
      preciseAmountMinor: '0.5',
      amountMinor: 1,
    });
    expect(rating.totalMinor).toBe(376);
  });

  it('rounds per line, not per unit and not on the total', () => {
    // 3 lines of 0.4 minor each: per-line rounding gives 0 + 0 + 0 = 0 (not round(1.2) = 1).
    const prices: MeterPrice[] = [
      { meter: 'llm_input_tokens', model: 'a', unitAmountDecimal: '0.0004' },
      { meter: 'llm_input_tokens', model: 'b', unitAmountDecimal: '0.0004' },
      { meter: 'llm_input_tokens', model: 'c', unitAmountDecimal: '0.0004' },
    ];
    const rating = rate({ currency: 'USD', prices, included: {} }, [
      { meter: 'llm_input_tokens', model: 'a', quantity: 1000 },
      { meter: 'llm_input_tokens', model: 'b', quantity: 1000 },
      { meter: 'llm_input_tokens', model: 'c', quantity: 1000 },
    ]);
    expect(rating.lines.map((l) => l.amountMinor)).toEqual([0, 0, 0]);
    expect(rating.totalMinor).toBe(0);
  });

  it('applies graduated tiers over the billable units of the period', () => {
    const sheet = ratingSheetFor(pro, 'metered', 'USD'); // tools: 0.08 up to 100,000, then 0.04
    const rating = rate(sheet, [{ meter: 'tool_invocations', quantity: 150_001 }]);
    const line = rating.lines[0]!;
    expect(line.tiers).toEqual([
      { upTo: 100_000, unitAmountDecimal: '0.08', quantity: 100_000 },
      { upTo: null, unitAmountDecimal: '0.04', quantity: 50_001 },
    ]);
    expect(line.preciseAmountMinor).toBe('10000.04'); // 8000 + 2000.04
    expect(line.amountMinor).toBe(10_000);
  });

  it('consumes included usage first, most expensive units first, and reports what is left', () => {
    const sheet = ratingSheetFor(team, 'metered', 'USD'); // 20M tokens, 50k tools, 5k runs included
    const rating = rate(sheet, [
      { meter: 'llm_input_tokens', model: 'claude-haiku-4', quantity: 15_000_000 }, // 0.00008
      { meter: 'llm_output_tokens', model: 'claude-opus-4', quantity: 10_000_000 }, // 0.0075: covered first
      { meter: 'tool_invocations', quantity: 40_000 },
      { meter: 'agent_runs', quantity: 5_001 },
    ]);
    const line = (m: string) => rating.lines.find((l) => l.meter === m)!;
    expect(line('llm_output_tokens')).toMatchObject({
      includedQuantity: 10_000_000,
      billableQuantity: 0,
      amountMinor: 0,
    });
    // 10M of the pool left for haiku input: 5M billable × 0.00008 = 400 cents
    expect(line('llm_input_tokens')).toMatchObject({
      includedQuantity: 10_000_000,
      billableQuantity: 5_000_000,
      amountMinor: 400,
    });
    expect(line('tool_invocations')).toMatchObject({ billableQuantity: 0, amountMinor: 0 });
    expect(line('agent_runs')).toMatchObject({ billableQuantity: 1, amountMinor: 2 });
    expect(rating.includedRemaining).toEqual({ llm_tokens: 0, tool_invocations: 10_000, agent_runs: 0 });
    expect(rating.totalMinor).toBe(402);
  });

  it('charges nothing on the free plan and counts usage it has no price for', () => {
    const rating = rate(ratingSheetFor(free, 'free', 'EUR'), [{ meter: 'agent_runs', quantity: 30 }]);
    expect(rating.totalMinor).toBe(0);
    expect(rating.lines[0]).toMatchObject({ priced: false, quantity: 30, includedQuantity: 30 });
    expect(rating.includedRemaining.agent_runs).toBe(70);
    const unknownModel = rate(ratingSheetFor(pro, 'metered', 'USD'), [
      { meter: 'llm_input_tokens', model: 'some-new-model', quantity: 10 },
    ]);
    expect(unknownModel.lines[0]).toMatchObject({ priced: false, amountMinor: 0 });
  });

  it('makes the total exactly the sum of the lines, for any quantities', () => {
    const sheet = ratingSheetFor(pro, 'metered', 'GBP');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...sheet.prices), fc.nat(50_000_000)), { maxLength: 20 }), (qs) => {
        const rating = rate(
          sheet,
          qs.map(([p, quantity]) => ({ meter: p.meter, model: p.model, quantity })),
        );
        expect(rating.totalMinor).toBe(rating.lines.reduce((s, l) => s + l.amountMinor, 0));
      }),
    );
  });

  it('rounds each line once from its exact amount, half away from zero, ties included (decimals, not floats)', () => {
    // Unit prices that land exactly on half a minor unit for odd quantities, beside the catalog's.
    const ties: MeterPrice[] = [
      { meter: 'llm_input_tokens', model: 'half', unitAmountDecimal: '0.5' },
      { meter: 'llm_output_tokens', model: 'half', unitAmountDecimal: '0.0005' },
      { meter: 'llm_cached_input_tokens', model: 'half', unitAmountDecimal: '0.125' },
    ];
    const catalog = ratingSheetFor(pro, 'metered', 'USD').prices.filter((p) => !p.tiers?.length);
    const prices = [...ties, ...catalog.filter((p) => !ties.some((t) => t.meter === p.meter && t.model === p.model))];
    let tiesSeen = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...prices), fc.nat(20_000_000)), { maxLength: 12 }), (qs) => {
        const rating = rate(
          { currency: 'USD', prices, included: {} },
          qs.map(([p, quantity]) => ({ meter: p.meter, model: p.model, quantity })),
        );
        for (const line of rating.lines) {
          const unit = prices.find((p) => p.meter === line.meter && (p.model ?? undefined) === line.model)!;
          const exact = new Decimal(unit.unitAmountDecimal).mul(line.quantity);
          expect(line.preciseAmountMinor).toBe(exact.toString());
          const fraction = exact.minus(exact.floor());
          // Half away from zero: .5 goes up, below goes down; an integer stays.
          const expected = fraction.gte('0.5') ? exact.floor().plus(1) : exact.floor();
          if (fraction.eq('0.5')) tiesSeen += 1;
          expect(line.amountMinor).toBe(expected.toNumber());
        }
      }),
      { numRuns: 300, examples: [[[[ties[0]!, 1]]], [[[ties[1]!, 3_000]]], [[[ties[2]!, 4]]]] },
    );
    expect(tiesSeen).toBeGreaterThan(0);
  });
});

describe('applyTiers', () => {
  it('refuses tiers without an open last tier when units overflow them', () => {
    expect(() => applyTiers([{ upTo: 10, unitAmountDecimal: '1' }], 11)).toThrow(/open tier/);
  });

  it('continues from units billed earlier in the period', () => {
    const tiers = [
      { upTo: 100, unitAmountDecimal: '2' },
      { upTo: null, unitAmountDecimal: '1' },
    ];
    expect(applyTiers(tiers, 30, 90)).toMatchObject({
      tiers: [
        { upTo: 100, unitAmountDecimal: '2', quantity: 10 },
        { upTo: null, unitAmountDecimal: '1', quantity: 20 },
      ],
    });
    expect(applyTiers(tiers, 5, 250).precise.toString()).toBe('5');
    // Any split of the same units costs what one run over them costs.
    fc.assert(
      fc.property(fc.nat(400), fc.nat(400), (first, second) => {
        const whole = applyTiers(tiers, first + second).precise;
        const split = applyTiers(tiers, first).precise.plus(applyTiers(tiers, second, first).precise);
        expect(split.toString()).toBe(whole.toString());
      }),
    );
  });
});

const cell = (meter: UsageCell['meter'], quantity: number, termsFrom?: string, model = ''): UsageCell => ({
  dimension: 'agent',
  value: '',
  meter,
  model,
  quantity,
  ...(termsFrom ? { termsFrom } : {}),
});
const NOV = '2026-11-01T00:00:00.000Z';
const SWITCH = '2026-11-15T00:00:00.000Z';

describe('ratePeriod', () => {
  it('rates a period with one stretch exactly as rate does', () => {
    const sheet = ratingSheetFor(team, 'flat', 'USD');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...sheet.prices), fc.nat(30_000_000)), { maxLength: 12 }), (qs) => {
        const cells = qs.map(([p, q]) => cell(p.meter, q, undefined, p.model ?? ''));
        const whole = rate(
          sheet,
          cells.map((c) => ({ meter: c.meter, ...(c.model ? { model: c.model } : {}), quantity: c.quantity })),
        );
        const period = ratePeriod([{ from: NOV, sheet }], cells);
        expect(period.totalMinor).toBe(whole.totalMinor);
        expect(period.includedRemaining).toEqual(whole.includedRemaining);
        expect(period.lines.map(({ termsFrom: _t, ...l }) => l)).toEqual(whole.lines);
      }),
    );
  });

  it('prices each stretch under its own sheet, with tiers running on across the switch', () => {
    // Team flat then Pro metered (USD): see test/integration/usage-stretches.test.ts for the arithmetic.
    const rating = ratePeriod(
      [
        { from: NOV, sheet: ratingSheetFor(team, 'flat', 'USD') },
        { from: SWITCH, sheet: ratingSheetFor(pro, 'metered', 'USD') },
      ],
      [
        cell('tool_invocations', 61_000, NOV),
        cell('agent_runs', 1_000),
        cell('tool_invocations', 100_000, SWITCH),
        cell('agent_runs', 500, SWITCH),
      ],
    );
    expect(rating.stretches.map((s) => [s.from, s.rating.totalMinor])).toEqual([
      [NOV, 1_100],
      [SWITCH, 8_310],
    ]);
    expect(rating.totalMinor).toBe(9_410);
    expect(rating.lines.find((l) => l.termsFrom === SWITCH && l.meter === 'tool_invocations')?.tiers).toEqual([
      { upTo: 100_000, unitAmountDecimal: '0.08', quantity: 89_000 },
      { upTo: null, unitAmountDecimal: '0.04', quantity: 11_000 },
    ]);
  });

  it('treats included usage as the period’s: a switch neither renews nor forfeits what was used', () => {
    // Team flat → Team metered (same allowance of 20,000,000 tokens): 15M used before leaves 5M after.
    const sonnet = 'claude-sonnet-4';
    const rating = ratePeriod(
      [
        { from: NOV, sheet: ratingSheetFor(team, 'flat', 'USD') },
        { from: SWITCH, sheet: ratingSheetFor(team, 'metered', 'USD') },
      ],
      [cell('llm_input_tokens', 15_000_000, NOV, sonnet), cell('llm_input_tokens', 10_000_000, SWITCH, sonnet)],
    );
    const [before, after] = rating.lines;
    expect(before).toMatchObject({ includedQuantity: 15_000_000, billableQuantity: 0, amountMinor: 0 });
    // 5,000,000 billable × 0.0003 = 1,500.
    expect(after).toMatchObject({ includedQuantity: 5_000_000, billableQuantity: 5_000_000, amountMinor: 1_500 });
    expect(rating.includedRemaining.llm_tokens).toBe(0);
    expect(rating.includedRemaining.tool_invocations).toBe(50_000);
  });

  it('counts a cell in the last stretch starting at or before its own', () => {
    const three = [
      { from: NOV, sheet: ratingSheetFor(free, 'free', 'USD') },
      { from: '2026-11-10T00:00:00.000Z', sheet: ratingSheetFor(pro, 'metered', 'USD') },
      { from: SWITCH, sheet: ratingSheetFor(pro, 'metered', 'USD') },
    ];
    // A stretch whose segment was withdrawn later (here 2026-11-12) counts in the one before it.
    const rating = ratePeriod(three, [cell('agent_runs', 2, '2026-11-12T08:00:00.000Z'), cell('agent_runs', 4)]);
    expect(rating.stretches.map((s) => s.rating.lines.map((l) => l.quantity))).toEqual([[4], [2], []]);
  });

  it('refuses to rate a period in two currencies that both charge', () => {
    const stretches = [
      { from: NOV, sheet: ratingSheetFor(pro, 'metered', 'EUR') },
      { from: SWITCH, sheet: ratingSheetFor(pro, 'metered', 'USD') },
    ];
    expect(() => ratePeriod(stretches, [cell('agent_runs', 2, NOV)])).toThrow(/one currency/);
    // The free plan charges nothing, so its stretch may be in the org's default currency.
    const fromFree = [{ from: NOV, sheet: ratingSheetFor(free, 'free', 'EUR') }, stretches[1]!];
    expect(ratePeriod(fromFree, [cell('agent_runs', 2, NOV)]).currency).toBe('USD');
  });
});

describe('stretchStart', () => {
  const starts = ['2026-10-20T10:00:00.000Z', SWITCH, '2026-12-01T00:00:00.000Z'];
  it('names the start of the terms in force at the instant, clipped to its period', () => {
    expect(stretchStart(starts, new Date('2026-11-14T23:59:59.999Z'))).toBe(NOV);
    expect(stretchStart(starts, new Date(SWITCH))).toBe(SWITCH);
    expect(stretchStart(starts, new Date('2026-11-30T23:59:59.999Z'))).toBe(SWITCH);
    expect(stretchStart(starts, new Date('2026-12-01T00:00:00.000Z'))).toBe('2026-12-01T00:00:00.000Z');
    expect(stretchStart(starts, new Date('2026-10-25T00:00:00.000Z'))).toBe('2026-10-20T10:00:00.000Z');
    expect(stretchStart([], new Date('2026-11-14T00:00:00.000Z'))).toBe(NOV);
  });
});

describe('allocate', () => {
  it('splits an amount in proportion to weights, summing exactly', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(7, [0, 0])).toEqual([0, 0]);
    fc.assert(
      fc.property(
        fc.nat(10_000_000),
        fc.array(fc.nat(1_000_000), { minLength: 1, maxLength: 30 }),
        (amount, weights) => {
          const parts = allocate(amount, weights);
          const total = weights.reduce((s, w) => s + w, 0);
          if (total === 0) return;
          expect(parts.reduce((s, p) => s + p, 0)).toBe(amount);
          parts.forEach((p, i) => {
            expect(Math.abs(p - (amount * weights[i]!) / total)).toBeLessThan(1);
          });
        },
      ),
    );
  });
});
