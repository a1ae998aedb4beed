import fc from 'fast-check';
import { type BilledPeriod, emptyBilled } from '../../../functions/invoicing/domain/billed';
import { applyCredit, type Invoice } from '../../../functions/invoicing/domain/invoice';
import {
  type BillableAdjustment,
  type FeeTerms,
  planPeriodClose,
  planThresholdInvoice,
} from '../../../functions/invoicing/domain/plan';
import { periodByKey } from '../../../functions/kernel/period';
import { CATALOG, findPlanVersion, type Meter } from '../../../functions/kernel/pricing/plans';
import type { UsageCell } from '../../../functions/kernel/pricing/quantities';
import { type PeriodRating, ratePeriod, ratingSheetFor } from '../../../functions/kernel/pricing/rating';

const ORG = 'org_plan_test';
const NOV = periodByKey('2026-11');
const DEC = periodByKey('2026-12');
const UPGRADE_AT = '2026-11-15T00:00:00.000Z';
const team = findPlanVersion('team', 1, CATALOG)!;
const pro = findPlanVersion('pro', 1, CATALOG)!;
const TEAM_FLAT: FeeTerms = { planId: 'team', planVersion: 1, billingModel: 'flat', currency: 'USD' };
const PRO_METERED: FeeTerms = { planId: 'pro', planVersion: 1, billingModel: 'metered', currency: 'USD' };
const billTo = { orgId: ORG, name: 'Plan Test', taxIds: [] };

/** Team flat for the first half of November, Pro metered from the 15th (a mid-period upgrade). */
const STRETCHES = [
  { from: NOV.start.toISOString(), sheet: ratingSheetFor(team, 'flat', 'USD') },
  { from: UPGRADE_AT, sheet: ratingSheetFor(pro, 'metered', 'USD') },
];

const METERS: [Meter, string][] = [
  ['llm_input_tokens', 'claude-sonnet-4'],
  ['llm_output_tokens', 'claude-opus-4'],
  ['tool_invocations', ''],
  ['agent_runs', ''],
];

/** One counted batch: units per meter, in one stretch. */
const batch = fc.record({
  stretch: fc.integer({ min: 0, max: 1 }),
  units: fc.array(fc.integer({ min: 0, max: 3_000_000 }), { minLength: 4, maxLength: 4 }),
});

function cellsAfter(batches: readonly { stretch: number; units: number[] }[]): UsageCell[] {
  const sums = new Map<string, UsageCell>();
  for (const b of batches) {
    b.units.forEach((units, i) => {
      const [meter, model] = METERS[i]!;
      // Tool calls and runs are far fewer than tokens: scale them down to realistic counts.
      const quantity = meter.startsWith('llm_') ? units : Math.floor(units / 20);
      if (quantity === 0) return;
      const termsFrom = STRETCHES[b.stretch]!.from;
      const key = `${termsFrom}|${meter}|${model}`;
      const prev = sums.get(key);
      sums.set(key, {
        dimension: 'agent',
        value: '',
        meter,
        model,
        termsFrom,
        quantity: (prev?.quantity ?? 0) + quantity,
      });
    });
  }
  return [...sums.values()];
}

const rated = (batches: readonly { stretch: number; units: number[] }[]): PeriodRating =>
  ratePeriod(STRETCHES, cellsAfter(batches));

const usageOf = (invoices: readonly Invoice[]) =>
  invoices.flatMap((i) => i.lines).filter((l) => l.kind === 'usage' || l.kind === 'late_usage');

