import type { ExportSources } from '../export/ports';
import type { Kernel } from '../kernel/compose';
import { fromList, mapStream } from '../kernel/streams';
import { DynamoDisputeStore } from './adapters/dispute-store';
import { DynamoPaymentMethodCheck } from './adapters/payment-method-check';
import { DynamoPaymentMethodStore } from './adapters/payment-method-store';
import { encodeDispute, encodePaymentMethodSummary } from './http/encode';
import type { PaymentMethodCheck, PaymentMethodReader } from './ports';

/** Whether the org can pay (a default payment method on the mirror): subscriptions check it before a paid plan. */
export const paymentMethodCheck = (k: Kernel): PaymentMethodCheck =>
  new DynamoPaymentMethodCheck(k.db, k.config.tableName);

/** The org's payment methods as the mirror holds them (pay-now checks a named method is the org's). */
export const paymentMethodReader = (k: Kernel): PaymentMethodReader =>
  new DynamoPaymentMethodStore(k.db, k.config.tableName);

/** Payment-method summaries (brand, last4, expiry) and every dispute, as sections of the billing export. */
export function paymentExportSections(k: Kernel): Pick<ExportSources, 'payment_methods' | 'disputes'> {
  const methods = new DynamoPaymentMethodStore(k.db, k.config.tableName);
  const disputes = new DynamoDisputeStore(k.db, k.config.tableName);
  return {
    payment_methods: {
      read: (orgId) => fromList(methods.list(orgId).then((all) => all.map(encodePaymentMethodSummary))),
    },
    disputes: { read: (orgId) => mapStream(disputes.all(orgId), encodeDispute) },
  };
}
