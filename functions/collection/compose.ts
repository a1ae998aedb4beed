import { compositionRoot, type Kernel } from '../kernel/compose';
import { DynamoReconciliationStore } from './adapters/reconciliation-store';

/**
 * The collection capability without Stripe: the drift reports, for the route that shows them. What
 * charges, retries, mirrors and reconciles with Stripe composes from compose-stripe.ts.
 */
export function buildCollectionDeps(k: Kernel) {
  return { reports: new DynamoReconciliationStore(k.db, k.config.tableName) };
}
export type CollectionReadDeps = ReturnType<typeof buildCollectionDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildCollectionDeps);
