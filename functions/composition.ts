import { DynamoAuditLog } from './adapters/dynamo/audit-log';
import { DynamoBillingStatusStore } from './adapters/dynamo/billing-status-store';
import { createDocumentClient } from './adapters/dynamo/client';
import { DynamoDisputeStore } from './adapters/dynamo/dispute-store';
import { DynamoDunningStore } from './adapters/dynamo/dunning-store';
import { DynamoIdempotencyStore } from './adapters/dynamo/idempotency-store';
import { DynamoNoticeStore } from './adapters/dynamo/notice-store';
import { DynamoOrgStore } from './adapters/dynamo/org-store';
import { DynamoPaymentMethodStore } from './adapters/dynamo/payment-method-store';
import { DynamoStripeCustomerStore } from './adapters/dynamo/stripe-customer-store';
import { DynamoStripeEventInbox } from './adapters/dynamo/stripe-event-inbox';
import { FileNoticeSender } from './adapters/notifications/file-sender';
import { SesNoticeSender } from './adapters/notifications/ses-sender';
import { createSqsClient } from './adapters/sqs/client';
import { SqsStripeEventQueue } from './adapters/sqs/stripe-event-queue';
import { stripeClientProvider } from './adapters/stripe/client';
import { StripePaymentGateway } from './adapters/stripe/stripe-gateway';
import { ulidGenerator } from './adapters/system/ids';
import type { CoreDeps, NoticeSender, PaidSubscriptionReader, PaymentGateway } from './app/ports';
import { loadConfig, type RuntimeConfig } from './config';
import { acceleratedClock, type Clock, systemClock } from './domain/clock';
import { dependencyUnavailable } from './domain/errors';

/**
 * Builds the real dependencies once per cold start (module scope survives between invocations of a
 * warm Lambda, and the local runtime imports each handler once). Handlers call `deps()`; tests may
 * call `buildDeps` with their own config or clock.
 */
export interface Deps extends CoreDeps {
  readonly config: RuntimeConfig;
  readonly db: ReturnType<typeof createDocumentClient>;
  readonly idempotency: DynamoIdempotencyStore;
  readonly sqs: ReturnType<typeof createSqsClient>;
  // Payments (Stripe): gateway, customer links, payment-method mirror, disputes, webhook inbox + queue.
  readonly paymentGateway: PaymentGateway;
  readonly stripeCustomers: DynamoStripeCustomerStore;
  readonly paymentMethods: DynamoPaymentMethodStore;
  readonly paymentMethodMirror: DynamoPaymentMethodStore;
  readonly disputes: DynamoDisputeStore;
  readonly inbox: DynamoStripeEventInbox;
  readonly stripeEventQueue: SqsStripeEventQueue;
  readonly paidSubscriptions: PaidSubscriptionReader;
  // Contacts and the notice outbox (one store), and the sender that delivers notices.
  readonly notices: DynamoNoticeStore;
  readonly contacts: DynamoNoticeStore;
  readonly noticeSender: NoticeSender;
  readonly dunning: DynamoDunningStore;
}

/**
 * Until the subscriptions capability wires its store here, no org has a paid subscription, so the
 * last-payment-method rule never blocks. Replace with the subscription store's implementation.
 */
const noPaidSubscriptionsYet: PaidSubscriptionReader = { hasActivePaidSelfServe: async () => false };

/** Locally a file per message; on AWS, SES. Without either, notices stay pending (and visible). */
function noticeSenderFor(config: RuntimeConfig): NoticeSender {
  if (config.notificationsDir) return new FileNoticeSender(config.notificationsDir);
  if (config.sesFromAddress) return new SesNoticeSender(config.sesFromAddress, config.region);
  return {
    send: async () => {
      throw dependencyUnavailable('email_not_configured', 'no notice sender is configured');
    },
  };
}

export function buildDeps(config: RuntimeConfig = loadConfig(), clock?: Clock): Deps {
  const db = createDocumentClient(config);
  const table = config.tableName;
  const sqs = createSqsClient(config);
  const paymentMethods = new DynamoPaymentMethodStore(db, table);
  const theClock = clock ?? (config.clockFactor !== 1 ? acceleratedClock(config.clockFactor) : systemClock);
  const ids = ulidGenerator();
  const notices = new DynamoNoticeStore(db, table, theClock, ids);
  return {
    config,
    db,
    clock: theClock,
    ids,
    orgs: new DynamoOrgStore(db, table),
    billingStatus: new DynamoBillingStatusStore(db, table),
    audit: new DynamoAuditLog(db, table),
    idempotency: new DynamoIdempotencyStore(db, table),
    sqs,
    paymentGateway: new StripePaymentGateway(stripeClientProvider(config)),
    stripeCustomers: new DynamoStripeCustomerStore(db, table),
    paymentMethods,
    paymentMethodMirror: paymentMethods,
    disputes: new DynamoDisputeStore(db, table),
    inbox: new DynamoStripeEventInbox(db, table),
    stripeEventQueue: new SqsStripeEventQueue(sqs, config.stripeEventsQueueUrl),
    paidSubscriptions: noPaidSubscriptionsYet,
    notices,
    contacts: notices,
    noticeSender: noticeSenderFor(config),
    dunning: new DynamoDunningStore(db, table),
  };
}

let cached: Deps | undefined;

export function deps(): Deps {
  cached ??= buildDeps();
  return cached;
}

/** Tests replace the process-wide dependencies (e.g. to inject a clock) and restore them after. */
export function setDepsForTesting(next: Deps | undefined): void {
  cached = next;
}
