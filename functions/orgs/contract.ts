import * as z from 'zod';
import { DUNNING_STATES } from '../kernel/billing-status';
import { CurrencyCode, IsoTimestamp, MinorUnits, OrgPath } from '../kernel/http/contract';

export const ProvisionOrgRequest = z.strictObject({
  name: z.string().trim().min(1).max(200),
  default_currency: CurrencyCode,
});
export const OrgResponse = z.object({
  id: z.string(),
  name: z.string(),
  default_currency: z.string(),
  created_at: IsoTimestamp,
  updated_at: IsoTimestamp,
  version: z.number().int(),
});

export const BillingStatusResponse = z.object({
  org_id: z.string(),
  dunning_state: z.enum(DUNNING_STATES),
  dunning_entered_at: IsoTimestamp.nullable(),
  freeze_reasons: z.array(z.string()),
  new_spend_allowed: z.boolean(),
  disputes: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      amount_minor: MinorUnits,
      currency: z.string(),
      reason: z.string().optional(),
      opened_at: IsoTimestamp,
      closed_at: IsoTimestamp.optional(),
    }),
  ),
  updated_at: IsoTimestamp,
});

export const ORGS_CONTRACT = {
  provisionOrg: { params: OrgPath, body: ProvisionOrgRequest, responses: { 200: OrgResponse, 201: OrgResponse } },
  getOrg: { params: OrgPath, responses: { 200: OrgResponse } },
  getBillingStatus: { params: OrgPath, responses: { 200: BillingStatusResponse } },
} as const;

/** The sections of the billing export this capability contributes, with their schemas. */
export const ORGS_EXPORT_SECTIONS = { org: OrgResponse, billing_status: BillingStatusResponse } as const;
