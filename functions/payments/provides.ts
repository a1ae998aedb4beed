import type { Kernel } from '../kernel/compose';
import { DynamoPaymentMethodCheck } from './adapters/payment-method-check';
import type { PaymentMethodCheck } from './ports';

/** Whether the org can pay (a default payment method on the mirror): subscriptions check it before a paid plan. */
export const paymentMethodCheck = (k: Kernel): PaymentMethodCheck =>
  new DynamoPaymentMethodCheck(k.db, k.config.tableName);
