import type { AuditEntry } from '../kernel/audit';
import type { Currency } from '../kernel/money';
import type { Org } from '../kernel/org';
import type { Period } from '../kernel/period';
import type { Page } from '../kernel/ports';
import type { UsageCell } from '../kernel/pricing/quantities';
import type { PeriodRating } from '../kernel/pricing/rating';
import type { Anomaly } from './domain/anomalies';
import type { BudgetSet } from './domain/budgets';
import type { Admission, DimensionRegistry } from './domain/cardinality';
import type { UsageEvent } from './domain/usage';

/** Ports of the usage capability. Implemented by adapters/usage-store.ts and budget-store.ts. */

/** An event that passed validation, with what the store needs to count it once. */
export interface AcceptedUsage {
  readonly event: UsageEvent;
  /** sha256 of the canonical payload: stored on the dedup marker to tell duplicates from conflicts. */
  readonly payloadHash: string;
  /** Its period had closed on arrival: counted and flagged for an adjustment on the next invoice. */
  readonly late: boolean;
  /** The stretch of its period it is counted in (`stretchStart`): its counters are kept apart per stretch. */
  readonly termsFrom: string;
}

export type CommitOutcome =
  | { readonly kind: 'counted' }
  | { readonly kind: 'duplicate' }
  /** Same (org, id) already counted with another payload: the original stands. */
  | { readonly kind: 'conflict'; readonly storedHash: string }
  /** DynamoDB refuses to count it for good (e.g. a validation error): quarantined with the reason. */
  | { readonly kind: 'uncountable'; readonly reason: string }
  | { readonly kind: 'failed'; readonly error: unknown };

