import type Stripe from 'stripe';
import { cardDetails, isTestCardId, TEST_CARDS } from './cards';
import { invalidRequest, missingParam, noSuch } from './errors';
import { previousAttributes } from './events';
import { now } from './ids';
import * as build from './objects';
import { mergeMetadata } from './params';
import { type ApiContext, route } from './router';
import { expand, paginate, snapshot } from './store';

/** Customers, payment methods and SetupIntents: saving a card for later, off-session use. */

const idOf = (ref: string | { id: string } | null | undefined) =>
  ref == null ? null : typeof ref === 'string' ? ref : ref.id;

const respond = (ctx: ApiContext, value: unknown) => expand(ctx.store, value, ctx.params.strings('expand'));

export function requireLiveCustomer(ctx: ApiContext, id: string, param = 'customer'): Stripe.Customer {
  const customer = ctx.store.customers.get(id);
  if (!customer) throw noSuch('customer', id, param);
  return customer;
}

/**
 * A payment method named in a request: an existing `pm_…`, or one of Stripe's test ids
 * (`pm_card_visa`), which — like Stripe — makes a new concrete payment method each time it is used.
 */
export function resolvePaymentMethod(ctx: ApiContext, id: string, param: string): Stripe.PaymentMethod {
  if (isTestCardId(id)) {
    const pm = build.paymentMethod(cardDetails(id, TEST_CARDS[id]!, now()));
    ctx.store.paymentMethods.insert(pm);
    ctx.store.paymentMethodTemplates.set(pm.id, id);
    return pm;
  }
  const pm = ctx.store.paymentMethods.get(id);
  if (!pm) throw noSuch('PaymentMethod', id, param);
  return pm;
}

export function attachPaymentMethod(ctx: ApiContext, pm: Stripe.PaymentMethod, customerId: string): void {
  const current = idOf(pm.customer);
  if (current === customerId) return;
  if (current) {
    throw invalidRequest(
      'The payment method you provided has already been attached to a customer.',
      'payment_method',
      'payment_method_unexpected_state',
    );
  }
  pm.customer = customerId;
  ctx.emit('payment_method.attached', pm);
}

function detachPaymentMethod(ctx: ApiContext, pm: Stripe.PaymentMethod): void {
  const customerId = idOf(pm.customer);
  if (!customerId) {
    throw invalidRequest(
      'The payment method you provided is not attached to a customer so detachment is impossible.',
      undefined,
      'payment_method_unexpected_state',
    );
  }
  pm.customer = null;
  ctx.emit('payment_method.detached', pm, { customer: customerId });
  // Stripe forgets a detached method as the customer's default: the customer changes too.
  const customer = ctx.store.customers.get(customerId);
  if (customer && idOf(customer.invoice_settings.default_payment_method) === pm.id) {
    const before = snapshot(customer);
    customer.invoice_settings.default_payment_method = null;
    ctx.emit('customer.updated', customer, previousAttributes(before, customer));
  }
}

function setDefaultPaymentMethod(ctx: ApiContext, customer: Stripe.Customer, pmId: string | null): void {
  if (pmId) {
    const pm = ctx.store.paymentMethods.get(pmId);
    // Stripe only accepts a method attached to this very customer as its default.
    if (!pm || idOf(pm.customer) !== customer.id) {
      throw invalidRequest(
        `The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`,
        'invoice_settings[default_payment_method]',
        'resource_missing',
      );
    }
  }
  customer.invoice_settings.default_payment_method = pmId;
}

function createCustomer(ctx: ApiContext) {
  const p = ctx.params;
  const customer = build.customer({
    name: p.string('name') ?? null,
    email: p.string('email') ?? null,
    description: p.string('description') ?? null,
    phone: p.string('phone') ?? null,
    metadata: mergeMetadata({}, p),
  });
  ctx.store.customers.insert(customer);
  // `payment_method` on create attaches it (a test id becomes a concrete method); it may then be named
  // as the default in the same call, by the id the caller knows.
  const pmParam = p.string('payment_method');
  const pm = pmParam ? resolvePaymentMethod(ctx, pmParam, 'payment_method') : undefined;
  if (pm) pm.customer = customer.id;
  const defaultPm = p.hash('invoice_settings')?.string('default_payment_method');
  if (defaultPm) setDefaultPaymentMethod(ctx, customer, defaultPm === pmParam && pm ? pm.id : defaultPm);
  ctx.emit('customer.created', customer);
  if (pm) ctx.emit('payment_method.attached', pm);
  return respond(ctx, customer);
}

