/**
 * The single table's physical schema, shared by CDK, local table creation and the adapters.
 * Key *strings* are built only in adapters/dynamo/keys.ts.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** TTL attribute: epoch seconds. Dedup markers, idempotency records and inbox items expire through it. */
  ttlAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    /** GSI1: alternate lookups (e.g. Stripe customer id → org, contract by status). */
    { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    /** GSI2: time-ordered work queues for schedules (e.g. dunning deadlines, periods to close). */
    { indexName: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  ],
} as const;

/** Local default; on AWS the name comes from the TABLE_NAME environment variable set by CDK. */
export const LOCAL_TABLE_NAME = 'billing';
