import type { Contract, ContractYear } from '../domain/contract';

/** How often an active contract's commitment is checked for the 50 / 80 / 100 % notices. */
export const UTILIZATION_CHECK_MS = 60 * 60_000;
export const ENDING_NOTICE_DAYS = 30;

/**
 * When the contract schedule must next look at a version: its activation, then (while active) the
 * earliest of its end, the 30-day notice, the next contract year (a prepaid year is invoiced at its start)
 * and the hourly commitment check. Undefined: nothing scheduled (it leaves the due list).
 */
export function nextStepAt(contract: Contract, years: readonly ContractYear[], now: Date): string | undefined {
  if (contract.status === 'signed') return contract.activeFrom;
  if (
    contract.status !== 'active' &&
    !(contract.status === 'terminated' && contract.activeUntil! > now.toISOString())
  ) {
    return undefined;
  }
  const at = now.toISOString();
  const ending = new Date(Date.parse(contract.termEnd) - ENDING_NOTICE_DAYS * 86_400_000).toISOString();
  const candidates = [
    contract.activeUntil!,
    ...(ending > at ? [ending] : []),
    ...years.map((y) => y.start).filter((s) => s > at && s < contract.activeUntil!),
    new Date(now.getTime() + UTILIZATION_CHECK_MS).toISOString(),
  ];
  return candidates.sort()[0];
}
