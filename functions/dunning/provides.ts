import type { Kernel } from '../kernel/compose';
import { noticeOutbox } from '../notices/provides';
import { DynamoDunningStore } from './adapters/dunning-store';
import { recordPaymentFailure, recordPaymentSuccess } from './app/dunning';
import type { PaymentStanding } from './ports';

/** The payment standing the collection capability moves: failures start dunning, payments end it. */
export function paymentStanding(k: Kernel): PaymentStanding {
  const deps = {
    clock: k.clock,
    ids: k.ids,
    billingStatus: k.billingStatus,
    dunning: new DynamoDunningStore(k.db, k.config.tableName),
    notices: noticeOutbox(k),
  };
  return {
    paymentFailed: (orgId, ctx, at) => recordPaymentFailure(deps, ctx, orgId, at),
    paymentSucceeded: (orgId, ctx, at) => recordPaymentSuccess(deps, ctx, orgId, at),
  };
}
