import { nonPaymentEnforcement } from '../collection/provides';
import { compositionRoot, type Kernel } from '../kernel/compose';
import { noticeOutbox } from '../notices/provides';
import { DynamoDunningStore } from './adapters/dunning-store';

/**
 * The dunning capability: conditional transitions on the billing status, notices to the contacts, and
 * the non-payment enforcement when an org reaches `canceled` (collection's, through its provides.ts).
 */
export function buildDunningDeps(k: Kernel) {
  return {
    clock: k.clock,
    ids: k.ids,
    billingStatus: k.billingStatus,
    dunning: new DynamoDunningStore(k.db, k.config.tableName),
    notices: noticeOutbox(k),
    // `canceled` ends the paid subscription and writes off the open invoices (collection).
    nonPayment: nonPaymentEnforcement(k),
  };
}
export type DunningDeps = ReturnType<typeof buildDunningDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildDunningDeps);
