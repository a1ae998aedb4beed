import type { Actor, AuditEntry } from '../domain/audit';
import type { BillingStatus } from '../domain/billing-status';
import type { Clock } from '../domain/clock';
import type { Org } from '../domain/org';

/**
 * The ports use cases declare. Adapters (adapters/dynamo, adapters/stripe, …) implement them and
 * composition.ts wires the real ones once per cold start. Use cases take only the ports they use.
 */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface IdGenerator {
  /** A new ULID, optionally prefixed (`sub_01J…`): sortable by creation time. */
  next(prefix?: string): string;
}

export interface ListOptions {
  limit: number;
  cursor?: string;
}

/** Every write that changes billing state carries its audit entry, written in the same transaction. */
export interface OrgStore {
  get(orgId: string): Promise<Org | undefined>;
  /** Creates the org and its initial billing status; `conflict` if the org exists. */
  create(org: Org, status: BillingStatus, audit: AuditEntry): Promise<void>;
  /** Replaces the org if it is still at `expectedVersion`; `conflict` otherwise. */
  update(org: Org, expectedVersion: number, audit: AuditEntry): Promise<void>;
}

export interface BillingStatusReader {
  get(orgId: string): Promise<BillingStatus | undefined>;
}

export interface AuditLog {
  list(orgId: string, options: ListOptions): Promise<Page<AuditEntry>>;
}

/** Who is acting and on behalf of which request: passed to every use case that writes. */
export interface CallContext {
  readonly actor: Actor;
  readonly requestId?: string;
}

export interface CoreDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly orgs: OrgStore;
  readonly billingStatus: BillingStatusReader;
  readonly audit: AuditLog;
}
