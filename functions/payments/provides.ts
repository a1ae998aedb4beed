import type { Kernel } from '../kernel/compose';
import { DynamoPaymentMethodCheck } from './adapters/payment-method-check';
import { DynamoPaymentMethodStore } from './adapters/payment-method-store';
import type { PaymentMethodCheck, PaymentMethodReader } from './ports';

/** Whether the org can pay (a default payment method on the mirror): subscriptions check it before a paid plan. */
export const paymentMethodCheck = (k: Kernel): PaymentMethodCheck =>
  new DynamoPaymentMethodCheck(k.db, k.config.tableName);

/** The org's payment methods as the mirror holds them (pay-now checks a named method is the org's). */
export const paymentMethodReader = (k: Kernel): PaymentMethodReader =>
  new DynamoPaymentMethodStore(k.db, k.config.tableName);