export const REJECTION_REASONS = [
  'malformed_message',
  'invalid_event',
  'unknown_org',
  'timestamp_too_old',
  'timestamp_in_future',
  'conflicting_duplicate',
  'uncountable',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface RejectedUsage {
  /** Undefined when the org is unknown (kept in the global quarantine partition). */
  readonly orgId?: string;
  readonly eventId?: string;
  readonly reason: RejectionReason;
  readonly message: string;
  readonly details?: unknown;
  /** The event as received (truncated when large). */
  readonly payload: unknown;
  readonly messageId: string;
  /** SQS SentTimestamp (stable across redeliveries) and the event's position in the message. */
  readonly sentAt: string;
  readonly position: number;
  readonly rejectedAt: string;
}

export interface UsageIngestStore {
  /**
   * Counts events exactly once: transactions of dedup-marker puts + pre-aggregated counter ADDs. Events
   * must be distinct by (org, id). Returns one outcome per event, in order; never throws for one chunk.
   */
  commit(
    events: readonly AcceptedUsage[],
    options: { readonly shardSeed: number; readonly now: Date },
  ): Promise<CommitOutcome[]>;
  /** Records rejections idempotently (keyed by message and position). */
  quarantine(rejections: readonly RejectedUsage[], now: Date): Promise<void>;
}

/** The per-org, per-period registry of admitted models and series (domain/cardinality.ts). */
export interface DimensionRegistryStore {
  /** Strongly consistent: admission decisions must see every earlier admission. */
  readDimensions(orgId: string, periodKey: string): Promise<DimensionRegistry>;
  /** Writes the admission if the registry is still at `expectedVersion`; false when it moved. */
  admitDimensions(orgId: string, periodKey: string, admission: Admission, expectedVersion: number): Promise<boolean>;
}

export interface PeriodUsage {
  readonly cells: readonly UsageCell[];
  /** Events counted in the period. */
  readonly events: number;
  readonly lastCountedAt?: string;
}

export interface UsageReader {
  /**
   * Sum of the period's total items over all shards: a bounded read whatever the event count. Cells keep
   * their stretch (`termsFrom`), so each stretch can be rated under its own terms.
   */
  periodTotals(orgId: string, periodKey: string, consistent?: boolean): Promise<PeriodUsage>;
  /** The period's cells per UTC day (`YYYY-MM-DD` → cells), summed over shards. */
  dailyCells(orgId: string, periodKey: string): Promise<Map<string, UsageCell[]>>;
  /**
   * The period's cells per UTC hour (`YYYY-MM-DDTHH` → cells) for the hours in [from, to) (hour keys),
   * summed over shards. Hourly rows are kept for the current and the previous period.
   */
  hourlyCells(
    orgId: string,
    periodKey: string,
    hours: { readonly from: string; readonly to: string },
    options?: { readonly consistent?: boolean },
  ): Promise<Map<string, UsageCell[]>>;
  /** The org's quarantined events, newest first; `undefined` lists the unknown-org partition. */
  listRejected(orgId: string | undefined, options: { limit: number; cursor?: string }): Promise<Page<RejectedUsage>>;
  /**
   * Org, budgets, thresholds notified and period totals in one round trip (entitlement, budget checks).
   * `consistent`: strongly consistent reads, for the check right after counting, which must see the
   * batch's own writes (an eventually consistent read on AWS may not).
   */
  snapshot(orgId: string, periodKey: string, options?: { readonly consistent?: boolean }): Promise<UsageSnapshot>;
}

export interface UsageSnapshot {
  readonly org?: Org;
  readonly budgets?: BudgetSet;
  /** Alert ids (`<limit>:<threshold>`) already notified in the period. */
  readonly notified: ReadonlySet<string>;
  readonly totals: PeriodUsage;
}

/**
 * Committed spend over a contract term, as the forecast projects its utilization. The hook for the
 * enterprise contracts capability: it will provide the commitments in force; until then there are none.
 */
export interface Commitment {
  readonly id: string;
  readonly contractId: string;
  readonly currency: Currency;
  readonly committedMinor: number;
  readonly termStart: string;
  readonly termEnd: string;
  /** Spend attributed to the commitment in its term before the current period. */
  readonly usedBeforePeriodMinor: number;
}

export interface CommitmentReader {
  commitmentsInForce(orgId: string, at: Date): Promise<readonly Commitment[]>;
}

/** Runaway-usage anomalies, one per org, scope and day. */
export interface AnomalyStore {
  /** Records the day's anomaly of its scope unless one is recorded already; false when it was. */
  record(orgId: string, anomaly: Anomaly): Promise<boolean>;
  /** The anomalies recorded for a UTC day (`YYYY-MM-DD`), strongly consistent. */
  onDay(orgId: string, day: string): Promise<Anomaly[]>;
  /** Newest day first. */
  list(orgId: string, options: { limit: number; cursor?: string }): Promise<Page<Anomaly>>;
}

export interface BudgetStore {
  get(orgId: string): Promise<BudgetSet | undefined>;
  replace(orgId: string, next: BudgetSet, expectedVersion: number, audit: AuditEntry): Promise<void>;
  markNotified(orgId: string, periodKey: string, alertIds: readonly string[]): Promise<void>;
}

/**
 * The real-time usage summary shown with the subscription (`usage_summary`). Owned by the usage
 * capability; the subscription handler only embeds what this returns.
 */
export interface UsageSummaryView {
  readonly currency: Currency;
  readonly periodKey: string;
  readonly asOf: string;
  readonly meters: readonly {
    readonly meter: string;
    readonly model?: string;
    readonly quantity: number;
    readonly amountMinor: number;
  }[];
  readonly totalMinor: number;
}

export interface UsageSummaryReader {
  currentPeriod(orgId: string): Promise<UsageSummaryView>;
}

/** A period's usage rated as the summary rates it (each stretch under its own terms), up to an instant. */
export interface RatedPeriod {
  readonly orgId: string;
  readonly period: Period;
  readonly rating: PeriodRating;
  readonly stretches: readonly {
    readonly from: string;
    readonly planId: string;
    readonly planVersion: number;
    readonly billingModel: string;
    readonly currency: Currency;
    /** Set for a stretch under an enterprise contract: which one, which version, which contract year. */
    readonly contract?: { readonly id: string; readonly version: number; readonly year: number };
  }[];
  readonly eventsCounted: number;
}

/** Rates a period's usage for invoicing (the period invoice, threshold invoices, late usage). */
export interface PeriodUsageRater {
  ratePeriod(orgId: string, period: Period, until: Date): Promise<RatedPeriod>;
}

/** Told after a batch was counted, with the orgs it touched (threshold invoicing listens). */
export interface UsageCountedListener {
  usageCounted(orgIds: readonly string[]): Promise<void>;
}
