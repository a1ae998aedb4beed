import type { Clock } from '../../kernel/clock';
import { businessRule, notFound } from '../../kernel/errors';
import type { Org } from '../../kernel/org';
import type { CallContext } from '../../kernel/ports';
import type { OrgStore } from '../../orgs/ports';
import type { PaidSubscriptionReader } from '../../subscriptions/ports';
import type { PaymentMethodMirror } from '../domain/payment-method';
import type { PaymentGateway, PaymentMethodReader, StripeCustomerStore } from '../ports';

/**
 * Payment methods through client-side tokenization: the server creates SetupIntents and manages the
 * customer's methods by id; card data never reaches it. The list is the mirror the reconciler keeps
 * from Stripe's webhooks, so a change made here shows once its event has been reconciled.
 */
export interface PaymentMethodDeps {
  readonly clock: Clock;
  readonly orgs: Pick<OrgStore, 'get'>;
  readonly paymentGateway: PaymentGateway;
  readonly stripeCustomers: StripeCustomerStore;
  readonly paymentMethods: PaymentMethodReader;
  readonly paidSubscriptions: PaidSubscriptionReader;
}

/**
 * The org's Stripe customer, created on first need. Concurrent first calls converge: Stripe answers
 * the same customer for the same idempotency key (`customer:<org>`), and the mapping is a conditional put.
 */
export async function ensureStripeCustomer(
  deps: Pick<PaymentMethodDeps, 'orgs' | 'paymentGateway' | 'stripeCustomers'>,
  orgId: string,
): Promise<string> {
  const known = await deps.stripeCustomers.customerOf(orgId);
  if (known) return known;
  const org = await requireOrg(deps, orgId);
  const customerId = await deps.paymentGateway.createCustomer({ orgId, name: org.name });
  return deps.stripeCustomers.link(orgId, customerId);
}

/**
 * Which request this is, for Stripe's idempotency: the client's Idempotency-Key when it sent one (a
 * client retry after a 5xx is then the same operation at Stripe too), else the request id (the SDK's
 * own retries reuse the key by themselves).
 */
export const requestKeyOf = (ctx: CallContext, clientKey: string | undefined): string =>
  clientKey ? `client:${clientKey}` : `request:${ctx.requestId ?? 'none'}`;

const operationKey = (requestKey: string, op: string, orgId: string, ...parts: string[]) =>
  [op, orgId, ...parts, requestKey].join(':');

export async function createSetupIntent(
  deps: Pick<PaymentMethodDeps, 'orgs' | 'paymentGateway' | 'stripeCustomers'>,
  requestKey: string,
  orgId: string,
): Promise<{ id: string; clientSecret: string; customerId: string }> {
  const customerId = await ensureStripeCustomer(deps, orgId);
  const intent = await deps.paymentGateway.createSetupIntent({
    customerId,
    orgId,
    idempotencyKey: operationKey(requestKey, 'setup_intent', orgId),
  });
  return { ...intent, customerId };
}

/**
 * The SetupIntent a replayed request answers with. Its client secret is a bearer credential for the
 * intent, so the Idempotency-Key record keeps only the intent's id and the secret is read again from
 * Stripe; an intent that is not the org's own customer's answers 404.
 */
export async function replaySetupIntent(
  deps: Pick<PaymentMethodDeps, 'paymentGateway' | 'stripeCustomers'>,
  orgId: string,
  setupIntentId: string,
): Promise<{ id: string; clientSecret: string; customerId: string }> {
  const [intent, customerId] = await Promise.all([
    deps.paymentGateway.retrieveSetupIntent(setupIntentId),
    deps.stripeCustomers.customerOf(orgId),
  ]);
  if (!intent || !customerId || intent.customerId !== customerId) {
    throw notFound('setup_intent_not_found', `setup intent ${setupIntentId} does not exist`);
  }
  return { id: intent.id, clientSecret: intent.clientSecret, customerId };
}

export async function listPaymentMethods(
  deps: Pick<PaymentMethodDeps, 'orgs' | 'paymentMethods'>,
  orgId: string,
): Promise<PaymentMethodMirror[]> {
  await requireOrg(deps, orgId);
  return deps.paymentMethods.list(orgId);
}

/** Makes a method the default at Stripe; the mirror follows when `customer.updated` is reconciled. */
export async function setDefaultPaymentMethod(
  deps: Pick<PaymentMethodDeps, 'orgs' | 'paymentGateway' | 'stripeCustomers' | 'paymentMethods'>,
  requestKey: string,
  orgId: string,
  paymentMethodId: string,
): Promise<PaymentMethodMirror> {
  const method = await requireMethod(deps, orgId, paymentMethodId);
  const customerId = await requireCustomer(deps, orgId);
  await deps.paymentGateway.setDefaultPaymentMethod(
    customerId,
    paymentMethodId,
    operationKey(requestKey, 'default_payment_method', orgId, paymentMethodId),
  );
  return { ...method, isDefault: true };
}

/**
 * Detaches a method at Stripe. The last method cannot go while a paid self-serve subscription is
 * active: it would leave the next invoice with nothing to charge.
 */
export async function removePaymentMethod(
  deps: Pick<PaymentMethodDeps, 'orgs' | 'paymentGateway' | 'stripeCustomers' | 'paymentMethods' | 'paidSubscriptions'>,
  orgId: string,
  paymentMethodId: string,
): Promise<void> {
  await requireMethod(deps, orgId, paymentMethodId);
  const methods = await deps.paymentMethods.list(orgId);
  if (methods.length <= 1 && (await deps.paidSubscriptions.hasActivePaidSelfServe(orgId))) {
    throw businessRule(
      'last_payment_method',
      'this is the only payment method of an active paid subscription: add another one first, or cancel the subscription',
    );
  }
  // Detaching the same method twice is the same operation: the key names only the method.
  await deps.paymentGateway.detachPaymentMethod(paymentMethodId, `detach:${orgId}:${paymentMethodId}`);
}

async function requireOrg(deps: Pick<PaymentMethodDeps, 'orgs'>, orgId: string): Promise<Org> {
  const org = await deps.orgs.get(orgId);
  if (!org) throw notFound('org_not_found', `organization ${orgId} does not exist`);
  return org;
}

async function requireCustomer(deps: Pick<PaymentMethodDeps, 'stripeCustomers'>, orgId: string): Promise<string> {
  const customerId = await deps.stripeCustomers.customerOf(orgId);
  if (!customerId) throw notFound('payment_method_not_found', 'the organization has no payment methods');
  return customerId;
}

/** Only methods in the org's own mirror can be acted on: an id of another org's card answers 404. */
async function requireMethod(
  deps: Pick<PaymentMethodDeps, 'orgs' | 'paymentMethods'>,
  orgId: string,
  paymentMethodId: string,
): Promise<PaymentMethodMirror> {
  await requireOrg(deps, orgId);
  const method = (await deps.paymentMethods.list(orgId)).find((m) => m.id === paymentMethodId);
  if (!method) throw notFound('payment_method_not_found', `payment method ${paymentMethodId} does not exist`);
  return method;
}
