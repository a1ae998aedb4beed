import { systemActor } from '../../kernel/audit';
import { settle } from '../domain/subscription';
import { cancelSubscription } from './cancel-subscription';
import type { SubscriptionDeps } from './subscription-common';

/**
 * A contract took over: the org's active self-serve subscription is canceled now (the unused flat fee
 * credited on the next invoice), recorded as the contract's doing. Idempotent: no active subscription,
 * nothing to do.
 */
export async function endForContract(deps: SubscriptionDeps, orgId: string, contractId: string): Promise<void> {
  const stored = await deps.subscriptions.get(orgId);
  if (!stored || settle(stored, deps.clock.now()).subscription.status !== 'active') return;
  await cancelSubscription(deps, { actor: systemActor(`contract:${contractId}`) }, { orgId, atPeriodEnd: false });
}
