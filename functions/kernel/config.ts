/**
 * The only module that reads process.env. Locally and on AWS the same variables are read; locally they
 * point at DynamoDB Local, fauxqs and the Stripe sandbox, on AWS at the real services. There is no
 * other difference between the two.
 */
export interface RuntimeConfig {
  readonly region: string;
  readonly tableName: string;
  /** Set only locally (DynamoDB Local). */
  readonly dynamodbEndpoint?: string;
  /** Set only locally (fauxqs). */
  readonly sqsEndpoint?: string;
  readonly usageQueueUrl?: string;
  readonly stripeEventsQueueUrl?: string;
  /** The queue billing exports are built from. */
  readonly exportsQueueUrl?: string;
  /** The private bucket billing export documents are written to (expire after 7 days). */
  readonly exportsBucket?: string;
  /** Set only locally (the S3 endpoint of the same fauxqs process); path-style addressing then. */
  readonly s3Endpoint?: string;
  /** How long `GET …/export` holds a request open while the export builds, before answering 503 + Retry-After. */
  readonly exportHoldSeconds: number;
  /** Stripe secret key, given directly (local, tests) … */
  readonly stripeSecretKey?: string;
  /** … or by Secrets Manager ARN (the deployed stack). */
  readonly stripeSecretArn?: string;
  /** Base URL of the local Stripe sandbox, e.g. http://127.0.0.1:12111; unset means api.stripe.com. */
  readonly stripeApiUrl?: string;
  /** Webhook signing secrets; several during a rotation (comma-separated). */
  readonly stripeWebhookSecrets: readonly string[];
  readonly stripeWebhookSecretArn?: string;
  /** Local notice sender writes each message as a file here. */
  readonly notificationsDir?: string;
  /** SES sender identity (deployed stack). */
  readonly sesFromAddress?: string;
  /** Local demo: the clock runs this many times faster than real time. */
  readonly clockFactor: number;
  /** Local: the product clock starts at this instant (ISO) instead of now. */
  readonly clockStart?: string;
  /**
   * Local: the real instant (epoch ms) at which the product clock read `clockStart`. Every process of
   * the local runtime (the handlers, the Stripe sandbox) gets the same one, so their clocks agree to the
   * millisecond: Stripe's timestamps (a charge's `created`) fall where the product's do.
   */
  readonly clockAnchorMs?: number;
  /** How long after a period ends its invoice waits for late usage events (drafts meanwhile). */
  readonly lateGraceSeconds: number;
  /**
   * Caps on the platform's mail per org (every org shares the account's SES quota): billing contacts
   * per org, and notices recorded per org per UTC day (past it they are recorded as `suppressed`).
   */
  readonly maxContactsPerOrg: number;
  readonly maxNoticesPerOrgPerDay: number;
  /** Per-org budget of the expensive reads (usage report, costs) per minute; past it, 429. */
  readonly expensiveReadsPerMinute: number;
}

const positiveInt = (raw: string | undefined, fallback: number): number => {
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
};

const optional = (name: string): string | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const get = (name: string) => (env === process.env ? optional(name) : env[name] || undefined);
  const cfg: RuntimeConfig = {
    region: get('AWS_REGION') ?? 'us-east-1',
    tableName: get('TABLE_NAME') ?? 'billing',
    dynamodbEndpoint: get('DYNAMODB_ENDPOINT'),
    sqsEndpoint: get('SQS_ENDPOINT'),
    usageQueueUrl: get('USAGE_QUEUE_URL'),
    stripeEventsQueueUrl: get('STRIPE_EVENTS_QUEUE_URL'),
    exportsQueueUrl: get('EXPORTS_QUEUE_URL'),
    exportsBucket: get('EXPORTS_BUCKET'),
    s3Endpoint: get('S3_ENDPOINT'),
    exportHoldSeconds: positiveInt(get('EXPORT_HOLD_SECONDS'), 5),
    stripeSecretKey: get('STRIPE_SECRET_KEY'),
    stripeSecretArn: get('STRIPE_SECRET_ARN'),
    stripeApiUrl: get('STRIPE_API_URL'),
    stripeWebhookSecrets: (get('STRIPE_WEBHOOK_SECRETS') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    stripeWebhookSecretArn: get('STRIPE_WEBHOOK_SECRET_ARN'),
    notificationsDir: get('NOTIFICATIONS_DIR'),
    sesFromAddress: get('SES_FROM_ADDRESS'),
    clockFactor: Number(get('CLOCK_FACTOR') ?? '1'),
    clockStart: get('CLOCK_START'),
    ...(get('CLOCK_ANCHOR_MS') ? { clockAnchorMs: Number(get('CLOCK_ANCHOR_MS')) } : {}),
    lateGraceSeconds: Number(get('LATE_GRACE_SECONDS') ?? '3600'),
    maxContactsPerOrg: positiveInt(get('NOTICE_MAX_CONTACTS_PER_ORG'), 25),
    maxNoticesPerOrgPerDay: positiveInt(get('NOTICE_MAX_PER_ORG_PER_DAY'), 100),
    expensiveReadsPerMinute: positiveInt(get('RATE_LIMIT_EXPENSIVE_READS_PER_MINUTE'), 30),
  };
  return cfg;
}
