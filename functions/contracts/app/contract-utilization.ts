import { type Period, periodOf } from '../../kernel/period';
import type { RatedPeriod } from '../../usage/ports';
import { type Contract, type ContractYear, contractYears } from '../domain/contract';
import {
  type CommitmentProjection,
  type MeterConsumption,
  type PeriodConsumption,
  projectYear,
  type YearUtilization,
  yearUtilization,
} from '../domain/utilization';
import { type ContractDeps, loadContract } from './contract-common';

export interface ContractUtilization {
  /** The instant consumption was read and the projection made at. */
  readonly asOf: string;
  readonly contract: Contract;
  readonly years: readonly YearUtilization[];
  /** For the year in force now (null when none is). */
  readonly currentYear: number | null;
  readonly projection: CommitmentProjection | null;
}

/** The billing periods overlapping [from, to). */
function periodsBetween(from: string, to: string): Period[] {
  const out: Period[] = [];
  for (let p = periodOf(new Date(from)); p.start.toISOString() < to; p = periodOf(p.end)) out.push(p);
  return out;
}

/**
 * A contract's commitment per year: consumed is its usage rated at the contract's rates in the
 * stretches attributed to that year (the same ratings the summary and the invoices use), so it equals
 * what the period invoices bill for the year. Reads each billing period of the contract's years once.
 */
export async function contractUtilization(
  deps: Pick<ContractDeps, 'clock' | 'contracts' | 'usageRating'>,
  orgId: string,
  contractId: string,
): Promise<ContractUtilization> {
  const now = deps.clock.now();
  const { current: contract } = await loadContract(deps, orgId, contractId);
  const years = contractYears(contract);
  if (!contract.activeFrom)
    return {
      asOf: now.toISOString(),
      contract,
      years: years.map((y) => yearUtilization(y, [])),
      currentYear: null,
      projection: null,
    };
  const until = [contract.activeUntil!, now.toISOString()].sort()[0]!;
  const rated = new Map<string, Promise<RatedPeriod>>();
  const rate = (p: Period) => {
    let r = rated.get(p.key);
    if (!r) {
      r = deps.usageRating.ratePeriod(orgId, p, now);
      rated.set(p.key, r);
    }
    return r;
  };
  const consumption = async (
    year: ContractYear,
  ): Promise<{ lines: MeterConsumption[]; periods: PeriodConsumption[] }> => {
    const from = [year.start, contract.activeFrom!].sort().at(-1)!;
    const to = [year.end, until].sort()[0]!;
    if (from >= to) return { lines: [], periods: [] };
    const lines: MeterConsumption[] = [];
    const periods: PeriodConsumption[] = [];
    for (const period of periodsBetween(from, to)) {
      const r = await rate(period);
      let consumedMinor = 0;
      r.stretches.forEach((s, i) => {
        if (s.contract?.id !== contract.id || s.contract.year !== year.index) return;
        for (const line of r.rating.stretches[i]?.rating.lines ?? []) {
          lines.push({
            meter: line.meter,
            ...(line.model ? { model: line.model } : {}),
            quantity: line.quantity,
            amountMinor: line.amountMinor,
          });
          consumedMinor += line.amountMinor;
        }
      });
      periods.push({
        period: period.key,
        from: [period.start.toISOString(), from].sort().at(-1)!,
        to: [period.end.toISOString(), to].sort()[0]!,
        consumedMinor,
      });
    }
    return { lines, periods };
  };
  const utilization = await Promise.all(
    years.map(async (y) => {
      const { lines, periods } = await consumption(y);
      return yearUtilization(y, lines, periods);
    }),
  );
  const current = years.find(
    (y) => y.start <= now.toISOString() && now.toISOString() < y.end && now.toISOString() < contract.activeUntil!,
  );
  const currentUse = current ? utilization[current.index - 1]! : undefined;
  return {
    asOf: now.toISOString(),
    contract,
    years: utilization,
    currentYear: current?.index ?? null,
    projection:
      current && currentUse
        ? projectYear(current, contract.activeFrom, currentUse.consumedMinor, contract.commit.type, now)
        : null,
  };
}
