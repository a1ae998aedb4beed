/**
 * Every DynamoDB key string is built here and nowhere else. Each key lists the access pattern it serves.
 *
 * ⚠ Changing any format below is a DATA MIGRATION: items already written keep the old key and become
 * invisible to the new code. Add a new key and migrate; never edit one in place.
 *
 * Partitions are per org (`ORG#<org>`) for the org's small, hot-read records; high-volume or
 * append-only records (audit, idempotency, dedup markers, aggregates) get partitions of their own so
 * one org's traffic spreads over partitions and its core items stay cheap to read.
 */
export interface TableKey {
  PK: string;
  SK: string;
}

/**
 * The schedules' work lists (GSI2: subscription changes due, orgs with notices to deliver, dunning
 * deadlines) are sharded: a month boundary makes every org due at once, and one GSI partition takes
 * about 1,000 writes/s, so one key per list would throttle exactly then. An org always lands on the
 * same shard (a hash of its id), so its entry moves within one partition; readers fan out over all
 * shards. ⚠ Changing the count or the hash moves every entry: a data migration.
 */
export const WORK_LIST_SHARDS = 16;

/** FNV-1a, 32 bits: a stable, well-spread hash for choosing a shard from an id. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The org's shard of a work list: stable, uniform, cheap. */
export function workListShard(orgId: string): number {
  return fnv1a(orgId) % WORK_LIST_SHARDS;
}

const shardKey = (list: string, orgId: string) => `${list}#${String(workListShard(orgId)).padStart(2, '0')}`;

/**
 * Every partition of a sharded work list, for readers to fan out over. The unsharded key of before comes
 * last: entries written before sharding still sit there until they are next rewritten (each is on the
 * list only until its work is done), so readers keep reading it; drop it once it reads empty everywhere.
 */
export const workListPartitions = (list: string): string[] => [
  ...Array.from({ length: WORK_LIST_SHARDS }, (_, i) => `${list}#${String(i).padStart(2, '0')}`),
  list,
];

const UNKNOWN_ORG_REJECTIONS = 'USAGE_REJECTED#UNKNOWN_ORG';
/** Partitions of the unknown-org quarantine (fixed: changing it moves where new items land, readers scan all). */
export const UNKNOWN_ORG_REJECTION_SHARDS = 16;

