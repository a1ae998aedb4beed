import type { Actor } from './audit';
import type { BillingStatus } from './billing-status';

/**
 * The ports every capability shares. Each capability declares its own in its `ports.ts`; a capability
 * reads another's data only through that capability's ports, wired in its `compose.ts`.
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

/** Who is acting and on behalf of which request: passed to every use case that writes. */
export interface CallContext {
  readonly actor: Actor;
  readonly requestId?: string;
}

/**
 * The org's billing standing (dunning state, freeze reasons): read by every capability that spends or
 * collects. Written by the freeze gate (kernel), dunning and disputes, always conditionally.
 */
export interface BillingStatusReader {
  get(orgId: string): Promise<BillingStatus | undefined>;
}

/**
 * A write one capability contributes to a transaction another capability runs, where two records must
 * change together (invoicing marks the subscription adjustments it bills in the invoice's own
 * transaction). Built and read only by adapters; use cases pass it along unopened.
 */
export interface TransactionPart {
  readonly dynamodb: Readonly<Record<string, unknown>>;
}
