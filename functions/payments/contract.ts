import * as z from 'zod';
import { IsoTimestamp, OrgPath } from '../kernel/http/contract';

/** Payment methods (SetupIntents, the mirror list) and the Stripe webhook. */
const PaymentMethodPath = OrgPath.extend({
  id: z.string().regex(/^pm_[A-Za-z0-9_]{1,200}$/, 'a Stripe payment method id'),
});

export const SetupIntentResponse = z.object({
  id: z.string(),
  /** Confirm it with Stripe.js (`stripe.confirmCardSetup`); card data goes to Stripe, never to us. */
  client_secret: z.string(),
  customer_id: z.string(),
});

export const PaymentMethodResponse = z.object({
  id: z.string(),
  type: z.string(),
  brand: z.string().optional(),
  last4: z.string().optional(),
  exp_month: z.number().int().optional(),
  exp_year: z.number().int().optional(),
  is_default: z.boolean(),
  created_at: IsoTimestamp,
});

export const WebhookAck = z.object({
  received: z.literal(true),
  outcome: z.enum(['queued', 'duplicate', 'ignored']),
});

export const PAYMENTS_CONTRACT = {
  createSetupIntent: { params: OrgPath, responses: { 201: SetupIntentResponse } },
  listPaymentMethods: { params: OrgPath, responses: { 200: z.object({ data: z.array(PaymentMethodResponse) }) } },
  setDefaultPaymentMethod: { params: PaymentMethodPath, responses: { 200: PaymentMethodResponse } },
  removePaymentMethod: { params: PaymentMethodPath, responses: { 204: z.undefined() } },
  // No `body`: the signature is verified on the raw body, which must not be parsed first.
  receiveStripeWebhook: { responses: { 200: WebhookAck } },
} as const;
