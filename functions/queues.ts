/**
 * The queues of the product, as pure data shared by CDK, the local SQS set-up and the local pollers,
 * so both sides redrive and batch identically.
 */
export interface QueueDefinition {
  readonly id: 'usage' | 'stripeEvents' | 'exports';
  /** Physical base name locally; CDK lets CloudFormation name them. */
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  /** After this many receives a message moves to the DLQ. */
  readonly maxReceiveCount: number;
  /** Event source mapping: records per invocation and how long to gather them. */
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** DLQ retention: the maximum, so a poisoned message can be inspected and redriven for two weeks. */
  readonly dlqRetentionDays: number;
  /**
   * The SQS-triggered handler module (exports `handler`). Unset until the consumer exists: then CDK
   * attaches no event source and the local runtime does not poll, so messages wait in the queue
   * rather than being received by nothing.
   */
  readonly consumerEntry?: string;
  /** The consumer's Lambda timeout when not CONSUMER_TIMEOUT_SECONDS (a long job); visibility ≥ it. */
  readonly consumerTimeoutSeconds?: number;
}

export const QUEUES: readonly QueueDefinition[] = [
  {
    id: 'usage',
    name: 'billing-usage',
    // Six times the consumer timeout (AWS guidance for SQS event sources).
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    batchSize: 100,
    maxBatchingWindowSeconds: 1,
    dlqRetentionDays: 14,
    consumerEntry: 'functions/usage/queue/consume-usage.ts',
  },
  {
    id: 'stripeEvents',
    name: 'billing-stripe-events',
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 8,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    dlqRetentionDays: 14,
    consumerEntry: 'functions/payments/queue/reconcile-stripe-events.ts',
  },
  {
    id: 'exports',
    name: 'billing-exports',
    // A build may run up to its 15-minute timeout: six times that, as for the other consumers. Three
    // receives stay inside the job's build deadline (export/domain/export-job.ts); a user who does not want
    // to wait for a retry asks again (`GET …/export` reuses an export only while it is under 5 minutes old).
    visibilityTimeoutSeconds: 5_400,
    maxReceiveCount: 3,
    batchSize: 1,
    maxBatchingWindowSeconds: 0,
    dlqRetentionDays: 14,
    consumerEntry: 'functions/export/queue/build-exports.ts',
    consumerTimeoutSeconds: 900,
  },
];

/** Lambda timeout for queue consumers; visibility timeout must stay ≥ 6× this. */
export const CONSUMER_TIMEOUT_SECONDS = 30;
