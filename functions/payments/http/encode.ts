import type { PaymentMethodMirror } from '../domain/payment-method';

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
