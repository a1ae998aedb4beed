/**
 * The export document: one JSON object, written as a stream of chunks so an org of any size is exported
 * at constant memory. Pure: the sections' records come in as async iterables (each capability reads and
 * encodes its own data, as its API encodes it); this module decides the layout, applies the consistency
 * rule and counts.
 *
 * Consistency rule (docs/export.md): `generated_at` is taken when the build starts and every section is
 * read after it. A record created after `generated_at` is left out, and so is the timestamped part of a
 * record that happened after it (a payment attempt, a contract event); the org's current state (the
 * "snapshot" sections) is read first and read again if an audited change landed while it was being read.
 */
export const EXPORT_SCHEMA_VERSION = 1;

/** `value`: one object (or null); `list`: an array of records, oldest first. */
export type SectionKind = 'value' | 'list';

export interface SectionSpec {
  readonly name: string;
  readonly kind: SectionKind;
  /**
   * `snapshot`: the org's current state, small and bounded (held in memory, read first, re-read when it
   * changed meanwhile); `stream`: records paged through their store while the document is written.
   */
  readonly phase: 'snapshot' | 'stream';
  /** The field holding a record's creation instant: records created after `generated_at` are left out. */
  readonly createdAt?: string;
  /** Timestamped arrays inside a record, cut at `generated_at` (field → the instant field of its items). */
  readonly cut?: Readonly<Record<string, string>>;
  readonly description: string;
}

/** The sections in document order. Names are the document's keys (snake_case, like the API's fields). */
export const SECTIONS = [
  { name: 'org', kind: 'value', phase: 'snapshot', description: 'The organization as `PUT /v1/orgs/{org}` answers' },
  {
    name: 'billing_status',
    kind: 'value',
    phase: 'snapshot',
    description: 'Dunning state, freeze reasons and dispute summaries (`GET …/billing-status`)',
  },
  {
    name: 'billing_settings',
    kind: 'value',
    phase: 'snapshot',
    description: 'Bill-to, tax ids, memo, invoice prefix and threshold, credit balances (`GET …/billing-settings`)',
  },
  {
    name: 'plan_versions',
    kind: 'list',
    phase: 'snapshot',
    description: 'Every plan version the org was ever on (its terms timeline), as `GET /v1/plans` shows a plan',
  },
  {
    name: 'subscription',
    kind: 'value',
    phase: 'snapshot',
    description: 'The subscription (null if the org never subscribed)',
  },
  {
    name: 'terms_timeline',
    kind: 'list',
    phase: 'snapshot',
    description:
      'The terms in force from each instant on (plan, version, model, currency, contract), from the org’s start',
  },
  {
    name: 'subscription_history',
    kind: 'list',
    phase: 'stream',
    createdAt: 'at',
    description: 'Every lifecycle event of the subscription',
  },
  {
    name: 'subscription_adjustments',
    kind: 'list',
    phase: 'stream',
    createdAt: 'created_at',
    description: 'Proration, first-period and cancellation lines, pending or invoiced',
  },
  {
    name: 'invoices',
    kind: 'list',
    phase: 'stream',
    createdAt: 'created_at',
    cut: { payment_attempts: 'at' },
    description: 'Every invoice with its lines (and payment attempts), as `GET …/invoices/{id}` answers',
  },
  {
    name: 'credit_movements',
    kind: 'list',
    phase: 'stream',
    createdAt: 'at',
    description: 'Every change of the credit balance and the invoice that made it',
  },
  {
    name: 'payment_methods',
    kind: 'list',
    phase: 'snapshot',
    description: 'Payment-method summaries: brand, last4, expiry (nothing else)',
  },
  { name: 'disputes', kind: 'list', phase: 'snapshot', createdAt: 'opened_at', description: 'Every dispute' },
  {
    name: 'contracts',
    kind: 'list',
    phase: 'snapshot',
    createdAt: 'created_at',
    cut: { history: 'at', versions: 'created_at' },
    description: 'Enterprise contracts: the current version, every version, every transition, utilization per year',
  },
  {
    name: 'usage_periods',
    kind: 'list',
    phase: 'stream',
    description:
      'Usage per billing period: rated per stretch × meter × model (as the summary rates it) and quantities per day',
  },
  {
    name: 'quarantined_usage_events',
    kind: 'list',
    phase: 'stream',
    createdAt: 'rejected_at',
    description: 'Usage events rejected at ingestion, with the reason (`GET …/usage/rejected`)',
  },
  {
    name: 'budgets',
    kind: 'value',
    phase: 'snapshot',
    description: 'The budgets and, per period, the thresholds already notified',
  },
  {
    name: 'contacts',
    kind: 'list',
    phase: 'snapshot',
    createdAt: 'created_at',
    description: 'Billing contacts (`GET …/contacts`)',
  },
  {
    name: 'notices',
    kind: 'list',
    phase: 'stream',
    createdAt: 'created_at',
    description: 'Every notice recorded, with its recipients (`GET …/notifications`); budget notices are kind `budget`',
  },
  {
    name: 'audit_trail',
    kind: 'list',
    phase: 'stream',
    createdAt: 'at',
    description: 'The whole audit trail, oldest first (`GET …/audit`)',
  },
] as const satisfies readonly SectionSpec[];