export const keys = {
  /** Get org profile by id. */
  org: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'PROFILE' }),

  /**
   * Get the org's billing status (dunning state, freeze reasons). Purchases ConditionCheck this item
   * inside their transaction, so it must exist from provisioning on.
   */
  billingStatus: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'BILLING_STATUS' }),

  /**
   * The org's payment methods (a mirror of Stripe's, kept by the reconciler): Query PK with
   * begins_with(SK, 'PAYMENT_METHOD#'); get one by id. `data.isDefault` marks the default.
   */
  paymentMethodPrefix: 'PAYMENT_METHOD#',
  paymentMethod: (orgId: string, paymentMethodId: string): TableKey => ({
    PK: `ORG#${orgId}`,
    SK: `PAYMENT_METHOD#${paymentMethodId}`,
  }),

  /**
   * The org's Stripe customer (get by org), also holding the payment-method mirror's sync watermark.
   * GSI1 finds the org from a customer id (webhook events name customers, not orgs).
   */
  stripeCustomer: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'STRIPE_CUSTOMER' }),
  stripeCustomerLookup: (customerId: string) => ({ GSI1PK: `STRIPE_CUSTOMER#${customerId}`, GSI1SK: 'ORG' }),

  /** One dispute of the org (get by id): Stripe's latest view, kept after it closes. All: Query PK begins_with. */
  disputePrefix: 'DISPUTE#',
  dispute: (orgId: string, disputeId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: `DISPUTE#${disputeId}` }),

  /**
   * The Stripe event inbox: get by event id. Stripe event ids are unique per account, so no org in the
   * key (the webhook does not know the org yet). Items expire (TTL) well after Stripe stops retrying.
   */
  stripeEvent: (eventId: string): TableKey => ({ PK: `STRIPE_EVENT#${eventId}`, SK: 'INBOX' }),

  /** The health check's point read: a key that never exists (0.5 RCU, proves the table answers). */
  health: { PK: 'HEALTH', SK: 'HEALTH' } as TableKey,

  /** The org's billing contacts: Query PK with begins_with(SK, 'CONTACT#'); get/delete one by id. */
  contactPartition: (orgId: string): string => `ORG#${orgId}`,
  /** How many contacts the org has: a counter kept in each add/remove transaction (its cap a condition). */
  contactCount: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'CONTACT_COUNT' }),
  contactPrefix: 'CONTACT#',
  contact: (orgId: string, contactId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: `CONTACT#${contactId}` }),

  /**
   * The notice outbox of an org, newest first: Query PK with begins_with(SK, 'NOTICE#'). Deliveries
   * sit in the same partition under `DELIVERY#<notice>#<contact>` so one query reads a notice's fate.
   * Undelivered notices also have a `PENDING#<notice>` item there (attempts, next attempt): the org's
   * delivery queue, read strongly consistent, oldest first (ids are ULIDs), deleted once the notice is
   * delivered or failed.
   */
  noticePartition: (orgId: string): string => `NOTICES#${orgId}`,
  noticePrefix: 'NOTICE#',
  notice: (orgId: string, noticeId: string): TableKey => ({ PK: `NOTICES#${orgId}`, SK: `NOTICE#${noticeId}` }),
  delivery: (orgId: string, noticeId: string, contactId: string): TableKey => ({
    PK: `NOTICES#${orgId}`,
    SK: `DELIVERY#${noticeId}#${contactId}`,
  }),
  deliveryPrefix: (noticeId: string): string => `DELIVERY#${noticeId}#`,
  noticePendingPrefix: 'PENDING#',
  noticePending: (orgId: string, noticeId: string): TableKey => ({
    PK: `NOTICES#${orgId}`,
    SK: `PENDING#${noticeId}`,
  }),
  /** Dedup of notices by cause: one marker per (org, cause), put in the notice's transaction. */
  noticeCause: (orgId: string, cause: string): TableKey => ({
    PK: `NOTICE_CAUSE#${orgId}#${cause}`,
    SK: 'NOTICE_CAUSE',
  }),
  /** Notices recorded for the org on one UTC day (a counter, its daily cap a condition on it). */
  noticeQuota: (orgId: string, day: string): TableKey => ({ PK: `NOTICES#${orgId}`, SK: `QUOTA#${day}` }),
  /**
   * The org's one entry on the delivery schedule's work list while it has notices to deliver: GSI2
   * `NOTICES_PENDING#<shard>`, sort key `<due ISO>#<org>` (when the org's next notice may be tried), so a
   * run serves the orgs that have waited longest, one entry per org however many notices it has. Read
   * all of `noticesDuePartitions`; its unsharded key holds notice items written before this list existed.
   */
  noticeOrgDue: (orgId: string): TableKey => ({ PK: `NOTICES#${orgId}`, SK: 'DUE' }),
  noticeOrgDueIndex: (orgId: string, dueAt: string) => ({
    GSI2PK: shardKey('NOTICES_PENDING', orgId),
    GSI2SK: `${dueAt}#${orgId}`,
  }),
  noticesDuePartitions: workListPartitions('NOTICES_PENDING'),

  /**
   * Orgs whose dunning deadline has passed: GSI2 `DUNNING_DUE#<shard>`, sort key `<deadline ISO>#<org>`,
   * set on the billing-status item while its dunning state has a deadline. Read all of
   * `dunningDuePartitions` (sharded, see WORK_LIST_SHARDS).
   */
  dunningDue: (orgId: string, deadline: string) => ({
    GSI2PK: shardKey('DUNNING_DUE', orgId),
    GSI2SK: `${deadline}#${orgId}`,
  }),
  dunningDuePartitions: workListPartitions('DUNNING_DUE'),

  /**
   * A fixed-window request counter: one item per (scope, bucket, window start), ADD-ed per request with
   * the limit as the condition; expires (TTL) soon after its window. The scope is the org (or a platform
   * caller), so one tenant's traffic never counts against another's budget.
   */
  rateLimitWindow: (scope: string, bucket: string, windowStart: string): TableKey => ({
    PK: `RATE_LIMIT#${scope}#${bucket}`,
    SK: `WINDOW#${windowStart}`,
  }),

  /** List the org's audit trail newest first: Query PK, ScanIndexForward=false. Ids are ULIDs. */
  auditPartition: (orgId: string): string => `AUDIT#${orgId}`,
  audit: (orgId: string, auditId: string): TableKey => ({ PK: `AUDIT#${orgId}`, SK: `AUDIT#${auditId}` }),

  /**
   * Get an idempotency record by (tenant scope, route, client key). The scope is the token's org (or the
   * platform caller's subject), so two tenants' keys can never collide.
   */
  idempotency: (scope: string, routeId: string, idempotencyKey: string): TableKey => ({
    PK: `IDEMPOTENCY#${scope}#${routeId}#${idempotencyKey}`,
    SK: 'IDEMPOTENCY',
  }),

  /**
   * Usage dedup marker: conditional put (attribute_not_exists) per event, in the same transaction as the
   * counters. The org is in the key, so two tenants' event ids never collide. TTL ≥ 35 days (expiresAt).
   */
  usageEventMarker: (orgId: string, eventId: string): TableKey => ({
    PK: `USAGE_EVENT#${orgId}#${eventId}`,
    SK: 'MARKER',
  }),

  /**
   * Usage aggregates, sharded: a partition per org × period × shard so concurrent batches (each writing
   * one shard) neither collide in transactions nor heat one partition key. Within a shard, counters are
   * kept per stretch of the period under one set of terms (`termsFrom`, the ISO start of the stretch; see
   * `stretchStart`), so usage stays priced under the terms it was counted under. Reads sum the shards:
   * Query SK begins_with 'TOTAL#' per shard (period totals, a few items: one per stretch); Query SK
   * begins_with 'DAY#' per shard (daily cells for reports, costs and the forecast). Items written before
   * stretches existed (SK 'TOTAL', 'DAY#<day>') read as the period's first stretch.
   */
  usageShard: (orgId: string, periodKey: string, shard: number): string => `USAGE#${orgId}#${periodKey}#S${shard}`,
  usageTotalsPrefix: 'TOTAL',
  usagePeriodTotals: (orgId: string, periodKey: string, shard: number, termsFrom: string): TableKey => ({
    PK: `USAGE#${orgId}#${periodKey}#S${shard}`,
    SK: `TOTAL#${termsFrom}`,
  }),
  usageDayPrefix: 'DAY#',
  usageDay: (orgId: string, periodKey: string, shard: number, day: string, termsFrom: string): TableKey => ({
    PK: `USAGE#${orgId}#${periodKey}#S${shard}`,
    SK: `DAY#${day}#${termsFrom}`,
  }),
  /**
   * Hourly counters (`HOUR#<yyyy-mm-ddThh>#<termsFrom>`), beside the day's, for time windows down to the
   * hour: Query SK BETWEEN 'HOUR#<first hour>' AND 'HOUR#<last hour>#~' per shard. Kept (TTL) until two
   * days after the end of the next period, so the current and the previous period always have them.
   */
  usageHourPrefix: 'HOUR#',
  usageHour: (orgId: string, periodKey: string, shard: number, hour: string, termsFrom: string): TableKey => ({
    PK: `USAGE#${orgId}#${periodKey}#S${shard}`,
    SK: `HOUR#${hour}#${termsFrom}`,
  }),
  /** The stretch (`termsFrom`) of a counter item's SK, undefined for the period's first stretch (legacy). */
  usageStretchOf: (sk: string): string | undefined => {
    const parts = sk.split('#');
    const last = parts[parts.length - 1]!;
    return /^\d{4}-\d{2}-\d{2}T/.test(last) ? last : undefined;
  },

  /**
   * The models and dimension series an org may count on their own in a period (bounded cardinality,
   * see usage/domain/cardinality.ts): get by org × period, strongly consistent, only when a consumer
   * meets a value it does not know yet; written (versioned) only to admit new ones.
   */
  usageDimensions: (orgId: string, periodKey: string): TableKey => ({
    PK: `USAGE_DIMENSIONS#${orgId}#${periodKey}`,
    SK: 'REGISTRY',
  }),

  /**
   * Late usage (its period had closed when it arrived), kept for an adjustment on the next invoice:
   * Query PK `USAGE_ADJUSTMENT#<org>` → one item per late period × shard × stretch with cell counters.
   */
  usageAdjustmentPartition: (orgId: string): string => `USAGE_ADJUSTMENT#${orgId}`,
  usageAdjustment: (orgId: string, periodKey: string, shard: number, termsFrom: string): TableKey => ({
    PK: `USAGE_ADJUSTMENT#${orgId}`,
    SK: `PERIOD#${periodKey}#S${shard}#${termsFrom}`,
  }),

  /**
   * Quarantined usage events, newest first: Query PK, ScanIndexForward=false. The SK is the SQS send
   * time + message id + position, stable across redeliveries, so a redelivered rejection overwrites
   * itself. Events naming an unknown org go to a global quarantine read by operators, sharded
   * (`USAGE_REJECTED#UNKNOWN_ORG#S<k>`, k from a hash of message id and position) so a flood of them
   * does not heat one partition; readers fan out over the shards and merge by SK.
   * ⚠ Before the shards, unknown-org rejections were written to `USAGE_REJECTED#UNKNOWN_ORG` itself: the
   * readers still include that partition until its items expire (90 days).
   */
  usageRejectedPartition: (orgId: string | undefined): string =>
    orgId === undefined ? UNKNOWN_ORG_REJECTIONS : `USAGE_REJECTED#${orgId}`,
  usageRejectedUnknownOrgPartitions: (): string[] => [
    ...Array.from({ length: UNKNOWN_ORG_REJECTION_SHARDS }, (_, k) => `${UNKNOWN_ORG_REJECTIONS}#S${k}`),
    UNKNOWN_ORG_REJECTIONS,
  ],
  usageRejected: (orgId: string | undefined, sentAt: string, messageId: string, position: number): TableKey => ({
    PK:
      orgId === undefined
        ? `${UNKNOWN_ORG_REJECTIONS}#S${fnv1a(`${messageId}#${position}`) % UNKNOWN_ORG_REJECTION_SHARDS}`
        : `USAGE_REJECTED#${orgId}`,
    SK: `${sentAt}#${messageId}#${String(position).padStart(5, '0')}`,
  }),

  /**
   * Runaway-usage anomalies of the org, one per scope (agent or model) and UTC day: put if absent (the
   * first detection of the day stands); Query PK newest day first; Query begins_with(SK, '<day>#') for
   * the day's, before alerting again.
   */
  usageAnomalyPartition: (orgId: string): string => `USAGE_ANOMALIES#${orgId}`,
  usageAnomaly: (orgId: string, day: string, scopeKind: string, scopeId: string): TableKey => ({
    PK: `USAGE_ANOMALIES#${orgId}`,
    SK: `${day}#${scopeKind}#${scopeId}`,
  }),

  /** The org's budgets (one item: the whole list, versioned). */
  budgets: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'BUDGETS' }),
  /** Budget thresholds already notified in a period (a string set of `<budget>:<threshold>`). */
  budgetAlerts: (orgId: string, periodKey: string): TableKey => ({
    PK: `ORG#${orgId}`,
    SK: `BUDGET_ALERTS#${periodKey}`,
  }),

  /**
   * The org's subscription (get by org): one item, so "one active subscription per org" is a condition
   * on one key. A canceled subscription stays until a new one replaces it (its history stays too).
   * While it has a pending change it is on GSI2 (`subscriptionDue`, sharded: read every partition of
   * `subscriptionsDuePartitions`), ordered by the boundary it falls on, so the rollup schedule reads only
   * what is due.
   */
  subscription: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'SUBSCRIPTION' }),
  subscriptionsDuePartitions: workListPartitions('SUBSCRIPTION_CHANGES_DUE'),
  subscriptionDue: (orgId: string, effectiveAt: string) => ({
    GSI2PK: shardKey('SUBSCRIPTION_CHANGES_DUE', orgId),
    GSI2SK: `${effectiveAt}#${orgId}`,
  }),

  /** The subscription's lifecycle events, oldest first: Query PK (ids are ULIDs). */
  subscriptionHistoryPartition: (orgId: string): string => `SUBSCRIPTION_HISTORY#${orgId}`,
  subscriptionEvent: (orgId: string, eventId: string): TableKey => ({
    PK: `SUBSCRIPTION_HISTORY#${orgId}`,
    SK: `EVENT#${eventId}`,
  }),

  /**
   * The terms timeline (plan, version, billing model, currency from an instant on): terms at T = Query PK
   * with SK <= `FROM#<T>`, newest first, Limit 1. ISO-8601 UTC instants sort as strings. A segment at
   * the next boundary exists exactly while a change is pending, so any instant can be answered.
   */
  termsPartition: (orgId: string): string => `TERMS#${orgId}`,
  termsFromPrefix: 'FROM#',
  termsSegment: (orgId: string, fromIso: string): TableKey => ({ PK: `TERMS#${orgId}`, SK: `FROM#${fromIso}` }),

  /** Adjustment lines (proration, first period, cancellation credits) of the org: get one by id. */
  adjustmentPartition: (orgId: string): string => `ADJUSTMENTS#${orgId}`,
  adjustment: (orgId: string, adjustmentId: string): TableKey => ({
    PK: `ADJUSTMENTS#${orgId}`,
    SK: `ADJUSTMENT#${adjustmentId}`,
  }),
  /**
   * The org's adjustment lines not yet invoiced, oldest first: Query GSI1 on this sparse key, set while
   * a line is pending and removed when an invoice bills it, so the read is bounded by what is pending
   * however long the org's history (lines written before this key existed are not on it).
   */
  adjustmentsPendingIndex: (orgId: string, createdAt: string, adjustmentId: string) => ({
    GSI1PK: `ADJUSTMENTS_PENDING#${orgId}`,
    GSI1SK: `${createdAt}#${adjustmentId}`,
  }),
  adjustmentsPendingPartition: (orgId: string): string => `ADJUSTMENTS_PENDING#${orgId}`,

  /**
   * The org's billing calendar (get by org): the end of its first period not yet closed. Written at
   * provisioning, so every org is on the period-close work list: GSI2 `PERIOD_CLOSE_DUE#<shard>`, sort
   * key `<period end ISO>#<org>`, read for `<= now` shard by shard. A month end is a burst of every
   * org at once, hence the shards (a fixed count; the org's shard is a hash of its id).
   */
  billingCalendar: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'BILLING_CALENDAR' }),
  periodCloseShards: 8,
  /** The org's shard of the period-close list: stable (an org never moves between shards). */
  periodCloseShardOf: (orgId: string): number => {
    let h = 0;
    for (let i = 0; i < orgId.length; i++) h = (h * 31 + orgId.charCodeAt(i)) >>> 0;
    return h % 8;
  },
  periodCloseDuePartition: (shard: number): string => `PERIOD_CLOSE_DUE#${shard}`,
  periodCloseDue: (orgId: string, periodEnd: string, shard: number) => ({
    GSI2PK: `PERIOD_CLOSE_DUE#${shard}`,
    GSI2SK: `${periodEnd}#${orgId}`,
  }),

  /**
   * The org's invoices, newest first: Query PK, ScanIndexForward=false (ids are ULIDs whose time is the
   * invoice date), `SK BETWEEN` two id prefixes for a date range; get one by id. By status: GSI1
   * `INVOICES#<org>#<status>`, sort key the id, moved with every status change.
   */
  invoicePartition: (orgId: string): string => `INVOICES#${orgId}`,
  invoicePrefix: 'INVOICE#',
  invoice: (orgId: string, invoiceId: string): TableKey => ({ PK: `INVOICES#${orgId}`, SK: `INVOICE#${invoiceId}` }),
  invoiceStatusIndex: (orgId: string, status: string, invoiceId: string) => ({
    GSI1PK: `INVOICES#${orgId}#${status}`,
    GSI1SK: invoiceId,
  }),
  invoiceStatusPartition: (orgId: string, status: string): string => `INVOICES#${orgId}#${status}`,
  /**
   * The collection work lists, on the invoice item's GSI2 (an invoice waits on at most one at a time):
   * `collect` — issued with something to pay, not yet mirrored to Stripe and charged (set in the
   * finalization's own transaction: the transactional outbox), or its status still to be synced to
   * Stripe; `retry` — a failed charge's next automatic retry; `overdue` — a net-terms invoice's due date.
   * Sort key `<when ISO>#<org>#<invoice>`, read `<= now` shard by shard (the org's period-close shard).
   */
  collectionQueues: ['collect', 'retry', 'overdue'] as const,
  collectionDuePartition: (queue: 'collect' | 'retry' | 'overdue', shard: number): string =>
    `COLLECTION_${queue.toUpperCase()}#${shard}`,
  collectionDue: (
    queue: 'collect' | 'retry' | 'overdue',
    orgId: string,
    invoiceId: string,
    at: string,
    shard: number,
  ) => ({
    GSI2PK: `COLLECTION_${queue.toUpperCase()}#${shard}`,
    GSI2SK: `${at}#${orgId}#${invoiceId}`,
  }),
  /** The org's latest ledger ↔ Stripe drift report (get by org), written by the daily reconciliation. */
  reconciliationReport: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'RECONCILIATION' }),
  /** The latest fleet-wide drift run (one item): what `npm run reconcile` and operators read. */
  reconciliationRun: { PK: 'RECONCILIATION_RUN', SK: 'LATEST' } as TableKey,
  /** The org's invoicing account (get by org): number sequence, fixed prefix, credit balance. */
  invoicingAccount: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'INVOICING_ACCOUNT' }),
  /** What has been invoiced of one period (get by org + period; BatchGet for a close's few periods). */
  billedPeriod: (orgId: string, periodKey: string): TableKey => ({ PK: `ORG#${orgId}`, SK: `BILLED#${periodKey}` }),
  /** An enterprise contract year's commitment as invoiced so far (get by org + contract + year; BatchGet). */
  commitmentRecord: (orgId: string, contractId: string, year: number): TableKey => ({
    PK: `ORG#${orgId}`,
    SK: `COMMITMENT#${contractId}#${year}`,
  }),
  /** The org's billing settings (get by org). */
  billingSettings: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'BILLING_SETTINGS' }),
  /** A claimed invoice number prefix (get by prefix): prefixes are unique across orgs. */
  invoicePrefixClaim: (prefix: string): TableKey => ({ PK: `INVOICE_PREFIX#${prefix}`, SK: 'CLAIM' }),
  /** The org's credit balance movements, oldest first: Query PK (one per invoice that moved it). */
  creditMovementPartition: (orgId: string): string => `CREDIT_MOVEMENTS#${orgId}`,
  creditMovement: (orgId: string, invoiceId: string): TableKey => ({
    PK: `CREDIT_MOVEMENTS#${orgId}`,
    SK: `INVOICE#${invoiceId}`,
  }),

  /**
   * Enterprise contracts. Every version of every contract of an org: Query PK (SK `CONTRACT#<id>#V<nnnn>`,
   * so one contract's versions are a begins_with range, oldest first). While a version has a scheduled
   * step (activation at its start, the 30-day notice, expiry at its end) it is on GSI2
   * `CONTRACTS_DUE#<shard>` by that instant.
   */
  contractPartition: (orgId: string): string => `CONTRACTS#${orgId}`,
  contractVersion: (orgId: string, contractId: string, version: number): TableKey => ({
    PK: `CONTRACTS#${orgId}`,
    SK: `CONTRACT#${contractId}#V${String(version).padStart(4, '0')}`,
  }),
  contractVersionsPrefix: (contractId: string): string => `CONTRACT#${contractId}#V`,
  contractsDueShards: 4,
  contractsDuePartition: (shard: number): string => `CONTRACTS_DUE#${shard}`,
  contractDue: (orgId: string, contractId: string, version: number, at: string) => {
    let h = 0;
    for (let i = 0; i < orgId.length; i++) h = (h * 31 + orgId.charCodeAt(i)) >>> 0;
    return { GSI2PK: `CONTRACTS_DUE#${h % 4}`, GSI2SK: `${at}#${orgId}#${contractId}#${version}` };
  },
  /** A contract's history (versions drafted, transitions), oldest first: Query PK (ids are ULIDs). */
  contractHistoryPartition: (orgId: string, contractId: string): string => `CONTRACT_HISTORY#${orgId}#${contractId}`,
  contractEvent: (orgId: string, contractId: string, eventId: string): TableKey => ({
    PK: `CONTRACT_HISTORY#${orgId}#${contractId}`,
    SK: `EVENT#${eventId}`,
  }),
  /** The org's contract slot (get by org): the intervals under a contract; signatures are conditional on it. */
  contractSlot: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'CONTRACT_SLOT' }),
  /**
   * The contract segments of the terms timeline, like the subscription's (`TERMS#`): terms at T = the
   * newest SK <= `FROM#<T>`. The subscriptions capability merges both into the one timeline.
   */
  contractTermsPartition: (orgId: string): string => `CONTRACT_TERMS#${orgId}`,
  contractTermsSegment: (orgId: string, fromIso: string): TableKey => ({
    PK: `CONTRACT_TERMS#${orgId}`,
    SK: `FROM#${fromIso}`,
  }),

  /**
   * Billing exports of an org, newest first: Query PK, ScanIndexForward=false (ids are ULIDs); get one by
   * id. While a job waits for its enqueue to be confirmed, or for its build deadline, it is on GSI2
   * `EXPORTS_DUE#<shard>` (sort key `<due ISO>#<org>#<export>`), which the export sweep reads.
   */
  exportPartition: (orgId: string): string => `EXPORTS#${orgId}`,
  exportJob: (orgId: string, exportId: string): TableKey => ({ PK: `EXPORTS#${orgId}`, SK: `EXPORT#${exportId}` }),
  exportDue: (orgId: string, exportId: string, dueAt: string) => ({
    GSI2PK: shardKey('EXPORTS_DUE', orgId),
    GSI2SK: `${dueAt}#${orgId}#${exportId}`,
  }),
  /** Sharded like the other work lists; a new list, so no unsharded key to read. */
  exportsDuePartitions: workListPartitions('EXPORTS_DUE').slice(0, WORK_LIST_SHARDS),
  /**
   * The org's current export (get by org): the one `GET …/export` reuses while it is young. Replaced
   * conditionally on the export it points at, so concurrent requests start one build, not several.
   */
  exportCurrent: (orgId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: 'EXPORT_CURRENT' }),
} as const;

/** Schema versions of the items this adapter writes (`v` attribute), bumped with any shape change. */
export const ITEM_SCHEMA_VERSION = 1;
