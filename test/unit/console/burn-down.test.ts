import fc from 'fast-check';
import { burnDown, type UtilizationYear } from '../../../console/src/burn-down';

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A contract year of 365 days from a random instant, in force from a random instant in it, read at another. */
const years = fc
  .record({
    start: fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') }),
    committed: fc.integer({ min: 0, max: 10_000_000 }),
    inForceAfter: fc.integer({ min: 0, max: 200 * DAY }),
    readAfter: fc.integer({ min: 1, max: 160 * DAY }),
    monthly: fc.array(fc.integer({ min: 0, max: 2_000_000 }), { minLength: 14, maxLength: 14 }),
    extra: fc.integer({ min: 0, max: 50_000_000 }),
  })
  .map(({ start, committed, inForceAfter, readAfter, monthly, extra }) => {
    const end = start + 365 * DAY;
    const from = start + inForceAfter;
    const asOf = Math.min(end - 1, from + readAfter);
    // Billing periods are calendar months: the parts of each inside [from, asOf).
    const byPeriod: UtilizationYear['by_period'][number][] = [];
    for (let t = from, i = 0; t < asOf; i++) {
      const d = new Date(t);
      const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      const to = Math.min(next, asOf);
      byPeriod.push({
        period: new Date(t).toISOString().slice(0, 7),
        from: new Date(t).toISOString(),
        to: new Date(to).toISOString(),
        consumed_minor: monthly[i % monthly.length]!,
      });
      t = to;
    }
    const consumed = byPeriod.reduce((s, p) => s + p.consumed_minor, 0);
    const year: UtilizationYear = {
      index: 1,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      committed_minor: committed,
      consumed_minor: consumed,
      remaining_minor: Math.max(0, committed - consumed),
      by_period: byPeriod,
    };
    return { year, asOf: new Date(asOf).toISOString(), projected: consumed + extra };
  });

describe('a contract year burn-down', () => {
  it('has a label per UTC day from the year start to its end, and the commitment left exactly at each reading the API gives', () => {
    fc.assert(
      fc.property(years, ({ year, asOf }) => {
        const bd = burnDown(year, asOf);
        const start = Date.parse(`${year.start.slice(0, 10)}T00:00:00Z`);
        expect(bd.labels[0]).toBe(year.start.slice(0, 10));
        expect(bd.labels.at(-1)).toBe(year.end.slice(0, 10));
        expect(bd.labels).toEqual(bd.labels.map((_d, i) => day(start + i * DAY)));
        const at = (iso: string) => bd.labels.indexOf(iso.slice(0, 10));
        // Later readings on the same day win: each day shows the last one read on it.
        const expected = new Map<number, number>([[at(year.start), year.committed_minor]]);
        expected.set(at(year.by_period[0]!.from), year.committed_minor);
        let consumed = 0;
        for (const p of year.by_period) {
          consumed += p.consumed_minor;
          expected.set(at(p.to), Math.max(0, year.committed_minor - consumed));
        }
        expect(bd.remaining).toEqual(bd.remaining.map((_v, i) => expected.get(i) ?? null));
        expect(bd.remaining[at(asOf)]).toBe(year.remaining_minor);
        expect(bd.projected).toBeUndefined();
      }),
    );
  });

  it('projects from what is left now to the API’s projected year total at the year end, in whole minor units, never rising', () => {
    fc.assert(
      fc.property(years, ({ year, asOf, projected }) => {
        const bd = burnDown(year, asOf, { projected_year_minor: projected });
        const today = bd.labels.indexOf(asOf.slice(0, 10));
        const p = bd.projected!;
        expect(p.slice(0, today).every((v) => v === null)).toBe(true);
        expect(p[today]).toBe(year.remaining_minor);
        expect(p.at(-1)).toBe(Math.max(0, year.committed_minor - projected));
        for (let i = today; i < p.length; i++) {
          expect(Number.isSafeInteger(p[i])).toBe(true);
          if (i > today) expect(p[i]!).toBeLessThanOrEqual(p[i - 1]!);
        }
      }),
    );
  });

  it('plots nothing consumed for a year not in force yet', () => {
    const bd = burnDown(
      {
        index: 2,
        start: '2027-11-21T00:00:00.000Z',
        end: '2028-11-21T00:00:00.000Z',
        committed_minor: 150_000,
        consumed_minor: 0,
        remaining_minor: 150_000,
        by_period: [],
      },
      '2026-12-01T23:00:00.000Z',
    );
    expect(bd.labels).toHaveLength(367);
    expect(bd.remaining.every((v) => v === null)).toBe(true);
  });
});
