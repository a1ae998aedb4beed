import { DynamoAuditLog } from './adapters/dynamo/audit-log';
import { DynamoBillingStatusStore } from './adapters/dynamo/billing-status-store';
import { createDocumentClient } from './adapters/dynamo/client';
import { DynamoDisputeStore } from './adapters/dynamo/dispute-store';
import { DynamoDunningStore } from './adapters/dynamo/dunning-store';
import { DynamoFreezeReasonStore } from './adapters/dynamo/freeze-gate-store';
import { DynamoIdempotencyStore } from './adapters/dynamo/idempotency-store';
import { DynamoNoticeStore } from './adapters/dynamo/notice-store';
import { DynamoOrgStore } from './adapters/dynamo/org-store';
import { DynamoPaymentMethodCheck } from './adapters/dynamo/payment-method-check';
import { DynamoPaymentMethodStore } from './adapters/dynamo/payment-method-store';
import { DynamoStripeCustomerStore } from './adapters/dynamo/stripe-customer-store';
import { DynamoStripeEventInbox } from './adapters/dynamo/stripe-event-inbox';
import { DynamoSubscriptionStore } from './adapters/dynamo/subscription-store';
import { DynamoUsageStore } from './adapters/dynamo/usage-store';
import { FileNoticeSender } from './adapters/notifications/file-sender';
import { SesNoticeSender } from './adapters/notifications/ses-sender';
import { createSqsClient } from './adapters/sqs/client';
import { SqsStripeEventQueue } from './adapters/sqs/stripe-event-queue';
import { stripeClientProvider } from './adapters/stripe/client';
import { StripePaymentGateway } from './adapters/stripe/stripe-gateway';
import { ulidGenerator } from './adapters/system/ids';
import type {
  CoreDeps,
  NoticeSender,
  PaidSubscriptionReader,
  PaymentGateway,
  PaymentMethodCheck,
  TermsReader,
  UsageSummaryReader,
} from './app/ports';
import { SubscriptionTermsReader } from './app/subscription-terms';
import { getUsageSummary, totalsPerMeterModel, type UsageSummaryDeps } from './app/usage-summary';
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
  // Subscriptions: the store, the terms timeline usage is rated under, the payment-method check, the
  // freeze gate's writer, and the usage summary shown with the subscription.
  readonly subscriptions: DynamoSubscriptionStore;
  readonly terms: TermsReader;
  readonly paymentMethodCheck: PaymentMethodCheck;
  readonly freezeReasons: DynamoFreezeReasonStore;
  readonly usageSummary: UsageSummaryReader;
  readonly dunning: DynamoDunningStore;
}

/** The usage capability's real-time summary of the current period, as the subscription shows it. */
function usageSummaryReader(deps: UsageSummaryDeps): UsageSummaryReader {
  return {
    currentPeriod: async (orgId) => {
      const summary = await getUsageSummary(deps, orgId);
      return {
        currency: summary.rating.currency,
        periodKey: summary.period.key,
        asOf: summary.asOf,
        // One entry per meter and model: the stretches of the period (see the usage summary) summed.
        meters: totalsPerMeterModel(summary.rating.lines),
        totalMinor: summary.rating.totalMinor,
      };
    },
  };
}

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
  const orgs = new DynamoOrgStore(db, table);
  const subscriptions = new DynamoSubscriptionStore(db, table);
  const terms = new SubscriptionTermsReader({ clock: theClock, orgs, subscriptions });
  return {
    config,
    db,
    clock: theClock,
    ids,
    orgs,
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
    paidSubscriptions: terms,
    notices,
    contacts: notices,
    noticeSender: noticeSenderFor(config),
    subscriptions,
    terms,
    paymentMethodCheck: new DynamoPaymentMethodCheck(db, table),
    freezeReasons: new DynamoFreezeReasonStore(db, table),
    usageSummary: usageSummaryReader({ clock: theClock, orgs, terms, usageReader: new DynamoUsageStore(db, table) }),
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
