import type { PaymentMethodMirror } from '../domain/payment-method';
import type { DisputeRecord } from '../domain/payments';

/** Domain (camelCase) → wire (snake_case); shapes are the response schemas in contract/payments.ts. */
export const encodePaymentMethod = (m: PaymentMethodMirror) => ({
  id: m.id,
  type: m.type,
  ...(m.brand !== undefined ? { brand: m.brand } : {}),
  ...(m.last4 !== undefined ? { last4: m.last4 } : {}),
  ...(m.expMonth !== undefined ? { exp_month: m.expMonth } : {}),
  ...(m.expYear !== undefined ? { exp_year: m.expYear } : {}),
  is_default: m.isDefault,
  created_at: m.createdAt,
});

/** What the billing export keeps of a payment method: display data only, never anything to pay with. */
export const encodePaymentMethodSummary = (m: PaymentMethodMirror) => ({
  id: m.id,
  brand: m.brand ?? null,
  last4: m.last4 ?? null,
  exp_month: m.expMonth ?? null,
  exp_year: m.expYear ?? null,
  is_default: m.isDefault,
});

export const encodeDispute = (d: DisputeRecord) => ({
  id: d.id,
  charge_id: d.chargeId,
  status: d.status,
  amount_minor: d.amountMinor,
  currency: d.currency,
  reason: d.reason ?? null,
  opened_at: d.openedAt,
  closed_at: d.closedAt ?? null,
});
