import { findPlanVersion } from '../../kernel/pricing/plans';
import type { PlanTerms } from '../../kernel/pricing/rating';
import { type Contract, type ContractYear, contractSheet } from './contract';

/** A segment of the contract timeline: a contract in force from `from`, or what follows its end. */
export interface ContractTermsSegment {
  readonly from: string;
  /** `contract`: the contract's terms are in force; `end`: its `on_end` terms, until a later subscription segment. */
  readonly kind: 'contract' | 'end';
  readonly terms: PlanTerms;
}

/** The terms usage is rated under while a contract version is in force, in one of its years. */
export function contractTerms(contract: Contract, year: ContractYear): PlanTerms {
  return {
    planId: 'enterprise',
    planVersion: 1,
    billingModel: 'enterprise',
    currency: contract.currency,
    contract: {
      id: contract.id,
      version: contract.version,
      year: year.index,
      sheet: contractSheet(contract),
      platformFeeMinor: contract.platformFeeMinor,
      netDays: contract.netDays,
    },
  };
}

/** What follows the contract: its `on_end` plan (newest version, its default model) in the contract's currency. */
export function onEndTerms(contract: Contract): PlanTerms {
  const plan = findPlanVersion(contract.onEnd.planId);
  if (!plan) throw new Error(`unknown plan ${contract.onEnd.planId}`);
  return {
    planId: plan.id,
    planVersion: plan.version,
    billingModel: plan.defaultBillingModel,
    currency: contract.currency,
  };
}

/**
 * The timeline segments of a contract version in force over [from, until): one at `from` (the year in
 * force then), one at each later year start inside the interval (a year boundary starts a new stretch,
 * so usage is attributed to its year exactly), and the `end` segment at `until`.
 */
export function contractSegments(
  contract: Contract,
  years: readonly ContractYear[],
  interval: { from: string; until: string },
): ContractTermsSegment[] {
  const out: ContractTermsSegment[] = [];
  for (const year of years) {
    if (year.end <= interval.from || year.start >= interval.until) continue;
    const from = [year.start, interval.from].sort()[1]!;
    out.push({ from, kind: 'contract', terms: contractTerms(contract, year) });
  }
  out.push({ from: interval.until, kind: 'end', terms: onEndTerms(contract) });
  return out;
}
