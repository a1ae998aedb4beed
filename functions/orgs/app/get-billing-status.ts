import { type BillingStatus, newSpendAllowed } from '../../kernel/billing-status';
import { notFound } from '../../kernel/errors';
import type { BillingStatusReader } from '../../kernel/ports';

export interface BillingStatusView extends BillingStatus {
  newSpendAllowed: boolean;
}

export async function getBillingStatus(
  deps: { billingStatus: BillingStatusReader },
  orgId: string,
): Promise<BillingStatusView> {
  const status = await deps.billingStatus.get(orgId);
  if (!status) throw notFound('org_not_found', `organization ${orgId} does not exist`);
  return { ...status, newSpendAllowed: newSpendAllowed(status) };
}
