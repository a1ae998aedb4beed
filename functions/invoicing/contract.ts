import * as z from 'zod';
import { DecimalString, IsoTimestamp, listOf, MinorUnits, OrgPath } from '../kernel/http/contract';
import { METERS } from '../kernel/pricing/plans';
import { COLLECTION_METHODS, INVOICE_KINDS, INVOICE_STATUSES, LINE_KINDS, PAYMENT_OUTCOMES } from './domain/invoice';
import { INVOICE_PREFIX_PATTERN } from './domain/numbering';
import { MAX_NET_DAYS } from './domain/settings';

/** HTTP contract of the invoicing capability: billing settings, the invoice list, detail, PDF and preview. */
const Text = (max: number) => z.string().trim().min(1).max(max);

const Address = z.strictObject({
  line1: Text(200),
  line2: Text(200).optional(),
  city: Text(100),
  state: Text(100).optional(),
  postal_code: Text(20).optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code, e.g. GB')
    .describe('ISO 3166-1 alpha-2'),
});
const TaxIdWire = z.strictObject({
  type: z
    .string()
    .regex(/^[a-z]{2,4}_[a-z]{2,6}$/, 'a tax id type like gb_vat, eu_vat, us_ein')
    .describe("Stripe's tax id types (gb_vat, eu_vat, us_ein, …)"),
  value: Text(64),
});

export const BillingSettingsRequest = z.strictObject({
  legal_name: Text(200).optional(),
  address: Address.optional(),
  tax_ids: z.array(TaxIdWire).max(10).optional(),
  memo: Text(500).optional().describe('printed on every invoice, e.g. a PO number'),
  invoice_prefix: z
    .string()
    .regex(INVOICE_PREFIX_PATTERN, '3–12 capital letters or digits')
    .optional()
    .describe('fixed once the first invoice is numbered; unique across orgs'),
  invoice_threshold_minor: MinorUnits.positive()
    .nullable()
    .optional()
    .describe('interim invoice once usage accrued in a period reaches this; null: the plan default'),
  net_days: z
    .number()
    .int()
    .min(0)
    .max(MAX_NET_DAYS)
    .optional()
    .describe(
      'payment terms: 0 (default) charges the default payment method when an invoice is issued; N > 0 issues invoices payable within N days (send_invoice)',
    ),
});

export const BillingSettingsResponse = z.object({
  org_id: z.string(),
  legal_name: z.string().nullable(),
  address: Address.nullable(),
  tax_ids: z.array(TaxIdWire),
  memo: z.string().nullable(),
  invoice_prefix: z.string().describe('the prefix invoices are numbered with (chosen, else derived from the org id)'),
  invoice_prefix_fixed: z.boolean(),
  invoice_threshold_minor: MinorUnits.nullable().describe('as set; null: the plan default'),
  effective_invoice_threshold_minor: MinorUnits.nullable().describe('in force now, in `currency`; null: none'),
  net_days: z.number().int().describe('payment terms of new invoices: 0 charges at once, N > 0 is due in N days'),
  currency: z.string(),
  credit_balances: z.record(z.string(), MinorUnits).describe('credit carried from negative invoices, per currency'),
  updated_at: IsoTimestamp.nullable(),
  version: z.number().int(),
});

const PeriodWire = z.object({ start: IsoTimestamp, end: IsoTimestamp });

export const InvoiceSummary = z.object({
  id: z.string(),
  number: z.string().nullable(),
  kind: z.enum(INVOICE_KINDS),
  status: z.enum([...INVOICE_STATUSES, 'preview']),
  currency: z.string(),
  period: PeriodWire,
  issued_at: IsoTimestamp.nullable(),
  due_at: IsoTimestamp.nullable(),
  total_minor: MinorUnits,
  amount_due_minor: MinorUnits,
  collection_method: z.enum(COLLECTION_METHODS).describe('charge_automatically (net 0) or send_invoice (net terms)'),
  days_until_due: z.number().int().nullable().describe('send_invoice: due this many days after issue'),
  amount_paid_minor: MinorUnits,
  paid_at: IsoTimestamp.nullable(),
});

