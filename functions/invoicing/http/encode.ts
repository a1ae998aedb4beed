import type { BillingSettingsView } from '../app/billing-settings';
import {
  collectionMethodOf,
  collectionOf,
  type Invoice,
  type InvoiceLine,
  type PostalAddress,
} from '../domain/invoice';
import { netDaysOf } from '../domain/settings';
import type { CreditMovement } from '../ports';

/** Domain (camelCase) → wire (snake_case). The shapes are the response schemas in invoicing/contract.ts. */
const address = (a: PostalAddress | undefined) =>
  a
    ? {
        line1: a.line1,
        ...(a.line2 ? { line2: a.line2 } : {}),
        city: a.city,
        ...(a.state ? { state: a.state } : {}),
        ...(a.postalCode ? { postal_code: a.postalCode } : {}),
        country: a.country,
      }
    : null;

export const encodeInvoiceSummary = (i: Invoice) => ({
  id: i.id,
  number: i.number,
  kind: i.kind,
  status: i.status,
  currency: i.currency,
  period: { start: i.period.start, end: i.period.end },
  issued_at: i.issuedAt,
  due_at: i.dueAt,
  total_minor: i.totalMinor,
  amount_due_minor: i.amountDueMinor,
  collection_method: collectionMethodOf(i),
  days_until_due: i.daysUntilDue ?? null,
  amount_paid_minor: i.status === 'paid' ? i.amountDueMinor : 0,
  paid_at: collectionOf(i).paidAt,
});

const encodeLine = (l: InvoiceLine) => ({
  id: l.id,
  kind: l.kind,
  description: l.description,
  meter: l.meter ?? null,
  model: l.model ?? null,
  stretch_from: l.stretchFrom ?? null,
  period: l.periodKey,
  plan_id: l.planId ?? null,
  quantity: l.quantity,
  billable_quantity: l.billableQuantity ?? null,
  unit_amount_decimal: l.unitAmountDecimal ?? null,
  precise_amount: l.preciseAmount,
  amount_minor: l.amountMinor,
  adjustment_id: l.adjustmentId ?? null,
});

export const encodeInvoice = (i: Invoice) => ({
  ...encodeInvoiceSummary(i),
  bill_to: {
    org_id: i.billTo.orgId,
    name: i.billTo.name,
    legal_name: i.billTo.legalName ?? null,
    address: address(i.billTo.address),
    tax_ids: i.billTo.taxIds.map((t) => ({ type: t.type, value: t.value })),
    memo: i.billTo.memo ?? null,
  },
  lines: i.lines.map(encodeLine),
  subtotal_minor: i.subtotalMinor,
  credits_applied_minor: i.creditsAppliedMinor,
  credit_carried_minor: i.creditCarriedMinor,
  created_at: i.createdAt,
  stripe_invoice_id: collectionOf(i).stripe?.invoiceId ?? null,
  hosted_invoice_url: collectionOf(i).stripe?.hostedInvoiceUrl ?? null,
  invoice_pdf: collectionOf(i).stripe?.invoicePdf ?? null,
  payment_attempts: collectionOf(i).attempts.map((a) => ({
    id: a.id,
    at: a.at,
    outcome: a.outcome,
    amount_minor: a.amountMinor,
    decline_code: a.declineCode,
    payment_method_id: a.paymentMethodId,
  })),
  schema_version: i.schemaVersion,
});

export const encodeSettings = (v: BillingSettingsView) => ({
  org_id: v.settings.orgId,
  legal_name: v.settings.legalName ?? null,
  address: address(v.settings.address),
  tax_ids: v.settings.taxIds.map((t) => ({ type: t.type, value: t.value })),
  memo: v.settings.memo ?? null,
  invoice_prefix: v.invoicePrefix,
  invoice_prefix_fixed: v.invoicePrefixFixed,
  invoice_threshold_minor: v.settings.invoiceThresholdMinor,
  effective_invoice_threshold_minor: v.effectiveThresholdMinor,
  net_days: netDaysOf(v.settings),
  currency: v.currency,
  credit_balances: { ...v.creditBalances },
  updated_at: v.settings.version === 0 ? null : v.settings.updatedAt,
  version: v.settings.version,
});

export const encodeCreditMovement = (m: CreditMovement) => ({
  invoice_id: m.invoiceId,
  currency: m.currency,
  delta_minor: m.deltaMinor,
  balance_after_minor: m.balanceAfterMinor,
  at: m.at,
});
