import { compositionRoot, type Kernel } from '../kernel/compose';
import { noticeOutbox } from '../notices/provides';
import { DynamoDunningStore } from './adapters/dunning-store';

/** The dunning capability: conditional transitions on the billing status, and notices to the contacts. */
export function buildDunningDeps(k: Kernel) {
  return {
    clock: k.clock,
    ids: k.ids,
    billingStatus: k.billingStatus,
    dunning: new DynamoDunningStore(k.db, k.config.tableName),
    notices: noticeOutbox(k),
  };
}
export type DunningDeps = ReturnType<typeof buildDunningDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildDunningDeps);