export const PaymentAttemptWire = z.object({
  id: z.string().describe("Stripe's charge id"),
  at: IsoTimestamp,
  outcome: z.enum(PAYMENT_OUTCOMES).describe('requires_action: the card needs 3-D Secure on the hosted invoice page'),
  amount_minor: MinorUnits,
  decline_code: z.string().nullable(),
  payment_method_id: z.string().nullable(),
});

export const InvoiceLineWire = z.object({
  id: z.string(),
  kind: z.enum(LINE_KINDS),
  description: z.string(),
  meter: z.enum(METERS).nullable(),
  model: z.string().nullable(),
  stretch_from: IsoTimestamp.nullable().describe('the stretch of the period the usage was counted in'),
  period: z.string().describe('the billing period the line is for (YYYY-MM)'),
  plan_id: z.string().nullable(),
  quantity: z.number().int(),
  billable_quantity: z.number().int().nullable().describe('usage lines: the units charged (the rest was included)'),
  unit_amount_decimal: DecimalString.nullable().describe('minor units per unit; null when tiers priced the line'),
  precise_amount: DecimalString.describe('the exact amount before rounding, minor units'),
  amount_minor: MinorUnits,
  adjustment_id: z.string().nullable(),
});

export const InvoiceResponse = InvoiceSummary.extend({
  bill_to: z.object({
    org_id: z.string(),
    name: z.string(),
    legal_name: z.string().nullable(),
    address: Address.nullable(),
    tax_ids: z.array(TaxIdWire),
    memo: z.string().nullable(),
  }),
  lines: z.array(InvoiceLineWire),
  subtotal_minor: MinorUnits,
  credits_applied_minor: MinorUnits,
  credit_carried_minor: MinorUnits.describe('a negative total carried to the credit balance'),
  created_at: IsoTimestamp,
  stripe_invoice_id: z.string().nullable().describe('the invoice at Stripe (the payment rail) once mirrored'),
  hosted_invoice_url: z.string().nullable().describe("Stripe's page where the customer can pay (and authenticate)"),
  invoice_pdf: z.string().nullable().describe("Stripe's PDF of the invoice"),
  payment_attempts: z.array(PaymentAttemptWire).describe('oldest first'),
  schema_version: z.number().int(),
});

/** RFC 3339 instant or a UTC day: when the list's invoice dates start/end. */
const DateOrInstant = z
  .string()
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}(T.+)?$/.test(s) && !Number.isNaN(Date.parse(s)),
    'a date (YYYY-MM-DD) or an RFC 3339 instant',
  )
  .transform((s) => new Date(s));

export const InvoiceListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).max(2048).optional(),
  status: z.enum(INVOICE_STATUSES).optional(),
  from: DateOrInstant.optional().describe('invoice date, inclusive'),
  to: DateOrInstant.optional().describe('invoice date, exclusive'),
});

export const InvoicePath = z.object({
  org: OrgPath.shape.org,
  id: z.string().min(1).max(64).describe('an invoice id (in_…)'),
});

export const INVOICING_CONTRACT = {
  getBillingSettings: { params: OrgPath, responses: { 200: BillingSettingsResponse } },
  putBillingSettings: { params: OrgPath, body: BillingSettingsRequest, responses: { 200: BillingSettingsResponse } },
  listInvoices: { params: OrgPath, query: InvoiceListQuery, responses: { 200: listOf(InvoiceSummary) } },
  getUpcomingInvoice: { params: OrgPath, responses: { 200: InvoiceResponse } },
  getInvoice: { params: InvoicePath, responses: { 200: InvoiceResponse }, alsoProduces: ['application/pdf'] },
} as const;

export const CreditMovementWire = z.object({
  invoice_id: z.string().describe('the invoice that moved the balance'),
  currency: z.string(),
  delta_minor: MinorUnits.describe('negative: credit used on the invoice; positive: a negative total carried'),
  balance_after_minor: MinorUnits,
  at: IsoTimestamp,
});

/** The sections of the billing export this capability contributes, with their schemas. */
export const INVOICING_EXPORT_SECTIONS = {
  billing_settings: BillingSettingsResponse,
  invoices: InvoiceResponse,
  credit_movements: CreditMovementWire,
} as const;
