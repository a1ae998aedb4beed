import * as z from 'zod';
import { AUDIT_EXPORT_SECTIONS } from './audit/contract';
import { CONTRACTS_EXPORT_SECTIONS } from './contracts/contract';
import { EXPORT_SCHEMA_VERSION, SECTIONS } from './export/domain/document';
import { INVOICING_EXPORT_SECTIONS } from './invoicing/contract';
import { IsoTimestamp } from './kernel/http/contract';
import { NOTICES_EXPORT_SECTIONS } from './notices/contract';
import { ORGS_EXPORT_SECTIONS } from './orgs/contract';
import { PAYMENTS_EXPORT_SECTIONS } from './payments/contract';
import { SUBSCRIPTIONS_EXPORT_SECTIONS } from './subscriptions/contract';
import { USAGE_EXPORT_SECTIONS } from './usage/contract';

/**
 * The billing export document's schema, assembled from the schemas each capability publishes for its
 * sections (the same wire schemas as its API responses), in the document's order. Like functions/contract.ts
 * this module sees every capability; only the OpenAPI document, the docs and tests import it (the build
 * needs no schema at run time).
 */
const SECTION_SCHEMAS = {
  ...ORGS_EXPORT_SECTIONS,
  ...INVOICING_EXPORT_SECTIONS,
  ...SUBSCRIPTIONS_EXPORT_SECTIONS,
  ...PAYMENTS_EXPORT_SECTIONS,
  ...CONTRACTS_EXPORT_SECTIONS,
  ...USAGE_EXPORT_SECTIONS,
  ...NOTICES_EXPORT_SECTIONS,
  ...AUDIT_EXPORT_SECTIONS,
} as const satisfies Record<(typeof SECTIONS)[number]['name'], z.ZodType>;

const sectionShape = Object.fromEntries(
  SECTIONS.map((s) => {
    const item = SECTION_SCHEMAS[s.name] as z.ZodType;
    const schema = s.kind === 'list' ? z.array(item) : item;
    return [s.name, schema.describe(s.description)];
  }),
);

export const ExportDocument = z
  .object({
    schema_version: z.literal(EXPORT_SCHEMA_VERSION),
    generated_at: IsoTimestamp.describe('the document is a view of the org as of this instant (docs/export.md)'),
    ...sectionShape,
    section_counts: z
      .object(Object.fromEntries(SECTIONS.map((s) => [s.name, z.number().int()])))
      .describe('records per section (1 or 0 for a single-object section)'),
  })
  .describe('The full billing export of one organization');

/** The document's JSON Schema (draft 2020-12), as published in docs/export.md. */
export function exportDocumentJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ExportDocument, { io: 'output', unrepresentable: 'any', reused: 'ref' }) as Record<
    string,
    unknown
  >;
}
