import fc from 'fast-check';
import { type Contract, contractYears, yearAt } from '../../../functions/contracts/domain/contract';
import { contractSegments } from '../../../functions/contracts/domain/segments';
import { mergeTimelines } from '../../../functions/subscriptions/app/subscription-terms';
import type { TermsSegment } from '../../../functions/subscriptions/ports';
import { stretchStart } from '../../../functions/usage/domain/usage';

const DAY = 86_400_000;
const T0 = Date.parse('2027-01-15T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const v1: Contract = {
  id: 'ctr_1',
  orgId: 'org_t',
  version: 1,
  status: 'active',
  name: 'Acme',
  currency: 'USD',
  termStart: iso(T0),
  termEnd: iso(T0 + 730 * DAY),
  commit: { type: 'postpaid', years: [{ amountMinor: 1 }, { amountMinor: 1 }] },
  rates: { discountPercent: '20', overrides: [] },
  platformFeeMinor: 0,
  included: {},
  netDays: 0,
  onEnd: { planId: 'free' },
  onTermination: 'waive',
  createdAt: iso(T0),
  updatedAt: iso(T0),
  revision: 1,
};

const termsAt = (timeline: readonly TermsSegment[], at: string) => {
  let found: TermsSegment | undefined;
  for (const s of timeline) if (s.from <= at) found = s;
  return found?.terms;
};

describe('an amended contract on the terms timeline', () => {
  it('attributes every usage instant to exactly one of: the plan, version 1, version 2 or what follows the end — by its instant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }), // signature, days after the term start
        fc.integer({ min: 1, max: 600 }), // amendment, days after the signature
        fc.array(fc.integer({ min: -60 * DAY, max: 800 * DAY }), { minLength: 1, maxLength: 60 }), // usage instants
        (signDays, amendDays, offsets) => {
          const signed = T0 + signDays * DAY;
          const effective = Math.min(signed + amendDays * DAY, T0 + 729 * DAY);
          const end = Date.parse(v1.termEnd);
          const years = contractYears(v1);
          const v2: Contract = { ...v1, version: 2, rates: { discountPercent: '50', overrides: [] } };
          const contractSide = [
            ...contractSegments(v1, years, { from: iso(signed), until: iso(effective) }).filter(
              (s) => s.kind === 'contract',
            ),
            ...contractSegments(v2, years, { from: iso(effective), until: iso(end) }),
          ];
          // A Pro subscription from well before the contract (the org's self-serve terms).
          const subscription = [
            {
              from: iso(T0 - 90 * DAY),
              planId: 'pro',
              planVersion: 2,
              billingModel: 'metered' as const,
              currency: 'USD' as const,
            },
          ];
          const timeline = mergeTimelines('org_t', subscription, contractSide, iso(T0 - 90 * DAY));
          const starts = timeline.map((s) => s.from);
          for (const offset of offsets) {
            const t = T0 + offset;
            const at = iso(t);
            const terms = termsAt(timeline, at);
            const expected = t < signed ? 'pro' : t < effective ? 'ctr_1@1' : t < end ? 'ctr_1@2' : 'free';
            const got = terms?.contract ? `${terms.contract.id}@${terms.contract.version}` : terms?.planId;
            expect(got).toBe(expected);
            if (terms?.contract) {
              // The contract year it is attributed to is the year of its instant: a year boundary splits.
              expect(terms.contract.year).toBe(yearAt(years, new Date(t))!.index);
              // Its counters are kept under the stretch start of its instant; that stretch is rated under
              // the same version and year, so no usage moves to another version or year.
              const stretchTerms = termsAt(timeline, stretchStart(starts, new Date(t)));
              expect([stretchTerms?.contract?.version, stretchTerms?.contract?.year]).toEqual([
                terms.contract.version,
                terms.contract.year,
              ]);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
