import { systemActor } from '../../kernel/audit';
import { isAppError } from '../../kernel/errors';
import { logger } from '../../kernel/logger';
import { formatMajor } from '../../kernel/money';
import { type Contract, contractYears } from '../domain/contract';
import { type ContractDeps, recorded, retrying } from './contract-common';
import { contractUtilization } from './contract-utilization';
import { ENDING_NOTICE_DAYS, nextStepAt } from './next-step';
import { afterActivation } from './transition-contract';

const ACTOR = { actor: systemActor('advanceContracts') };
const COMMIT_THRESHOLDS = [50, 80, 100] as const;

export interface ContractRunReport {
  readonly due: number;
  readonly activated: number;
  readonly ended: number;
  readonly notices: number;
  readonly failed: readonly { readonly orgId: string; readonly contractId: string; readonly code: string }[];
}

/**
 * The contracts schedule: every contract version with a step due (from the sharded due list). A signed
 * contract whose start has come becomes active, dated at its start; one whose end has passed expires (or
 * is superseded by its amendment), dated at its end even when the run is late; an active one gets its
 * notices (50 / 80 / 100 % of the year's commitment, 30 days before the term ends, each once: the
 * outbox deduplicates by cause) and a prepaid year that started is invoiced. Each contract on its own:
 * a failure is reported and retried next run.
 */
export async function advanceContracts(deps: ContractDeps): Promise<ContractRunReport> {
  const report = {
    due: 0,
    activated: 0,
    ended: 0,
    notices: 0,
    failed: [] as { orgId: string; contractId: string; code: string }[],
  };
  let cursor: string | undefined;
  do {
    const page = await deps.contracts.due(deps.clock.now(), 50, cursor);
    cursor = page.cursor;
    for (const item of page.due) {
      report.due += 1;
      try {
        const step = await advanceOne(deps, item.orgId, item.contractId, item.version);
        if (step.activated) report.activated += 1;
        if (step.ended) report.ended += 1;
        report.notices += step.notices;
      } catch (error) {
        const code = isAppError(error) ? error.code : 'unexpected';
        report.failed.push({ ...item, code });
        logger.error('contract step failed; it is retried next run', {
          org: item.orgId,
          contract: item.contractId,
          code,
          error,
        });
      }
    }
  } while (cursor);
  return report;
}

async function advanceOne(deps: ContractDeps, orgId: string, contractId: string, version: number) {
  const result = { activated: false, ended: false, notices: 0 };
  const contract = await retrying(async () => {
    const now = deps.clock.now();
    const at = now.toISOString();
    const versions = await deps.contracts.versions(orgId, contractId);
    const current = versions.find((v) => v.version === version);
    if (!current) return undefined;
    let next: Contract = current;
    let action: string | undefined;
    let effectiveAt = at;
    if (current.status === 'signed' && current.activeFrom! <= at) {
      next = { ...current, status: 'active' };
      action = 'activated';
      effectiveAt = current.activeFrom!;
    }
    if ((next.status === 'active' || next.status === 'terminated') && next.activeUntil! <= at) {
      const replacedBy = versions.find(
        (v) => v.amends?.version === current.version && ['signed', 'active'].includes(v.status),
      );
      const ended = next.status === 'terminated' ? 'terminated' : replacedBy ? 'superseded' : 'expired';
      if (ended !== next.status || action) {
        next = { ...next, status: ended };
        action = ended === 'terminated' ? 'termination_effective' : ended;
      }
      effectiveAt = current.activeUntil!;
    }
    next = { ...next, updatedAt: at, revision: current.revision + 1 };
    await deps.contracts.commit({
      records: [{ next, expectedRevision: current.revision, dueAt: nextStepAt(next, contractYears(next), now) }],
      ...(action ? recorded(deps, ACTOR, action, current, next, effectiveAt) : { events: [], audits: [] }),
    });
    if (action === 'activated') result.activated = true;
    if (action && action !== 'activated') result.ended = true;
    return next;
  });
  if (!contract) return result;
  if (result.activated || contract.status === 'active') await afterActivation(deps, contract);
  if (contract.status === 'active') result.notices += await notify(deps, contract);
  return result;
}

async function notify(deps: ContractDeps, contract: Contract): Promise<number> {
  let sent = 0;
  const now = deps.clock.now();
  const ending = Date.parse(contract.termEnd) - ENDING_NOTICE_DAYS * 86_400_000;
  if (now.getTime() >= ending) {
    const recordedNow = await deps.notices.enqueue({
      orgId: contract.orgId,
      kind: 'contract',
      cause: `contract_ending:${contract.id}:${contract.termEnd}`,
      subject: `Contract ${contract.name} ends on ${contract.termEnd.slice(0, 10)}`,
      body: `The contract ${contract.name} (${contract.id}) ends on ${contract.termEnd.slice(0, 10)}. Afterwards the account moves to the ${contract.onEnd.planId} plan unless it is renewed.`,
      data: { contract_id: contract.id, term_end: contract.termEnd },
    });
    if (recordedNow) sent += 1;
  }
  const use = await contractUtilization(deps, contract.orgId, contract.id);
  const year = use.currentYear ? use.years[use.currentYear - 1] : undefined;
  if (!year || year.year.committedMinor === 0) return sent;
  for (const threshold of COMMIT_THRESHOLDS) {
    if (Number(year.percentUsed) < threshold) continue;
    const committed = `${formatMajor({ amountMinor: year.year.committedMinor, currency: contract.currency })} ${contract.currency}`;
    const recordedNow = await deps.notices.enqueue({
      orgId: contract.orgId,
      kind: 'contract',
      cause: `contract_commit:${contract.id}:${year.year.index}:${threshold}`,
      subject: `Contract year ${year.year.index}: ${threshold} % of the commitment used`,
      body: `${year.percentUsed} % of the ${committed} committed for year ${year.year.index} of ${contract.name} is used.`,
      data: { contract_id: contract.id, year: year.year.index, threshold, percent_used: year.percentUsed },
    });
    if (recordedNow) sent += 1;
  }
  return sent;
}