function retrieveCustomer(ctx: ApiContext) {
  const id = ctx.pathParams.id!;
  if (ctx.store.deletedCustomers.has(id)) return { id, object: 'customer', deleted: true };
  return respond(ctx, ctx.store.customers.require(id));
}

function updateCustomer(ctx: ApiContext) {
  const customer = ctx.store.customers.require(ctx.pathParams.id!);
  const p = ctx.params;
  const before = snapshot(customer);
  for (const field of ['name', 'email', 'description', 'phone'] as const) {
    if (p.has(field)) customer[field] = p.string(field) ?? null;
  }
  customer.metadata = mergeMetadata(customer.metadata, p);
  const settings = p.hash('invoice_settings');
  if (settings?.has('default_payment_method')) {
    setDefaultPaymentMethod(ctx, customer, settings.string('default_payment_method') ?? null);
  }
  const previous = previousAttributes(before, customer);
  // Stripe emits customer.updated only when something actually changed.
  if (Object.keys(previous).length > 0) ctx.emit('customer.updated', customer, previous);
  return respond(ctx, customer);
}

function deleteCustomer(ctx: ApiContext) {
  const customer = ctx.store.customers.require(ctx.pathParams.id!);
  ctx.store.customers.delete(customer.id);
  ctx.store.deletedCustomers.add(customer.id);
  ctx.emit('customer.deleted', customer);
  return { id: customer.id, object: 'customer', deleted: true };
}

function listCustomers(ctx: ApiContext) {
  const email = ctx.params.string('email');
  const items = ctx.store.customers.newestFirst().filter((c) => !email || c.email === email);
  return respond(ctx, paginate(items, ctx.params, '/v1/customers'));
}

function listPaymentMethodsOf(ctx: ApiContext, customerId: string, url: string) {
  const type = ctx.params.string('type');
  const items = ctx.store.paymentMethods
    .newestFirst()
    .filter((pm) => idOf(pm.customer) === customerId && (!type || pm.type === type));
  return respond(ctx, paginate(items, ctx.params, url));
}

function createSetupIntent(ctx: ApiContext) {
  const p = ctx.params;
  const customerId = p.string('customer') ?? null;
  if (customerId) requireLiveCustomer(ctx, customerId);
  const intent = build.setupIntent({
    customer: customerId,
    usage: p.enumOf('usage', ['off_session', 'on_session']) ?? 'off_session',
    paymentMethodTypes: p.strings('payment_method_types'),
    description: p.string('description') ?? null,
    metadata: mergeMetadata({}, p),
  });
  ctx.store.setupIntents.insert(intent);
  ctx.emit('setup_intent.created', intent);
  const pmParam = p.string('payment_method');
  if (pmParam) {
    intent.payment_method = resolvePaymentMethod(ctx, pmParam, 'payment_method').id;
    intent.status = 'requires_confirmation';
  }
  if (p.boolean('confirm')) confirmSetupIntentWith(ctx, intent, null);
  return respond(ctx, intent);
}

function confirmSetupIntentWith(ctx: ApiContext, intent: Stripe.SetupIntent, pmParam: string | null) {
  if (intent.status !== 'requires_payment_method' && intent.status !== 'requires_confirmation') {
    throw invalidRequest(
      intent.status === 'succeeded'
        ? 'You cannot confirm this SetupIntent because it has already succeeded after being previously confirmed.'
        : `You cannot confirm this SetupIntent because it has a status of ${intent.status}.`,
      undefined,
      'setup_intent_unexpected_state',
    );
  }
  const pmId = pmParam ?? idOf(intent.payment_method);
  if (!pmId) throw missingParam('payment_method');
  const pm = pmParam ? resolvePaymentMethod(ctx, pmParam, 'payment_method') : ctx.store.paymentMethods.require(pmId);
  const customerId = idOf(intent.customer);
  // Confirming with a customer attaches the method to it. The declining test cards attach fine: they
  // fail when charged (Stripe's `chargeDeclined` family), not when saved.
  if (customerId) attachPaymentMethod(ctx, pm, customerId);
  intent.payment_method = pm.id;
  intent.status = 'succeeded';
  intent.latest_attempt = `setatt_${pm.id.slice(3)}`;
  ctx.emit('setup_intent.succeeded', intent);
}

