import * as z from 'zod';
import { IsoTimestamp, ListQuery, listOf, OrgPath } from '../kernel/http/contract';

export const AuditEntryResponse = z.object({
  id: z.string(),
  at: IsoTimestamp,
  actor: z.object({ type: z.enum(['user', 'service', 'system']), id: z.string(), role: z.string().optional() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }),
  before: z.unknown(),
  after: z.unknown(),
  request_id: z.string().optional(),
});

export const AUDIT_CONTRACT = {
  listAudit: { params: OrgPath, query: ListQuery, responses: { 200: listOf(AuditEntryResponse) } },
} as const;

/** The sections of the billing export this capability contributes, with their schemas. */
export const AUDIT_EXPORT_SECTIONS = { audit_trail: AuditEntryResponse } as const;
