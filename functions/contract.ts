import { API_CONTRACT } from './api/contract';
import { AUDIT_CONTRACT } from './audit/contract';
import { COLLECTION_CONTRACT } from './collection/contract';
import { CONTRACTS_CONTRACT } from './contracts/contract';
import { EXPORT_CONTRACT } from './export/contract';
import { INVOICING_CONTRACT } from './invoicing/contract';
import type { RouteContract } from './kernel/http/contract';
import { CONTACTS_CONTRACT } from './notices/contract';
import { ORGS_CONTRACT } from './orgs/contract';
import { PAYMENTS_CONTRACT } from './payments/contract';
import { SUBSCRIPTIONS_CONTRACT } from './subscriptions/contract';
import { USAGE_CONTRACT } from './usage/contract';

/**
 * The HTTP contract of every route, by route id: each capability's `contract.ts`, spread here. The
 * OpenAPI document and the route-table test read this map; a handler imports only its own
 * capability's contract, so its bundle carries no other capability's schemas.
 */
export const CONTRACT = {
  ...API_CONTRACT,
  ...ORGS_CONTRACT,
  ...AUDIT_CONTRACT,
  ...CONTACTS_CONTRACT,
  ...PAYMENTS_CONTRACT,
  ...SUBSCRIPTIONS_CONTRACT,
  ...USAGE_CONTRACT,
  ...INVOICING_CONTRACT,
  ...CONTRACTS_CONTRACT,
  ...COLLECTION_CONTRACT,
  ...EXPORT_CONTRACT,
} as const satisfies Record<string, RouteContract>;

export type RouteId = keyof typeof CONTRACT;