function confirmSetupIntent(ctx: ApiContext) {
  const intent = ctx.store.setupIntents.require(ctx.pathParams.id!);
  confirmSetupIntentWith(ctx, intent, ctx.params.string('payment_method') ?? null);
  return respond(ctx, intent);
}

function cancelSetupIntent(ctx: ApiContext) {
  const intent = ctx.store.setupIntents.require(ctx.pathParams.id!);
  if (intent.status === 'succeeded' || intent.status === 'canceled') {
    throw invalidRequest(
      `You cannot cancel this SetupIntent because it has a status of ${intent.status}.`,
      undefined,
      'setup_intent_unexpected_state',
    );
  }
  intent.status = 'canceled';
  intent.cancellation_reason =
    ctx.params.enumOf('cancellation_reason', ['abandoned', 'duplicate', 'requested_by_customer']) ?? null;
  ctx.emit('setup_intent.canceled', intent);
  return respond(ctx, intent);
}

function updatePaymentMethod(ctx: ApiContext) {
  const pm = ctx.store.paymentMethods.require(ctx.pathParams.id!);
  const before = snapshot(pm);
  pm.metadata = mergeMetadata(pm.metadata ?? {}, ctx.params);
  const card = ctx.params.hash('card');
  if (card && pm.card) {
    const month = card.integer('exp_month');
    const year = card.integer('exp_year');
    if (month !== undefined) {
      if (month < 1 || month > 12) throw invalidRequest("Your card's expiration month is invalid.", 'card[exp_month]');
      pm.card.exp_month = month;
    }
    if (year !== undefined) pm.card.exp_year = year;
  }
  const billing = ctx.params.hash('billing_details');
  if (billing) {
    for (const field of ['name', 'email', 'phone'] as const) {
      if (billing.has(field)) pm.billing_details[field] = billing.string(field) ?? null;
    }
  }
  const previous = previousAttributes(before, pm);
  if (Object.keys(previous).length > 0) ctx.emit('payment_method.updated', pm, previous);
  return respond(ctx, pm);
}

export const customerRoutes = [
  route('POST', '/v1/customers', createCustomer),
  route('GET', '/v1/customers', listCustomers),
  route('GET', '/v1/customers/:id', retrieveCustomer),
  route('POST', '/v1/customers/:id', updateCustomer),
  route('DELETE', '/v1/customers/:id', deleteCustomer),
  route('GET', '/v1/customers/:id/payment_methods', (ctx) => {
    const customer = ctx.store.customers.require(ctx.pathParams.id!);
    return listPaymentMethodsOf(ctx, customer.id, `/v1/customers/${customer.id}/payment_methods`);
  }),
  route('POST', '/v1/setup_intents', createSetupIntent),
  route('GET', '/v1/setup_intents/:id', (ctx) => respond(ctx, ctx.store.setupIntents.require(ctx.pathParams.id!))),
  route('POST', '/v1/setup_intents/:id/confirm', confirmSetupIntent),
  route('POST', '/v1/setup_intents/:id/cancel', cancelSetupIntent),
  route('GET', '/v1/payment_methods', (ctx) => {
    const customerId = ctx.params.string('customer');
    if (!customerId) throw missingParam('customer');
    requireLiveCustomer(ctx, customerId);
    return listPaymentMethodsOf(ctx, customerId, '/v1/payment_methods');
  }),
  route('GET', '/v1/payment_methods/:id', (ctx) => respond(ctx, ctx.store.paymentMethods.require(ctx.pathParams.id!))),
  route('POST', '/v1/payment_methods/:id', updatePaymentMethod),
  route('POST', '/v1/payment_methods/:id/attach', (ctx) => {
    const customerId = ctx.params.requiredString('customer');
    requireLiveCustomer(ctx, customerId);
    const pm = resolvePaymentMethod(ctx, ctx.pathParams.id!, 'id');
    attachPaymentMethod(ctx, pm, customerId);
    return respond(ctx, pm);
  }),
  route('POST', '/v1/payment_methods/:id/detach', (ctx) => {
    const pm = ctx.store.paymentMethods.require(ctx.pathParams.id!);
    detachPaymentMethod(ctx, pm);
    return respond(ctx, pm);
  }),
];
