import type { AuditEntry } from '../kernel/audit';
import type { Contract, ContractYear } from './domain/contract';
import type { ContractTermsSegment } from './domain/segments';

export type { ContractTermsSegment } from './domain/segments';

/**
 * Ports of the contracts capability: its store, and what it offers others — the contract segments of
 * the terms timeline (subscriptions merges them into the one timeline usage is rated under) and the
 * contracts' billing terms (invoicing bills commitments, platform fees and true-ups from them).
 */

export interface ContractTimeline {
  /** The segments in force at some instant of [from, to], oldest first (the one at `from` included). */
  segmentsBetween(orgId: string, from: Date, to: Date): Promise<ContractTermsSegment[]>;
}

/** A contract as invoicing bills it: its years, commitment type and what it has been signed into. */
export interface BillableContract {
  readonly contract: Contract;
  readonly years: readonly ContractYear[];
}

export interface ContractBillingReader {
  /** The org's signed contracts (any status from signed on) in force at some instant of [from, to). */
  inForce(orgId: string, from: Date, to: Date): Promise<BillableContract[]>;
}

/** An org's interval under a contract version (the slot serializes signatures: no two overlap). */
export interface ContractInterval {
  readonly contractId: string;
  readonly version: number;
  readonly from: string;
  readonly until: string;
}

export interface ContractSlot {
  readonly orgId: string;
  readonly intervals: readonly ContractInterval[];
  /** 0: no slot yet. */
  readonly revision: number;
}

export interface ContractEvent {
  readonly id: string;
  readonly orgId: string;
  readonly contractId: string;
  readonly version: number;
  readonly action: string;
  readonly at: string;
  /** When it took effect (an expiry or activation is dated at its instant even when applied later). */
  readonly effectiveAt: string;
  readonly actor: AuditEntry['actor'];
  readonly before: Contract | null;
  readonly after: Contract;
}

/**
 * One write of the contracts capability, one transaction: the contract version records (each
 * conditional on the revision read, or absent for a new one), the org's slot (when signing or ending),
 * the contract segments to put and delete, the history events and the audit entries. `freezeGate`
 * adds the kernel's ConditionCheck (an activation is a purchase).
 */
export interface ContractWrite {
  readonly records: readonly {
    readonly next: Contract;
    readonly expectedRevision: number | null;
    readonly dueAt?: string;
  }[];
  readonly slot?: { readonly next: ContractSlot; readonly expectedRevision: number };
  readonly segmentsPut?: readonly ContractTermsSegment[];
  readonly segmentsDelete?: readonly string[];
  readonly freezeGate?: boolean;
  readonly events: readonly ContractEvent[];
  readonly audits: readonly AuditEntry[];
}

export interface ContractStore {
  /** Every version of one contract, oldest first (empty: unknown in this org). */
  versions(orgId: string, contractId: string): Promise<Contract[]>;
  /** Every version of every contract of the org. */
  all(orgId: string): Promise<Contract[]>;
  slot(orgId: string): Promise<ContractSlot>;
  /** The org's contract segments starting at or after `from` (to rewrite them on an end or amendment). */
  segmentsFrom(orgId: string, from: string): Promise<ContractTermsSegment[]>;
  history(orgId: string, contractId: string): Promise<ContractEvent[]>;
  commit(write: ContractWrite): Promise<void>;
  /** Contract versions with a scheduled step due at or before `at` (activation, expiry, notices). */
  due(
    at: Date,
    limit: number,
    cursor?: string,
  ): Promise<{ due: { orgId: string; contractId: string; version: number }[]; cursor?: string }>;
}
