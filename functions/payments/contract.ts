import * as z from 'zod';
import { IsoTimestamp, MinorUnits, OrgPath } from '../kernel/http/contract';

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

export const PaymentMethodSummary = z.strictObject({
  id: z.string(),
  brand: z.string().nullable(),
  last4: z.string().nullable(),
  exp_month: z.number().int().nullable(),
  exp_year: z.number().int().nullable(),
  is_default: z.boolean(),
});

export const DisputeWire = z.object({
  id: z.string(),
  charge_id: z.string(),
  status: z.string().describe("Stripe's dispute status (needs_response, under_review, won, lost, …)"),
  amount_minor: MinorUnits,
  currency: z.string(),
  reason: z.string().nullable(),
  opened_at: IsoTimestamp,
  closed_at: IsoTimestamp.nullable(),
});

/** The sections of the billing export this capability contributes, with their schemas. */
export const PAYMENTS_EXPORT_SECTIONS = { payment_methods: PaymentMethodSummary, disputes: DisputeWire } as const;
