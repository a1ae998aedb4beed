import * as z from 'zod';
import { IsoTimestamp, ListQuery, listOf, OrgPath } from '../kernel/http/contract';
import { SECTIONS } from './domain/document';
import { EXPORT_VIEW_STATUSES } from './domain/export-job';

/** HTTP contract of the export capability: the jobs and the one-request download. */
const SectionCountsWire = z
  .object(Object.fromEntries(SECTIONS.map((s) => [s.name, z.number().int()])))
  .describe('records per section of the document');

export const ExportResponse = z.object({
  id: z.string(),
  status: z
    .enum(EXPORT_VIEW_STATUSES)
    .describe('`expired`: a ready export whose files the bucket has removed (see files_expire_at); ask again'),
  created_at: IsoTimestamp,
  requested_by: z.object({ type: z.string(), id: z.string(), role: z.string().optional() }),
  generated_at: IsoTimestamp.nullable().describe('the instant the document is a view of (see docs/export.md)'),
  completed_at: IsoTimestamp.nullable(),
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  size_bytes: z.number().int().nullable().describe('the JSON document'),
  compressed_size_bytes: z.number().int().nullable().describe('its gzip copy'),
  sha256: z.string().nullable().describe('SHA-256 (hex) of the JSON document’s bytes'),
  section_counts: SectionCountsWire.nullable(),
  schema_version: z.number().int(),
  files_expire_at: IsoTimestamp.nullable().describe(
    'when ready: from this instant the files are gone and the export shows as expired, without URLs',
  ),
  download_url: z.string().nullable().describe('when ready: the JSON document, presigned, valid 15 minutes'),
  download_url_gzip: z
    .string()
    .nullable()
    .describe('when ready: the gzip copy (served with Content-Encoding: gzip), presigned, valid 15 minutes'),
  download_expires_at: IsoTimestamp.nullable(),
});

export const ExportPath = z.object({ org: OrgPath.shape.org, id: z.string().min(1).max(64) });

export const EXPORT_CONTRACT = {
  createExport: { params: OrgPath, responses: { 202: ExportResponse } },
  listExports: { params: OrgPath, query: ListQuery, responses: { 200: listOf(ExportResponse) } },
  getExport: { params: ExportPath, responses: { 200: ExportResponse } },
  downloadExport: {
    params: OrgPath,
    responses: { 303: z.undefined(), 202: ExportResponse, 503: ExportResponse },
  },
} as const;