export type SectionName = (typeof SECTIONS)[number]['name'];
export type SectionCounts = Record<SectionName, number>;

export const emptyCounts = (): SectionCounts => Object.fromEntries(SECTIONS.map((s) => [s.name, 0])) as SectionCounts;

/** Whether a record of `section` belongs in a document generated at `asOfIso` (and what of it). */
export function applyRule(section: SectionSpec, record: unknown, asOfIso: string): { keep: boolean; record: unknown } {
  if (record === null || typeof record !== 'object') return { keep: true, record };
  const r = record as Record<string, unknown>;
  if (section.createdAt) {
    const at = r[section.createdAt];
    if (typeof at === 'string' && at > asOfIso) return { keep: false, record };
  }
  if (!section.cut) return { keep: true, record };
  let out = r;
  for (const [field, instantField] of Object.entries(section.cut)) {
    const items = r[field];
    if (!Array.isArray(items)) continue;
    const kept = items.filter((i) => {
      const at = (i as Record<string, unknown> | null)?.[instantField];
      return !(typeof at === 'string' && at > asOfIso);
    });
    if (kept.length !== items.length) out = { ...out, [field]: kept };
  }
  return { keep: true, record: out };
}

/** Chunks are gathered to about this size: fewer, larger writes into gzip, the hash and the upload. */
const CHUNK_CHARS = 64 * 1024;

export interface DocumentInput {
  readonly generatedAt: string;
  /** Each section's records (a value section yields one value), keyed by name. */
  readonly sections: Readonly<Record<SectionName, AsyncIterable<unknown> | Iterable<unknown>>>;
  /** Told after each record written (progress and counts). */
  readonly onRecord?: (section: SectionName, count: number) => void;
}

/**
 * The document as a stream of JSON text chunks: `schema_version`, `generated_at`, every section in
 * order, then `section_counts` (known only once every record has been written). Counts land in `counts`.
 */
export async function* documentChunks(
  input: DocumentInput,
  counts: SectionCounts = emptyCounts(),
): AsyncGenerator<string> {
  let buffer = `{"schema_version":${EXPORT_SCHEMA_VERSION},"generated_at":${JSON.stringify(input.generatedAt)}`;
  for (const section of SECTIONS as readonly SectionSpec[]) {
    const name = section.name as SectionName;
    const source = input.sections[name];
    if (section.kind === 'value') {
      let value: unknown = null;
      for await (const v of source) value = v;
      buffer += `,${JSON.stringify(name)}:${JSON.stringify(value ?? null)}`;
      counts[name] = value === null || value === undefined ? 0 : 1;
      input.onRecord?.(name, counts[name]);
      continue;
    }
    buffer += `,${JSON.stringify(name)}:[`;
    let n = 0;
    for await (const raw of source) {
      const { keep, record } = applyRule(section, raw, input.generatedAt);
      if (!keep) continue;
      buffer += (n === 0 ? '' : ',') + JSON.stringify(record);
      n += 1;
      counts[name] = n;
      input.onRecord?.(name, n);
      if (buffer.length >= CHUNK_CHARS) {
        yield buffer;
        buffer = '';
      }
    }
    buffer += ']';
  }
  buffer += `,"section_counts":${JSON.stringify(counts)}}`;
  yield buffer;
}
