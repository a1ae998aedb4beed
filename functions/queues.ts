/**
 * The queues of the product, as pure data shared by CDK, the local SQS set-up and the local pollers,
 * so both sides redrive and batch identically.
 */
export interface QueueDefinition {
  readonly id: 'usage' | 'stripeEvents';
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
];

/** Lambda timeout for queue consumers; visibility timeout must stay ≥ 6× this. */
export const CONSUMER_TIMEOUT_SECONDS = 30;
