import * as z from 'zod';
import { CURRENCIES } from '../money';
import { ORG_ID_PATTERN } from '../org';

/** Shared pieces of the HTTP contract. Wire format is snake_case JSON; domain objects are camelCase. */
export const OrgId = z.string().regex(ORG_ID_PATTERN, 'org ids are 3–64 letters, digits, "_" or "-"');
export const OrgPath = z.object({ org: OrgId });
export const CurrencyCode = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(CURRENCIES as [string, ...string[]]));

/** Integer minor units: never a float. */
export const MinorUnits = z.number().int().refine(Number.isSafeInteger, 'must be a safe integer');
export const DecimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "0.0003"');
export const IsoTimestamp = z.iso.datetime({ offset: false });

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).max(2048).optional(),
});

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });

/**
 * API Gateway's own answers, before or instead of a handler: 401 from the JWT authorizer, 413 past the
 * payload limit, 500/503 when the function failed or timed out. Not problem JSON: AWS writes them.
 */
export const GatewayMessage = z.object({ message: z.string() });

export const ProblemBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

/**
 * A route's HTTP contract: zod schemas for path params, query, body and responses. Handlers decode
 * with these and the OpenAPI document is generated from them, so the two cannot drift.
 */
export interface RouteContract {
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** The body may be left out altogether (no content type, no bytes): `body` then parses `undefined`. */
  readonly bodyOptional?: boolean;
  /** By status code. Error responses are the shared problem body. */
  readonly responses: Readonly<Record<number, z.ZodType>>;
  /** Extra content types the route can answer with (e.g. text/csv). */
  readonly alsoProduces?: readonly string[];
}
