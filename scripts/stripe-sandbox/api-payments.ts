import type Stripe from 'stripe';
import { requireLiveCustomer, resolvePaymentMethod } from './api-customers';
import { TEST_CARDS } from './cards';
import { openDispute } from './disputes';
import { invalidRequest, missingParam, StripeApiError } from './errors';
import { AUTOMATIC } from './events';
import { nowSeconds } from './ids';
import * as build from './objects';
import { mergeMetadata } from './params';
import { type ApiContext, route } from './router';
import { expand, paginate, snapshot } from './store';

/** PaymentIntents and their charges: how a saved card is charged off-session. */

const idOf = (ref: string | { id: string } | null | undefined) =>
  ref == null ? null : typeof ref === 'string' ? ref : ref.id;
const respond = (ctx: ApiContext, value: unknown) => expand(ctx.store, value, ctx.params.strings('expand'));

/**
 * Charges `pm` for `pi` and records the outcome on both, with Stripe's events. A decline leaves a
 * failed charge, puts the PaymentIntent back to `requires_payment_method` (its payment_method is
 * cleared; `last_payment_error` keeps it) and throws Stripe's 402 `card_error`. `pm_card_createDispute`
 * succeeds, then the cardholder disputes it straight away (an automatic change: no request id).
 */
export function chargePaymentIntent(
  ctx: ApiContext,
  pi: Stripe.PaymentIntent,
  pm: Stripe.PaymentMethod,
): Stripe.Charge {
  const template = ctx.store.paymentMethodTemplates.get(pm.id);
  const outcome = (template && TEST_CARDS[template]?.outcome) || { kind: 'succeed' as const };
  if (outcome.kind === 'decline' || outcome.kind === 'authenticate') {
    const authenticate = outcome.kind === 'authenticate';
    const failure = authenticate
      ? {
          code: 'authentication_required',
          declineCode: 'authentication_required',
          message:
            'Your card was declined. This transaction requires authentication. The customer must complete it on-session.',
        }
      : { code: outcome.code ?? 'card_declined', declineCode: outcome.declineCode, message: outcome.message };
    const charge = ctx.store.charges.insert(build.charge({ pi, pm, failure }));
    const error = {
      type: 'card_error' as const,
      code: failure.code,
      decline_code: failure.declineCode,
      message: failure.message,
      charge: charge.id,
      doc_url: `https://stripe.com/docs/error-codes/${failure.code.replace(/_/g, '-')}`,
    };
    pi.latest_charge = charge.id;
    pi.last_payment_error = { ...error, payment_method: snapshot(pm) } as Stripe.PaymentIntent.LastPaymentError;
    ctx.emit('charge.failed', charge);
    if (authenticate) {
      // The cardholder can still authenticate (Stripe.js, or the hosted invoice page): the method stays.
      pi.status = 'requires_action';
      pi.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: {} } as Stripe.PaymentIntent.NextAction;
      ctx.emit('payment_intent.requires_action', pi);
    } else {
      pi.status = 'requires_payment_method';
      pi.payment_method = null;
      ctx.emit('payment_intent.payment_failed', pi);
    }
    throw new StripeApiError(402, { ...error, payment_intent: snapshot(pi), payment_method: snapshot(pm) });
  }
  const charge = ctx.store.charges.insert(build.charge({ pi, pm, failure: null }));
  pi.latest_charge = charge.id;
  pi.status = 'succeeded';
  pi.amount_received = pi.amount;
  pi.payment_method = pm.id;
  pi.last_payment_error = null;
  pi.next_action = null;
  ctx.emit('charge.succeeded', charge);
  ctx.emit('payment_intent.succeeded', pi);
  if (outcome.kind === 'dispute') {
    openDispute({ store: ctx.store, emit: (type, obj, prev) => ctx.events.emit(type, obj, AUTOMATIC, prev) }, charge);
  }
  return charge;
}

function checkCustomerMatch(pi: Stripe.PaymentIntent, pm: Stripe.PaymentMethod) {
  const owner = idOf(pm.customer);
  if (owner && owner !== idOf(pi.customer)) {
    throw invalidRequest(
      `The provided PaymentMethod ${pm.id} belongs to a different Customer than the one on this PaymentIntent.`,
      'payment_method',
    );
  }
}

