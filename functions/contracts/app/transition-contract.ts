import { conflict, validation } from '../../kernel/errors';
import type { CallContext } from '../../kernel/ports';
import {
  activeInterval,
  assertTransition,
  type Contract,
  type ContractAction,
  type ContractTerms,
  contractYears,
  overlaps,
  type Signatory,
} from '../domain/contract';
import { contractSegments, onEndTerms } from '../domain/segments';
import type { ContractInterval, ContractWrite } from '../ports';
import { type ContractDeps, type ContractView, loadContract, recorded, retrying, viewOf } from './contract-common';
import { nextStepAt } from './next-step';

export type TransitionInput =
  | { readonly action: 'submit' }
  | { readonly action: 'void' }
  | { readonly action: 'sign'; readonly signatory: Signatory }
  | { readonly action: 'terminate'; readonly effectiveAt: Date; readonly reason: string }
  | { readonly action: 'amend'; readonly effectiveAt: Date; readonly changes?: Partial<ContractTerms> };

/**
 * One lifecycle step, conditional on the version's revision (and, for a signature or an end, on the
 * org's contract slot), audited with before and after, in one transaction. A concurrent change is read
 * again and the step re-checked: of 16 racing signatures on two overlapping contracts, one commits and
 * the rest answer 409 `contract_overlap`.
 */
export async function transitionContract(
  deps: ContractDeps,
  ctx: CallContext,
  orgId: string,
  contractId: string,
  input: TransitionInput,
): Promise<ContractView> {
  const view = await retrying(async () => {
    const loaded = await loadContract(deps, orgId, contractId);
    const subject = subjectOf(loaded, input.action);
    assertTransition(subject, input.action);
    const write = await plan(deps, ctx, loaded.versions, subject, input);
    await deps.contracts.commit(write);
    return viewOf(mergeVersions(loaded.versions, write));
  });
  // After the signature commits: a contract that is in force ends the self-serve subscription (an
  // idempotent step the schedule repeats at activation, so a failure here is caught up), and a prepaid
  // year that has started is invoiced.
  if (input.action === 'sign' && view.current.status === 'active') {
    await afterActivation(deps, view.current);
  }
  return view;
}

/** What each action acts on: an amendment being drafted or signed is the newest version; else the current. */
function subjectOf(view: ContractView, action: ContractAction): Contract {
  const newest = view.versions[view.versions.length - 1]!;
  if (action === 'amend' || action === 'terminate') return view.current;
  return newest;
}

function mergeVersions(versions: readonly Contract[], write: ContractWrite): Contract[] {
  const byVersion = new Map(versions.map((v) => [v.version, v] as const));
  for (const { next } of write.records) byVersion.set(next.version, next);
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}

async function plan(
  deps: ContractDeps,
  ctx: CallContext,
  versions: readonly Contract[],
  subject: Contract,
  input: TransitionInput,
): Promise<ContractWrite> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const bump = (c: Contract, changes: Partial<Contract>): Contract => ({
    ...c,
    ...changes,
    updatedAt: at,
    revision: c.revision + 1,
  });

  switch (input.action) {
    case 'submit':
    case 'void': {
      const next = bump(subject, { status: input.action === 'submit' ? 'pending_signature' : 'void' });
      return {
        records: [{ next, expectedRevision: subject.revision }],
        ...recorded(deps, ctx, input.action === 'submit' ? 'submitted' : 'voided', subject, next),
      };
    }
    case 'amend': {
      if (input.effectiveAt.getTime() < now.getTime()) {
        throw validation('invalid_request', 'an amendment takes effect now or later', [
          { path: 'effective_at', message: 'must not be in the past', code: 'too_small' },
        ]);
      }
      if (input.effectiveAt.toISOString() >= subject.activeUntil!) {
        throw validation('invalid_request', 'an amendment takes effect before the contract ends', [
          { path: 'effective_at', message: `must be before ${subject.activeUntil}`, code: 'too_big' },
        ]);
      }
      const newest = versions[versions.length - 1]!;
      if (newest.version > subject.version && ['draft', 'pending_signature'].includes(newest.status)) {
        throw conflict('amendment_in_progress', `version ${newest.version} is already being drafted`, {
          version: newest.version,
        });
      }
      const {
        signatory: _s,
        signedAt: _sa,
        activeFrom: _f,
        activeUntil: _u,
        terminatedAt: _t,
        terminationReason: _r,
        ...terms
      } = subject;
      const draft: Contract = {
        ...terms,
        ...input.changes,
        version: newest.version + 1,
        status: 'draft',
        amends: { version: subject.version, effectiveAt: input.effectiveAt.toISOString() },
        createdAt: at,
        updatedAt: at,
        revision: 1,
      };
      return {
        records: [{ next: draft, expectedRevision: null }],
        ...recorded(deps, ctx, 'amendment_drafted', subject, draft),
      };
    }
    case 'sign':
      return planSignature(deps, ctx, versions, subject, input.signatory, now);
    case 'terminate':
      return planTermination(deps, ctx, subject, input.effectiveAt, input.reason, now);
  }
}

