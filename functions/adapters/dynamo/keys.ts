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

  /** One dispute of the org (get by id): Stripe's latest view, kept after it closes. */
  dispute: (orgId: string, disputeId: string): TableKey => ({ PK: `ORG#${orgId}`, SK: `DISPUTE#${disputeId}` }),

  /**
   * The Stripe event inbox: get by event id. Stripe event ids are unique per account, so no org in the
   * key (the webhook does not know the org yet). Items expire (TTL) well after Stripe stops retrying.
   */
  stripeEvent: (eventId: string): TableKey => ({ PK: `STRIPE_EVENT#${eventId}`, SK: 'INBOX' }),

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
} as const;

/** Schema versions of the items this adapter writes (`v` attribute), bumped with any shape change. */
export const ITEM_SCHEMA_VERSION = 1;