describe('threshold invoices and the period invoice', () => {
  it('bill, together, exactly the rating of the whole period, line by line and in total', () => {
    fc.assert(
      fc.property(
        fc.array(batch, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 50, max: 400_000 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        (batches, threshold, checks) => {
          let billed: BilledPeriod = emptyBilled(ORG, NOV.key);
          const invoices: Invoice[] = [];
          for (let i = 0; i < batches.length; i++) {
            if (!checks[i]) continue;
            const planned = planThresholdInvoice({
              orgId: ORG,
              billTo,
              now: new Date(NOV.start.getTime() + (i + 1) * 3_600_000),
              usage: { period: NOV, rating: rated(batches.slice(0, i + 1)) },
              billed,
              thresholdMinor: threshold,
              creditBalance: 0,
            });
            if (planned) {
              invoices.push(planned.invoice);
              billed = { ...planned.billed, version: billed.version + 1 };
            }
          }
          const full = rated(batches);
          const close = planPeriodClose({
            orgId: ORG,
            billTo,
            now: new Date(DEC.start.getTime() + 2 * 3_600_000),
            period: NOV,
            usage: { period: NOV, rating: full },
            termsAtStart: TEAM_FLAT,
            termsAtNextStart: PRO_METERED,
            adjustments: [],
            late: [],
            billed: new Map([[NOV.key, billed]]),
            creditBalances: {},
            status: 'open',
          });
          invoices.push(...close.invoices);
          // Per (stretch, meter, model) line: the invoices' amounts sum to the full-period line.
          const byLine = new Map<string, number>();
          for (const l of usageOf(invoices)) {
            const key = `${l.stretchFrom}|${l.meter}|${l.model ?? ''}`;
            byLine.set(key, (byLine.get(key) ?? 0) + l.amountMinor);
          }
          for (const line of full.lines.filter((l) => l.priced)) {
            expect(byLine.get(`${line.termsFrom}|${line.meter}|${line.model ?? ''}`) ?? 0).toBe(line.amountMinor);
          }
          const billedUsage = usageOf(invoices).reduce((s, l) => s + l.amountMinor, 0);
          expect(billedUsage).toBe(full.totalMinor);
          for (const invoice of invoices) {
            expect(invoice.subtotalMinor).toBe(invoice.lines.reduce((s, l) => s + l.amountMinor, 0));
            expect(invoice.totalMinor).toBe(invoice.subtotalMinor - invoice.creditsAppliedMinor);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('bills nothing more when the close runs again over what it billed', () => {
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 6 }), (batches) => {
        const input = {
          orgId: ORG,
          billTo,
          now: new Date(DEC.start.getTime() + 2 * 3_600_000),
          period: NOV,
          usage: { period: NOV, rating: rated(batches) },
          termsAtStart: TEAM_FLAT,
          termsAtNextStart: TEAM_FLAT,
          adjustments: [] as BillableAdjustment[],
          late: [],
          billed: new Map<string, BilledPeriod>(),
          creditBalances: {},
          status: 'open' as const,
        };
        const first = planPeriodClose(input);
        const again = planPeriodClose({
          ...input,
          billed: new Map(first.billed.map((r) => [r.periodKey, { ...r, version: r.version + 1 }] as const)),
        });
        expect(again.invoices.flatMap((i) => i.lines)).toEqual([]);
        // The same plan twice names the same invoice: a second run can only find it, never add one.
        expect(planPeriodClose(input).invoices.map((i) => i.id)).toEqual(first.invoices.map((i) => i.id));
      }),
      { numRuns: 100 },
    );
  });
});

describe('adjustment lines', () => {
  const adjustment = (id: string, amountMinor: number, periodKey = NOV.key): BillableAdjustment => ({
    id,
    kind: amountMinor < 0 ? 'proration_credit' : 'proration_charge',
    description: `adjustment ${id}`,
    periodKey,
    currency: 'USD',
    planId: 'team',
    fullAmountMinor: 4_900,
    preciseAmountMinor: String(amountMinor),
    amountMinor,
  });

  it('are each billed once across a sequence of closes, never twice, never dropped', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -4_900, max: 4_900 }), { maxLength: 4 }), { minLength: 1, maxLength: 4 }),
        (createdPerPeriod) => {
          // Lines created during each period wait for that period's close.
          const billedIds: string[] = [];
          let pending: BillableAdjustment[] = [];
          let n = 0;
          let balance = 0;
          createdPerPeriod.forEach((amounts, p) => {
            pending = [...pending, ...amounts.map((a) => adjustment(`adj_${n++}`, a))];
            const period = periodByKey(`2027-${String(p + 1).padStart(2, '0')}`);
            const plan = planPeriodClose({
              orgId: ORG,
              billTo,
              now: period.end,
              period,
              usage: {
                period,
                rating: ratePeriod(
                  [{ from: period.start.toISOString(), sheet: ratingSheetFor(pro, 'metered', 'USD') }],
                  [],
                ),
              },
              termsAtStart: PRO_METERED,
              termsAtNextStart: PRO_METERED,
              adjustments: pending,
              late: [],
              billed: new Map(),
              creditBalances: { USD: balance },
              status: 'open',
            });
            const ids = plan.invoices.flatMap((i) => i.adjustmentIds);
            billedIds.push(...ids);
            pending = pending.filter((a) => !ids.includes(a.id));
            balance = plan.creditBalances.USD ?? 0;
            for (const i of plan.invoices) {
              expect(i.totalMinor).toBe(i.subtotalMinor - i.creditsAppliedMinor);
              expect(i.amountDueMinor).toBeGreaterThanOrEqual(0);
            }
          });
          expect(pending).toEqual([]);
          expect(new Set(billedIds).size).toBe(billedIds.length);
          expect(billedIds.length).toBe(n);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('flat fees', () => {
  const base = {
    orgId: ORG,
    billTo,
    now: new Date(DEC.start.getTime() + 2 * 3_600_000),
    period: NOV,
    usage: { period: NOV, rating: ratePeriod([STRETCHES[0]!], []) },
    adjustments: [] as BillableAdjustment[],
    late: [],
    creditBalances: {},
    status: 'open' as const,
  };

  it("bill the next period's fee in advance, and the closed period's own fee only when nothing billed it", () => {
    const alreadyBilled = new Map([
      [NOV.key, { ...emptyBilled(ORG, NOV.key), fee: { invoiceId: 'in_x', amountMinor: 4_900 }, version: 1 }],
    ]);
    const plan = planPeriodClose({
      ...base,
      termsAtStart: TEAM_FLAT,
      termsAtNextStart: TEAM_FLAT,
      billed: alreadyBilled,
    });
    const fees = plan.invoices[0]!.lines.filter((l) => l.kind === 'flat_fee');
    expect(fees.map((l) => [l.periodKey, l.amountMinor])).toEqual([[DEC.key, 4_900]]);

    const neverBilled = planPeriodClose({
      ...base,
      termsAtStart: TEAM_FLAT,
      termsAtNextStart: TEAM_FLAT,
      billed: new Map(),
    });
    expect(neverBilled.invoices[0]!.lines.filter((l) => l.kind === 'flat_fee').map((l) => l.periodKey)).toEqual([
      NOV.key,
      DEC.key,
    ]);
  });

  it('leave the fee of a period that starts in another currency to its own close', () => {
    const plan = planPeriodClose({
      ...base,
      termsAtStart: TEAM_FLAT,
      termsAtNextStart: { ...TEAM_FLAT, currency: 'EUR' },
      billed: new Map([
        [NOV.key, { ...emptyBilled(ORG, NOV.key), fee: { invoiceId: 'in_x', amountMinor: 4_900 }, version: 1 }],
      ]),
    });
    expect(plan.invoices.flatMap((i) => i.lines).filter((l) => l.kind === 'flat_fee')).toEqual([]);
  });

  it('never bill a period whose first short period is already a pending line', () => {
    const first = { ...adjustmentFirst(), periodKey: DEC.key };
    const plan = planPeriodClose({
      ...base,
      termsAtStart: undefined,
      termsAtNextStart: TEAM_FLAT,
      adjustments: [first],
      billed: new Map(),
    });
    const lines = plan.invoices[0]!.lines;
    expect(lines.filter((l) => l.kind === 'flat_fee')).toEqual([]);
    expect(lines.filter((l) => l.kind === 'first_period_fee')).toHaveLength(1);
    expect(plan.billed.find((r) => r.periodKey === DEC.key)?.fee?.amountMinor).toBe(first.amountMinor);
  });
});

function adjustmentFirst(): BillableAdjustment {
  return {
    id: 'adj_first',
    kind: 'first_period_fee',
    description: 'Team — first period',
    periodKey: NOV.key,
    currency: 'USD',
    planId: 'team',
    fullAmountMinor: 4_900,
    preciseAmountMinor: '2450',
    amountMinor: 2_450,
  };
}

describe('credits', () => {
  it('apply the balance to a positive subtotal and carry a negative total, never charging it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -100_000, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (subtotal, balance) => {
          const c = applyCredit(subtotal, balance);
          expect(c.totalMinor).toBe(subtotal - c.creditsAppliedMinor);
          expect(c.amountDueMinor).toBeGreaterThanOrEqual(0);
          expect(c.creditsAppliedMinor).toBeLessThanOrEqual(balance);
          expect(c.balanceAfterMinor).toBeGreaterThanOrEqual(0);
          // Money is neither made nor lost: what is due plus what the balance ends with is what was owed net.
          expect(c.amountDueMinor - c.balanceAfterMinor).toBe(subtotal - balance);
        },
      ),
    );
  });
});
