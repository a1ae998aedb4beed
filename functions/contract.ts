import type { z } from 'zod';
import { CONTACTS_CONTRACT } from './notices/contract';
import { CORE_CONTRACT } from './orgs/contract';
import { PAYMENTS_CONTRACT } from './payments/contract';
import { SUBSCRIPTIONS_CONTRACT } from './subscriptions/contract';
import { USAGE_CONTRACT } from './usage/contract';

/**
 * The HTTP contract per route id: zod schemas for path params, query, body and responses. Handlers
 * decode with these, and the OpenAPI document is generated from them, so the two cannot drift.
 * Each capability adds its own `<capability>.ts` and spreads it here.
 */
export interface RouteContract {
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** By status code. Error responses are the shared problem body. */
  readonly responses: Readonly<Record<number, z.ZodType>>;
  /** Extra content types the route can answer with (e.g. text/csv). */
  readonly alsoProduces?: readonly string[];
}

export const CONTRACT = {
  ...CORE_CONTRACT,
  ...CONTACTS_CONTRACT,
  ...PAYMENTS_CONTRACT,
  ...SUBSCRIPTIONS_CONTRACT,
  ...USAGE_CONTRACT,
} as const satisfies Record<string, RouteContract>;

export type RouteId = keyof typeof CONTRACT;
