import { DynamoAuditLog } from '../audit/adapters/audit-log';
import { DynamoDunningStore } from '../dunning/adapters/dunning-store';
import { FileNoticeSender } from '../notices/adapters/file-sender';
import { DynamoNoticeStore } from '../notices/adapters/notice-store';
import { SesNoticeSender } from '../notices/adapters/ses-sender';
import { DynamoOrgStore } from '../orgs/adapters/org-store';
import { DynamoDisputeStore } from '../payments/adapters/dispute-store';
import { DynamoPaymentMethodCheck } from '../payments/adapters/payment-method-check';
import { DynamoPaymentMethodStore } from '../payments/adapters/payment-method-store';
import { DynamoStripeCustomerStore } from '../payments/adapters/stripe-customer-store';
import { DynamoStripeEventInbox } from '../payments/adapters/stripe-event-inbox';
import { SqsStripeEventQueue } from '../payments/adapters/stripe-event-queue';
import { StripePaymentGateway } from '../payments/adapters/stripe-gateway';
import { DynamoSubscriptionStore } from '../subscriptions/adapters/subscription-store';
import { SubscriptionTermsReader } from '../subscriptions/app/subscription-terms';
import { DynamoUsageStore } from '../usage/adapters/usage-store';
import { getUsageSummary, totalsPerMeterModel, type UsageSummaryDeps } from '../usage/app/usage-summary';
import { acceleratedClock, type Clock, systemClock } from './clock';
import { loadConfig, type RuntimeConfig } from './config';
import { DynamoBillingStatusStore } from './dynamo/billing-status-store';
import { createDocumentClient } from './dynamo/client';
import { DynamoFreezeReasonStore } from './dynamo/freeze-gate-store';
import { DynamoIdempotencyStore } from './dynamo/idempotency-store';
import { dependencyUnavailable } from './errors';
import { ulidGenerator } from './ids';
import type {
  CoreDeps,
  NoticeSender,
  PaidSubscriptionReader,
  PaymentGateway,
  PaymentMethodCheck,
  TermsReader,
  UsageSummaryReader,
} from './ports';
import { createSqsClient } from './sqs/client';
import { stripeClientProvider } from './stripe/client';

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