async function planSignature(
  deps: ContractDeps,
  ctx: CallContext,
  versions: readonly Contract[],
  subject: Contract,
  signatory: Signatory,
  now: Date,
): Promise<ContractWrite> {
  const at = now.toISOString();
  const interval = activeInterval(subject, now);
  if (interval.from >= interval.until) {
    throw conflict('contract_term_over', `the term ended at ${subject.termEnd}: nothing left to sign`, {
      term_end: subject.termEnd,
    });
  }
  const slot = await deps.contracts.slot(subject.orgId);
  const replaced = subject.amends ? versions.find((v) => v.version === subject.amends!.version) : undefined;
  // An amendment ends the version it replaces at its own start: the slot holds the shortened interval.
  const intervals: ContractInterval[] = slot.intervals.map((i) =>
    replaced && i.contractId === replaced.id && i.version === replaced.version ? { ...i, until: interval.from } : i,
  );
  const clash = intervals.find((i) => overlaps(i, interval));
  if (clash) {
    throw conflict('contract_overlap', `another contract (${clash.contractId}) is in force over part of this term`, {
      contract_id: clash.contractId,
      from: clash.from,
      until: clash.until,
    });
  }
  const status = interval.from <= at ? 'active' : 'signed';
  const next: Contract = {
    ...subject,
    status,
    signatory,
    signedAt: at,
    activeFrom: interval.from,
    activeUntil: interval.until,
    updatedAt: at,
    revision: subject.revision + 1,
  };
  const years = contractYears(next);
  const records: ContractWrite['records'][number][] = [
    { next, expectedRevision: subject.revision, dueAt: nextStepAt(next, years, now) },
  ];
  const signed = recorded(deps, ctx, 'signed', subject, next, interval.from);
  const events = { events: [...signed.events], audits: [...signed.audits] };
  let segmentsDelete: string[] = [];
  if (replaced) {
    const ended: Contract = {
      ...replaced,
      activeUntil: interval.from,
      status: interval.from <= at ? 'superseded' : replaced.status,
      updatedAt: at,
      revision: replaced.revision + 1,
    };
    records.push({
      next: ended,
      expectedRevision: replaced.revision,
      dueAt: nextStepAt(ended, contractYears(ended), now),
    });
    const superseded = recorded(deps, ctx, 'superseded', replaced, ended, interval.from);
    events.events.push(...superseded.events);
    events.audits.push(...superseded.audits);
    segmentsDelete = (await deps.contracts.segmentsFrom(subject.orgId, interval.from)).map((s) => s.from);
  }
  return {
    records,
    slot: {
      next: {
        orgId: subject.orgId,
        intervals: [...intervals, { contractId: next.id, version: next.version, ...interval }],
        revision: slot.revision + 1,
      },
      expectedRevision: slot.revision,
    },
    segmentsDelete,
    segmentsPut: contractSegments(next, years, interval),
    freezeGate: true,
    ...events,
  };
}

async function planTermination(
  deps: ContractDeps,
  ctx: CallContext,
  subject: Contract,
  effectiveAt: Date,
  reason: string,
  now: Date,
): Promise<ContractWrite> {
  const at = now.toISOString();
  const effective = new Date(Math.max(effectiveAt.getTime(), Date.parse(subject.activeFrom ?? at))).toISOString();
  if (effectiveAt.getTime() < now.getTime() - 1000) {
    throw validation(
      'invalid_request',
      'a termination takes effect now or later (usage already counted keeps its terms)',
      [{ path: 'effective_at', message: 'must not be in the past', code: 'too_small' }],
    );
  }
  if (effective >= subject.activeUntil!) {
    throw validation('invalid_request', `the contract ends at ${subject.activeUntil} anyway`, [
      { path: 'effective_at', message: `must be before ${subject.activeUntil}`, code: 'too_big' },
    ]);
  }
  const slot = await deps.contracts.slot(subject.orgId);
  const next: Contract = {
    ...subject,
    status: 'terminated',
    activeUntil: effective,
    terminatedAt: effective,
    terminationReason: reason,
    updatedAt: at,
    revision: subject.revision + 1,
  };
  const obsolete = (await deps.contracts.segmentsFrom(subject.orgId, effective)).map((s) => s.from);
  return {
    records: [{ next, expectedRevision: subject.revision, dueAt: nextStepAt(next, contractYears(next), now) }],
    slot: {
      next: {
        ...slot,
        intervals: slot.intervals.map((i) =>
          i.contractId === subject.id && i.version === subject.version ? { ...i, until: effective } : i,
        ),
        revision: slot.revision + 1,
      },
      expectedRevision: slot.revision,
    },
    segmentsDelete: obsolete,
    segmentsPut: [{ from: effective, kind: 'end', terms: onEndTerms(next) }],
    ...recorded(deps, ctx, 'terminated', subject, next, effective),
  };
}

/** A contract now in force: the self-serve subscription ends, and a prepaid year that has started is billed. */
export async function afterActivation(deps: ContractDeps, contract: Contract): Promise<void> {
  await deps.selfServe.endForContract(contract.orgId, deps.clock.now(), contract.id);
  if (contract.commit.type !== 'prepaid') return;
  const now = deps.clock.now().toISOString();
  for (const year of contractYears(contract)) {
    if (year.start <= now && contract.activeFrom! < year.end && year.committedMinor > 0) {
      await deps.commitmentInvoicing.issueCommitment(contract.orgId, contract, year.index);
    }
  }
}
