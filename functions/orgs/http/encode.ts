import type { Org } from '../../kernel/org';
import type { BillingStatusView } from '../app/get-billing-status';

/** Domain (camelCase) → wire (snake_case). The shapes are the response schemas in orgs/contract.ts. */
export const encodeOrg = (org: Org) => ({
  id: org.id,
  name: org.name,
  default_currency: org.defaultCurrency,
  created_at: org.createdAt,
  updated_at: org.updatedAt,
  version: org.version,
});

export const encodeBillingStatus = (s: BillingStatusView) => ({
  org_id: s.orgId,
  dunning_state: s.dunningState,
  dunning_entered_at: s.dunningEnteredAt,
  freeze_reasons: [...s.freezeReasons],
  new_spend_allowed: s.newSpendAllowed,
  disputes: s.disputes.map((d) => ({
    id: d.id,
    status: d.status,
    amount_minor: d.amountMinor,
    currency: d.currency,
    ...(d.reason ? { reason: d.reason } : {}),
    opened_at: d.openedAt,
    ...(d.closedAt ? { closed_at: d.closedAt } : {}),
  })),
  updated_at: s.updatedAt,
});
