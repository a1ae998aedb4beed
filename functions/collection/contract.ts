import * as z from 'zod';
import { IsoTimestamp, MinorUnits, OrgPath } from '../kernel/http/contract';
import { DIFFERENCE_KINDS } from './domain/drift';

/** HTTP contract of the collection capability: pay now, and the ledger ↔ Stripe drift report. */
const InvoicePath = z.object({
  org: OrgPath.shape.org,
  id: z.string().min(1).max(64).describe('an invoice id (in_…)'),
});

export const PayInvoiceRequest = z
  .strictObject({
    payment_method_id: z
      .string()
      .regex(/^pm_[A-Za-z0-9_]{1,200}$/, 'a Stripe payment method id')
      .optional()
      .describe("one of the org's payment methods; default: the org's default payment method"),
  })
  .optional();

const AttemptWire = z.object({
  id: z.string(),
  at: IsoTimestamp,
  outcome: z.enum(['succeeded', 'failed', 'requires_action']),
  amount_minor: MinorUnits,
  decline_code: z.string().nullable(),
  payment_method_id: z.string().nullable(),
});

export const PayInvoiceResponse = z.object({
  paid: z.boolean(),
  outcome: z
    .enum(['paid', 'failed', 'requires_action'])
    .describe('requires_action: the card needs 3-D Secure; complete it on hosted_invoice_url'),
  decline_code: z.string().nullable().describe("why not: Stripe's decline code (insufficient_funds, …)"),
  message: z.string().nullable(),
  invoice: z.object({
    id: z.string(),
    number: z.string().nullable(),
    status: z.string(),
    currency: z.string(),
    amount_due_minor: MinorUnits,
    paid_at: IsoTimestamp.nullable(),
    stripe_invoice_id: z.string().nullable(),
    hosted_invoice_url: z.string().nullable(),
    payment_attempts: z.array(AttemptWire),
  }),
});

export const ReconciliationResponse = z.object({
  org_id: z.string(),
  checked_at: IsoTimestamp.nullable().describe('when the daily reconciliation last compared this org; null: never yet'),
  in_sync: z.boolean(),
  invoices_checked: z.number().int(),
  charges_checked: z.number().int(),
  differences: z.array(
    z.object({
      kind: z.enum(DIFFERENCE_KINDS),
      invoice_id: z.string().nullable(),
      stripe_invoice_id: z.string().nullable(),
      charge_id: z.string().nullable(),
      ours: z.union([z.string(), z.number()]).nullable(),
      stripe: z.union([z.string(), z.number()]).nullable(),
    }),
  ),
});

export const COLLECTION_CONTRACT = {
  payInvoice: {
    params: InvoicePath,
    body: PayInvoiceRequest,
    bodyOptional: true,
    responses: { 200: PayInvoiceResponse },
  },
  getReconciliation: { params: OrgPath, responses: { 200: ReconciliationResponse } },
} as const;
