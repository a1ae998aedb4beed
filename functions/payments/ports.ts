import type { TransactionPart } from '../kernel/ports';
import type { PaymentMethodMirror } from './domain/payment-method';
import type { GatewayCustomer, GatewayDispute, GatewayPaymentMethod } from './domain/payments';

/**
 * The payment gateway (Stripe, through the one adapter in adapters/stripe). Every write takes an
 * idempotency key derived from the domain operation, so a retried request or Lambda never does the
 * thing twice at Stripe. Errors: card declines → business_rule, outages → dependency_unavailable.
 */
export interface PaymentGateway {
  /** Creates the org's customer (`metadata.org_id`); the key `customer:<org>` makes it happen once. */
  createCustomer(input: { orgId: string; name: string }): Promise<string>;
  retrieveCustomer(customerId: string): Promise<GatewayCustomer | undefined>;
  /** An off-session SetupIntent on the customer; the front end confirms its client secret. */
  createSetupIntent(input: {
    customerId: string;
    orgId: string;
    idempotencyKey: string;
  }): Promise<{ id: string; clientSecret: string }>;
  /** A SetupIntent as Stripe has it now (its client secret is never stored by us: it is read again). */
  retrieveSetupIntent(
    setupIntentId: string,
  ): Promise<{ id: string; clientSecret: string; customerId: string | null } | undefined>;
  /** Card payment methods attached to the customer. */
  listPaymentMethods(customerId: string): Promise<GatewayPaymentMethod[]>;
  retrievePaymentMethod(paymentMethodId: string): Promise<GatewayPaymentMethod | undefined>;
  detachPaymentMethod(paymentMethodId: string, idempotencyKey: string): Promise<void>;
  /** Sets `invoice_settings.default_payment_method` on the customer. */
  setDefaultPaymentMethod(customerId: string, paymentMethodId: string, idempotencyKey: string): Promise<void>;
  /** The dispute with its charge's customer. */
  retrieveDispute(disputeId: string): Promise<GatewayDispute | undefined>;
}

/** Org ↔ Stripe customer (GSI1 lookup by customer id). */
export interface StripeCustomerStore {
  customerOf(orgId: string): Promise<string | undefined>;
  orgOf(customerId: string): Promise<string | undefined>;
  /** Records the mapping once; returns the customer id on record (the first writer's, if raced). */
  link(orgId: string, customerId: string): Promise<string>;
}

/**
 * Whether the org can pay: paid self-serve plans need a default payment method (the payment-method
 * mirror's `isDefault`). Implemented in adapters/dynamo over the mirror items.
 */
export interface PaymentMethodCheck {
  hasDefaultPaymentMethod(orgId: string): Promise<boolean>;
}

/** The payment-method mirror, as the routes read it. */
export interface PaymentMethodReader {
  list(orgId: string): Promise<PaymentMethodMirror[]>;
}

/** The org's Stripe customer, as the collection capability needs it (invoices are created on it). */
export interface StripeCustomerAccounts {
  customerOf(orgId: string): Promise<string | undefined>;
  /** The customer on record, else created once (`customer:<org>`) and linked. */
  ensureCustomer(orgId: string): Promise<string>;
}

/** A Stripe event as the reconciler reads it (the queue carries Stripe's JSON unchanged). */
export interface StripeEventEnvelope {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly data: { readonly object: Record<string, unknown>; readonly previous_attributes?: Record<string, unknown> };
}

/**
 * The event's inbox record, handed to the capability that applies the event: it finishes the record in
 * the same transaction as its effect (`part`; the transaction fails if the event was applied already),
 * or alone when there is no effect to commit (`finish`; false when already finished).
 */
export interface InboxHandOff {
  part(outcome: { readonly status: 'handled'; readonly orgId: string }): TransactionPart;
  finish(outcome: {
    readonly status: 'superseded' | 'ignored' | 'failed';
    readonly orgId?: string;
    readonly code?: string;
  }): Promise<boolean>;
}

export type HandOffOutcome = 'applied' | 'superseded' | 'ignored' | 'failed' | 'duplicate';

/**
 * HAND-OFF: `invoice.*` and `payment_intent.*` events are applied by the collection capability (wired
 * in compose-stripe.ts), exactly once through the inbox record it is handed.
 */
export interface InvoiceEventHandler {
  handle(event: StripeEventEnvelope, inbox: InboxHandOff): Promise<HandOffOutcome>;
}
