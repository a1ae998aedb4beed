/**
 * Display formatting. Money arrives as integer minor units and stays exact: the digits are placed
 * around the currency's decimal point as a string, and Intl formats that decimal string (no float
 * ever holds an amount).
 */
const fractionDigits = new Map<string, number>();

export function currencyExponent(currency: string): number {
  let digits = fractionDigits.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    fractionDigits.set(currency, digits);
  }
  return digits;
}

/** 123456 USD → "1234.56"; -5 JPY → "-5"; 1234 KWD → "1.234". */
export function minorToDecimalString(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const negative = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const whole = exponent ? digits.slice(0, -exponent) : digits;
  const fraction = exponent ? `.${digits.slice(-exponent)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

export function formatMoney(minor: number, currency: string): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  // Intl.NumberFormat formats decimal strings exactly (ES2023).
  return format.format(minorToDecimalString(minor, currency) as `${number}`);
}

/** Moves a decimal string's point by `places` (positive: ×10^places), exactly: ("0.0003", 6) → "300". */
export function shiftDecimal(value: string, places: number): string {
  const negative = value.startsWith('-');
  const [whole = '0', fraction = ''] = value.replace(/^-/, '').split('.');
  let digits = whole + fraction;
  let point = whole.length + places;
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  }
  digits = digits.padEnd(point, '0');
  const int = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const frac = digits.slice(point).replace(/0+$/, '');
  return `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** A sub-cent unit price (minor units per unit, "0.0003") shown per million units in major units: "$3.00". */
export function formatUnitPrice(unitAmountDecimal: string, currency: string, per = 1_000_000): string {
  const major = shiftDecimal(unitAmountDecimal, Math.round(Math.log10(per)) - currencyExponent(currency));
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 6 });
  return format.format(major as `${number}`);
}

export const formatQuantity = (n: number) => new Intl.NumberFormat('en-US').format(n);

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

export function formatDateTime(iso: string): string {
  return `${new Date(iso).toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  })} UTC`;
}

/** A half-open period [start, end) shown with its last day: "1 Dec 2026 – 31 Dec 2026". */
export function formatPeriod(start: string, end: string): string {
  return `${formatDate(start)} – ${formatDate(new Date(Date.parse(end) - 1).toISOString())}`;
}

export const day = (iso: string) => iso.slice(0, 10);

export function addDays(isoDay: string, n: number): string {
  const d = new Date(`${isoDay}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Every day of [from, to). */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d < to && out.length < 400; d = addDays(d, 1)) out.push(d);
  return out;
}

export const ROLE_NAMES: Record<string, string> = {
  owner: 'Owner',
  billing_admin: 'Billing admin',
  developer: 'Developer',
  viewer: 'Viewer',
  platform: 'Platform service',
};

export const MODEL_NAMES: Record<string, string> = {
  free: 'Free',
  flat: 'Flat rate',
  metered: 'Metered (pay as you go)',
  enterprise: 'Enterprise contract',
};

export const METER_NAMES: Record<string, string> = {
  llm_input_tokens: 'Input tokens',
  llm_output_tokens: 'Output tokens',
  llm_cached_input_tokens: 'Cached input tokens',
  tool_invocations: 'Tool invocations',
  agent_runs: 'Agent runs',
};

export const DUNNING_WORDS: Record<string, string> = {
  none: 'In good standing',
  past_due: 'Past due: a payment failed',
  grace: 'Grace period: a payment is still outstanding',
  suspended: 'Suspended: payment overdue',
  canceled: 'Canceled for non-payment',
};

export interface DisputeLike {
  id: string;
  status: string;
  amount_minor: number;
  currency: string;
  reason?: string;
}

/** A freeze reason (`dunning`, `dispute:<id>`) in words a billing admin can act on. */
export function freezeReasonInWords(reason: string, dunningState: string, disputes: readonly DisputeLike[]): string {
  if (reason === 'dunning') {
    return `A payment failed and has not been made since (${DUNNING_WORDS[dunningState] ?? dunningState}).`;
  }
  if (reason.startsWith('dispute:')) {
    const id = reason.slice('dispute:'.length);
    const d = disputes.find((x) => x.id === id);
    const what = d
      ? `${formatMoney(d.amount_minor, d.currency)}${d.reason ? `, reason: ${d.reason.replace(/_/g, ' ')}` : ''}`
      : id;
    return `A card payment is disputed with the bank (${what}). New spend is paused until the dispute is resolved.`;
  }
  return reason;
}

export const INVOICE_STATUS_WORDS: Record<string, string> = {
  draft: 'Draft (not issued yet)',
  open: 'Open',
  paid: 'Paid',
  uncollectible: 'Uncollectible',
  void: 'Void',
  preview: 'Preview',
};

export const INVOICE_KIND_NAMES: Record<string, string> = {
  period: 'Period',
  threshold: 'Threshold (interim)',
  adjustment: 'Adjustment',
  contract: 'Contract commitment',
};

/** Every invoice line kind, in words (docs/invoicing.md, docs/contracts.md). */
export const LINE_KIND_NAMES: Record<string, string> = {
  flat_fee: 'Flat fee',
  usage: 'Usage',
  late_usage: 'Late usage (an earlier period)',
  first_period_fee: 'First period fee (pro rata)',
  proration_credit: 'Proration credit',
  proration_charge: 'Proration charge',
  cancellation_credit: 'Cancellation credit',
  platform_fee: 'Platform fee',
  commitment: 'Prepaid commitment',
  prepaid_drawdown: 'Drawn from the prepaid commitment',
  true_up: 'True-up to the commitment',
  termination_commitment: 'Commitment due on termination',
};

export const CONTRACT_STATUS_WORDS: Record<string, string> = {
  draft: 'Draft',
  pending_signature: 'Awaiting signature',
  signed: 'Signed (starts at its term start)',
  active: 'Active (in force)',
  expired: 'Expired',
  terminated: 'Terminated',
  void: 'Void',
  superseded: 'Superseded by an amendment',
};

export const CONTRACT_EVENT_WORDS: Record<string, string> = {
  drafted: 'Drafted',
  edited: 'Edited',
  submitted: 'Submitted for signature',
  signed: 'Signed',
  activated: 'Came into force',
  expired: 'Expired',
  terminated: 'Terminated',
  voided: 'Voided',
  amendment_drafted: 'Amendment drafted',
  superseded: 'Superseded by an amendment',
};

const UNIT_OF_METER: Record<string, string> = { tool_invocations: 'invocation', agent_runs: 'run' };

/** A unit price as a person reads it: per million tokens, or per invocation / run. */
export function unitPriceInWords(meter: string | null, unitAmountDecimal: string, currency: string): string {
  if (meter?.startsWith('llm_')) return `${formatUnitPrice(unitAmountDecimal, currency)} per million tokens`;
  return `${formatUnitPrice(unitAmountDecimal, currency, 1)} per ${UNIT_OF_METER[meter ?? ''] ?? 'unit'}`;
}

/** A percentage given as a decimal string ("20", "12.5"), as written: no float in between. */
export const percentInWords = (decimalString: string) => `${decimalString.replace(/\.0+$|(\.\d*?)0+$/, '$1')} %`;