function confirmWith(ctx: ApiContext, pi: Stripe.PaymentIntent, pmParam: string | null) {
  if (
    pi.status !== 'requires_payment_method' &&
    pi.status !== 'requires_confirmation' &&
    pi.status !== 'requires_action'
  ) {
    throw invalidRequest(
      `This PaymentIntent's payment_method could not be updated because it has a status of ${pi.status}. You may only update the payment_method of a PaymentIntent with one of the following statuses: requires_payment_method, requires_confirmation, requires_action.`,
      undefined,
      'payment_intent_unexpected_state',
    );
  }
  const pmId = pmParam ?? idOf(pi.payment_method);
  if (!pmId) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with a customer's saved payment method, update it with `payment_method`.",
      'payment_method',
      'payment_intent_unexpected_state',
    );
  }
  const pm = resolvePaymentMethod(ctx, pmId, 'payment_method');
  checkCustomerMatch(pi, pm);
  pi.payment_method = pm.id;
  chargePaymentIntent(ctx, pi, pm);
}

function createPaymentIntent(ctx: ApiContext) {
  const p = ctx.params;
  const amount = p.integer('amount');
  if (amount === undefined) throw missingParam('amount');
  // Stripe's floor is about 50 cents in the settlement currency.
  if (amount < 50) {
    throw invalidRequest('Amount must be at least $0.50 usd', 'amount', 'amount_too_small');
  }
  const currency = p.requiredString('currency').toLowerCase();
  const customerId = p.string('customer') ?? null;
  if (customerId) requireLiveCustomer(ctx, customerId);
  const pmParam = p.string('payment_method') ?? null;
  const pm = pmParam ? resolvePaymentMethod(ctx, pmParam, 'payment_method') : null;
  const pi = build.paymentIntent({
    amount,
    currency,
    customer: customerId,
    paymentMethod: pm?.id ?? null,
    description: p.string('description') ?? null,
    metadata: mergeMetadata({}, p),
    setupFutureUsage: p.enumOf('setup_future_usage', ['off_session', 'on_session']) ?? null,
    receiptEmail: p.string('receipt_email') ?? null,
  });
  if (pm) checkCustomerMatch(pi, pm);
  const pmTypes = p.strings('payment_method_types');
  if (pmTypes) pi.payment_method_types = pmTypes;
  ctx.store.paymentIntents.insert(pi);
  ctx.emit('payment_intent.created', pi);
  if (p.boolean('confirm')) confirmWith(ctx, pi, null);
  return respond(ctx, pi);
}

function cancelPaymentIntent(ctx: ApiContext) {
  const pi = ctx.store.paymentIntents.require(ctx.pathParams.id!);
  if (pi.status === 'succeeded' || pi.status === 'canceled') {
    throw invalidRequest(
      `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
      undefined,
      'payment_intent_unexpected_state',
    );
  }
  pi.status = 'canceled';
  pi.canceled_at = nowSeconds();
  pi.cancellation_reason =
    ctx.params.enumOf('cancellation_reason', ['abandoned', 'duplicate', 'fraudulent', 'requested_by_customer']) ?? null;
  ctx.emit('payment_intent.canceled', pi);
  return respond(ctx, pi);
}

export const paymentRoutes = [
  route('POST', '/v1/payment_intents', createPaymentIntent),
  route('GET', '/v1/payment_intents', (ctx) => {
    const customer = ctx.params.string('customer');
    const items = ctx.store.paymentIntents.newestFirst().filter((pi) => !customer || pi.customer === customer);
    return respond(ctx, paginate(items, ctx.params, '/v1/payment_intents'));
  }),
  route('GET', '/v1/payment_intents/:id', (ctx) => respond(ctx, ctx.store.paymentIntents.require(ctx.pathParams.id!))),
  route('POST', '/v1/payment_intents/:id/confirm', (ctx) => {
    const pi = ctx.store.paymentIntents.require(ctx.pathParams.id!);
    confirmWith(ctx, pi, ctx.params.string('payment_method') ?? null);
    return respond(ctx, pi);
  }),
  route('POST', '/v1/payment_intents/:id/cancel', cancelPaymentIntent),
  route('GET', '/v1/charges', (ctx) => {
    const customer = ctx.params.string('customer');
    const pi = ctx.params.string('payment_intent');
    const items = ctx.store.charges
      .newestFirst()
      .filter((c) => (!customer || c.customer === customer) && (!pi || c.payment_intent === pi));
    return respond(ctx, paginate(items, ctx.params, '/v1/charges'));
  }),
  route('GET', '/v1/charges/:id', (ctx) => respond(ctx, ctx.store.charges.require(ctx.pathParams.id!))),
];
