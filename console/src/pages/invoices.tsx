import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { operations } from '../../generated/api';
import { ApiError, callOperation, idempotencyKey, must } from '../api';
import {
  formatDate,
  formatDateTime,
  formatMoney,
  formatPeriod,
  formatQuantity,
  INVOICE_KIND_NAMES,
  INVOICE_STATUS_WORDS,
  LINE_KIND_NAMES,
  METER_NAMES,
  unitPriceInWords,
} from '../format';
import { ConfirmAction, ErrorNotice, Facts, type PageContext, Section, Show, useLoad } from '../ui';

/**
 * Issued invoices a page at a time (newest first, by cursor), one invoice's document with every line,
 * its PDF, "Pay now" for an open one, and the upcoming invoice (the current period as it would be
 * invoiced if it closed now). The route (`#/invoices?id=…&status=…&limit=…`) names the invoice shown,
 * so a link to an invoice opens it.
 */
export type Invoice = operations['getInvoice']['responses'][200]['content']['application/json'];
type InvoicePage = operations['listInvoices']['responses'][200]['content']['application/json'];
type InvoiceSummary = InvoicePage['data'][number];

const STATUSES = ['open', 'paid', 'draft', 'uncollectible', 'void'] as const;
const PAGE_SIZES = [10, 25, 50, 100];

/** What pay now answers (the collection capability's `payInvoice`): the fields this page reads. */
interface PayOutcome {
  paid: boolean;
  outcome: 'paid' | 'failed' | 'requires_action';
  decline_code: string | null;
  message: string | null;
  invoice: { number: string | null; status: string; hosted_invoice_url: string | null };
}

export function InvoicesPage(ctx: PageContext) {
  const { query } = ctx;
  const selected = query.get('id') ?? undefined;
  const statusParam = query.get('status') ?? '';
  const status = (STATUSES as readonly string[]).includes(statusParam) ? statusParam : '';
  const limit = Math.min(100, Math.max(1, Number.parseInt(query.get('limit') ?? '', 10) || 10));
  // Bumped after a payment: the list reads its current page again.
  const [changes, setChanges] = useState(0);
  const hrefWith = (next: Record<string, string | undefined>) => {
    const q = new URLSearchParams(query);
    for (const [k, v] of Object.entries(next)) {
      if (v === undefined || v === '') q.delete(k);
      else q.set(k, v);
    }
    return `#/invoices?${q.toString()}`;
  };
  return (
    <>
      <InvoiceList
        ctx={ctx}
        status={status}
        limit={limit}
        selected={selected}
        changes={changes}
        hrefWith={hrefWith}
        set={(next) => {
          location.hash = hrefWith({ ...next, id: undefined });
        }}
      />
      {selected ? (
        <InvoiceDetail
          key={selected}
          ctx={ctx}
          id={selected}
          closeHref={hrefWith({ id: undefined })}
          onPaid={() => setChanges((c) => c + 1)}
        />
      ) : null}
      {ctx.caps.can('getUpcomingInvoice') ? <UpcomingInvoice ctx={ctx} /> : null}
    </>
  );
}

interface ListState {
  /** The cursor each page reached so far was read with (page 0: none). */
  cursors: (string | undefined)[];
  at: number;
  page: InvoicePage;
  /** The page after this one came back empty: this is the last one. */
  noMore: boolean;
}

function InvoiceList({
  ctx,
  status,
  limit,
  selected,
  changes,
  hrefWith,
  set,
}: {
  ctx: PageContext;
  status: string;
  limit: number;
  selected: string | undefined;
  changes: number;
  hrefWith(next: Record<string, string | undefined>): string;
  set(next: Record<string, string>): void;
}) {
  const { api, session } = ctx;
  const [state, setState] = useState<ListState>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const read = (cursor: string | undefined) =>
    must(
      api.GET('/v1/orgs/{org}/invoices', {
        params: {
          path: { org: session.orgId },
          query: {
            limit,
            ...(status ? { status: status as (typeof STATUSES)[number] } : {}),
            ...(cursor ? { cursor } : {}),
          },
        },
      }),
    );
  const go = async (at: number, cursor: string | undefined, base: ListState | undefined) => {
    setBusy(true);
    setError(undefined);
    try {
      const page = await read(cursor);
      if (at > 0 && !page.data.length) {
        // A cursor can still lead to an empty page (a page cut short by DynamoDB's 1 MB read, or what
        // was there has moved on): stay on the page shown and say the list ends here.
        if (base && base.at === at - 1) setState({ ...base, noMore: true });
        else await go(0, undefined, undefined);
        return;
      }
      const cursors = [...(base?.cursors ?? []).slice(0, at), cursor];
      setState({ cursors, at, page, noMore: false });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    setState(undefined);
    void go(0, undefined, undefined);
  }, [session.orgId, status, limit]);
  useEffect(() => {
    if (changes && state) void go(state.at, state.cursors[state.at], state);
  }, [changes]);

  const page = state?.page;
  const first = state ? state.at * limit + 1 : 0;
  const ended = !!state && (state.noMore || !state.page.next_cursor);
  return (
    <Section title="Invoice list" id="invoices">
      <form
        class="controls"
        onSubmit={(e) => e.preventDefault()}
        aria-label="Which invoices"
        data-testid="invoice-filters"
      >
        <label for="invoice-status">
          Status
          <select
            id="invoice-status"
            value={status}
            onChange={(e) => set({ status: (e.target as HTMLSelectElement).value, limit: String(limit) })}
          >
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {INVOICE_STATUS_WORDS[s]}
              </option>
            ))}
          </select>
        </label>
        <label for="invoice-limit">
          Per page
          <select
            id="invoice-limit"
            value={String(limit)}
            onChange={(e) => set({ status, limit: (e.target as HTMLSelectElement).value })}
          >
            {[...new Set([...PAGE_SIZES, limit])]
              .sort((a, b) => a - b)
              .map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
          </select>
        </label>
      </form>
      {error ? <ErrorNotice error={error} title="Could not load the invoices" /> : null}
      {!page ? (
        busy ? (
          <p class="muted" role="status">
            Loading invoices…
          </p>
        ) : null
      ) : !page.data.length ? (
        <p data-testid="no-invoices">
          {status
            ? `No ${INVOICE_STATUS_WORDS[status]?.toLowerCase()} invoices.`
            : 'No invoices yet: the first is issued when the current period closes (or when usage reaches the invoice threshold).'}
        </p>
      ) : (
        <>
          <div class="table-wrap">
            <table data-testid="invoices-table">
              <caption>
                Invoices {first}–{first + page.data.length - 1}, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Invoice</th>
                  <th scope="col">Status</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Period</th>
                  <th scope="col">Issued</th>
                  <th scope="col">Due</th>
                  <th scope="col">Total</th>
                  <th scope="col">Amount due</th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((inv) => (
                  <InvoiceRow key={inv.id} inv={inv} href={hrefWith({ id: inv.id })} current={inv.id === selected} />
                ))}
              </tbody>
            </table>
          </div>
          <div class="buttons">
            <button
              type="button"
              disabled={busy || !state || state.at === 0}
              onClick={() => state && go(state.at - 1, state.cursors[state.at - 1], state)}
            >
              Newer invoices
            </button>
            <button
              type="button"
              disabled={busy || !state || ended}
              onClick={() => state?.page.next_cursor && go(state.at + 1, state.page.next_cursor, state)}
            >
              Older invoices
            </button>
            {busy ? (
              <span class="muted" role="status">
                Loading…
              </span>
            ) : null}
          </div>
          {ended && state && (state.at > 0 || state.noMore) ? (
            <p class="muted" role="status" data-testid="no-more-invoices">
              No more invoices.
            </p>
          ) : null}
        </>
      )}
    </Section>
  );
}

function InvoiceRow({ inv, href, current }: { inv: InvoiceSummary; href: string; current: boolean }) {
  const money = (v: number) => formatMoney(v, inv.currency);
  return (
    <tr data-invoice={inv.id} aria-current={current ? 'true' : undefined}>
      <th scope="row">
        <a href={href}>{inv.number ?? 'Draft'}</a>
      </th>
      <td>
        <span class={`badge status-${inv.status}`}>{INVOICE_STATUS_WORDS[inv.status] ?? inv.status}</span>
      </td>
      <td>{INVOICE_KIND_NAMES[inv.kind] ?? inv.kind}</td>
      <td>{formatPeriod(inv.period.start, inv.period.end)}</td>
      <td>{inv.issued_at ? formatDate(inv.issued_at) : '—'}</td>
      <td>{inv.due_at ? formatDate(inv.due_at) : '—'}</td>
      <td>{money(inv.total_minor)}</td>
      <td>{money(inv.amount_due_minor)}</td>
    </tr>
  );
}

function InvoiceDetail({
  ctx,
  id,
  closeHref,
  onPaid,
}: {
  ctx: PageContext;
  id: string;
  closeHref: string;
  onPaid(): void;
}) {
  const { api, caps, session } = ctx;
  const path = { org: session.orgId, id };
  const loaded = useLoad(async () => {
    const invoice = await must(api.GET('/v1/orgs/{org}/invoices/{id}', { params: { path } }));
    return invoice as Invoice;
  }, [id]);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [id, loaded.data === undefined]);
  // Kept here: a paid invoice reloads without its pay button, which would take the outcome with it.
  const [outcome, setOutcome] = useState<ComponentChildren>();
  return (
    <section class="card" aria-labelledby="invoice-title" id="invoice" data-testid="invoice-detail">
      <Show loaded={loaded} what="the invoice">
        {(invoice) => (
          <>
            <h2 id="invoice-title" ref={heading} tabIndex={-1}>
              Invoice {invoice.number ?? '(draft)'}
            </h2>
            {outcome ? (
              <div class="notice notice-ok" role="status" data-testid="pay-outcome">
                {outcome}
              </div>
            ) : null}
            <InvoiceDocument invoice={invoice} />
            <div class="buttons">
              {invoice.status === 'draft' ? (
                <p class="muted">A draft has no PDF: it is issued once the period's late-usage grace has passed.</p>
              ) : (
                <PdfDownload ctx={ctx} invoice={invoice} />
              )}
              <a class="button-link" href={closeHref}>
                Close
              </a>
            </div>
            {(invoice.status === 'open' || invoice.status === 'uncollectible') &&
            invoice.amount_due_minor > 0 &&
            caps.can('payInvoice') ? (
              <PayNow
                ctx={ctx}
                invoice={invoice}
                announce={setOutcome}
                onPaid={() => {
                  loaded.reload();
                  onPaid();
                }}
              />
            ) : null}
          </>
        )}
      </Show>
    </section>
  );
}

/** The invoice as a document: who it bills, its dates, every line and how the lines add up. */
export function InvoiceDocument({ invoice }: { invoice: Invoice }) {
  const money = (v: number) => formatMoney(v, invoice.currency);
  const bill = invoice.bill_to;
  const address = bill.address
    ? [bill.address.line1, bill.address.line2, bill.address.city, bill.address.state, bill.address.postal_code]
        .filter(Boolean)
        .join(', ') + ` (${bill.address.country})`
    : undefined;
  return (
    <>
      <Facts
        items={[
          ['Number', invoice.number ?? 'Assigned when issued', 'invoice-number'],
          ['Status', INVOICE_STATUS_WORDS[invoice.status] ?? invoice.status, 'invoice-status'],
          ['Kind', INVOICE_KIND_NAMES[invoice.kind] ?? invoice.kind, 'invoice-kind'],
          ['Period', formatPeriod(invoice.period.start, invoice.period.end), 'invoice-period'],
          ['Issued', invoice.issued_at ? formatDateTime(invoice.issued_at) : 'Not yet', 'invoice-issued'],
          ['Due', invoice.due_at ? formatDate(invoice.due_at) : dueInWords(invoice), 'invoice-due'],
          [
            'Bill to',
            <>
              {bill.legal_name ?? bill.name}
              {address ? <div class="muted">{address}</div> : null}
              {bill.tax_ids.map((t) => (
                <div key={t.value} class="muted">
                  {t.type.toUpperCase().replace('_', ' ')} {t.value}
                </div>
              ))}
              {bill.memo ? <div class="muted">{bill.memo}</div> : null}
            </>,
            'invoice-bill-to',
          ],
        ]}
      />
      <div class="table-wrap">
        <table data-testid="invoice-lines">
          <caption>
            {invoice.lines.length} line{invoice.lines.length === 1 ? '' : 's'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Description</th>
              <th scope="col">For</th>
              <th scope="col">Quantity</th>
              <th scope="col">Unit price</th>
              <th scope="col">Amount</th>
            </tr>
          </thead>
          <tbody>
            {invoice.lines.map((l) => (
              <tr key={l.id} data-line={l.id} data-kind={l.kind}>
                <th scope="row">{LINE_KIND_NAMES[l.kind] ?? l.kind}</th>
                <td>
                  {l.description}
                  {l.meter && !l.description.includes(METER_NAMES[l.meter] ?? l.meter) ? (
                    <div class="muted">
                      {METER_NAMES[l.meter] ?? l.meter}
                      {l.model ? ` · ${l.model}` : ''}
                    </div>
                  ) : null}
                </td>
                <td>{l.period}</td>
                <td>
                  {formatQuantity(l.quantity)}
                  {l.billable_quantity !== null && l.billable_quantity !== l.quantity ? (
                    <div class="muted">{formatQuantity(l.billable_quantity)} charged, the rest included</div>
                  ) : null}
                </td>
                <td>
                  {!l.meter
                    ? '—'
                    : l.unit_amount_decimal !== null
                      ? unitPriceInWords(l.meter, l.unit_amount_decimal, invoice.currency)
                      : 'volume tiers'}
                </td>
                <td class="amount">{money(l.amount_minor)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <Total label="Subtotal" value={money(invoice.subtotal_minor)} testId="invoice-subtotal" />
            <Total
              label="Credit applied"
              value={invoice.credits_applied_minor ? money(-invoice.credits_applied_minor) : money(0)}
              testId="invoice-credit"
            />
            <Total label="Total" value={money(invoice.total_minor)} testId="invoice-total" />
            {invoice.credit_carried_minor ? (
              <Total
                label="Carried to the credit balance"
                value={money(invoice.credit_carried_minor)}
                testId="invoice-credit-carried"
              />
            ) : null}
            <Total
              label="Amount due"
              value={<strong>{money(invoice.amount_due_minor)}</strong>}
              testId="invoice-due-amount"
            />
          </tfoot>
        </table>
      </div>
    </>
  );
}

function dueInWords(invoice: Invoice): string {
  if (invoice.status === 'preview') return 'When issued';
  if (invoice.status === 'draft') return 'Set when issued';
  return '—';
}

function Total({ label, value, testId }: { label: string; value: ComponentChildren; testId: string }) {
  return (
    <tr>
      <th scope="row" colSpan={5}>
        {label}
      </th>
      <td class="amount" data-testid={testId}>
        {value}
      </td>
    </tr>
  );
}

function PdfDownload({ ctx, invoice }: { ctx: PageContext; invoice: Invoice }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const blob = (await must(
        ctx.api.GET('/v1/orgs/{org}/invoices/{id}', {
          params: { path: { org: ctx.session.orgId, id: invoice.id } },
          headers: { accept: 'application/pdf' },
          parseAs: 'blob',
        }) as Promise<{ data?: Blob; error?: unknown; response: Response }>,
      )) as Blob;
      const url = URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${invoice.number ?? invoice.id}.pdf`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" onClick={download} disabled={busy}>
        {busy ? 'Preparing the PDF…' : 'Download PDF'}
      </button>
      {error ? <ErrorNotice error={error} title="Could not download the PDF" /> : null}
    </>
  );
}

/**
 * Pay now, offered only where the API serves `payInvoice` and this role may call it. One
 * Idempotency-Key per payment the user asks for: a retry after a lost answer (network, 5xx) replays
 * it, so the card is never charged twice; a definite answer (paid, declined, refused) ends it, and
 * the next attempt — after updating the card — is a new payment.
 */
function PayNow({
  ctx,
  invoice,
  announce,
  onPaid,
}: {
  ctx: PageContext;
  invoice: Invoice;
  announce(outcome: ComponentChildren): void;
  onPaid(): void;
}) {
  const { api, caps, session, config } = ctx;
  const key = useRef(idempotencyKey());
  const methods = useLoad(
    () =>
      caps.can('listPaymentMethods')
        ? must(api.GET('/v1/orgs/{org}/payment-methods', { params: { path: { org: session.orgId } } }))
        : Promise.resolve(undefined),
    [session.orgId],
  );
  const card = methods.data?.data.find((m) => m.is_default);
  const cardName = card ? `${(card.brand ?? card.type).toUpperCase()} •••• ${card.last4 ?? '????'}` : undefined;
  const amount = formatMoney(invoice.amount_due_minor, invoice.currency);
  if (methods.data && !card) {
    return (
      <p class="notice" data-testid="pay-needs-card">
        To pay this invoice now, <a href="#/payment-methods">add a card</a> and make it the default.
      </p>
    );
  }
  return (
    <ConfirmAction
      label={`Pay ${amount} now`}
      confirmLabel={`Charge ${amount}`}
      consequences={
        <>
          <p>
            Charges {amount} to {cardName ?? "the organization's default card"} now for invoice {invoice.number}.
          </p>
          <p class="muted">
            Paid, the invoice is closed and any payment hold (past due, grace, suspension) is lifted. Declined, nothing
            is charged and you see why; <a href="#/payment-methods">update the card</a> and pay again.
          </p>
        </>
      }
      run={async () => {
        let answer: PayOutcome;
        try {
          answer = await callOperation<PayOutcome>(
            config.apiUrl,
            session,
            caps,
            'payInvoice',
            { org: session.orgId, id: invoice.id },
            { headers: { 'Idempotency-Key': key.current } },
          );
        } catch (e) {
          // Only a lost answer may be retried with the same key; anything definite starts afresh.
          if (!(e instanceof ApiError && (e.status === 0 || e.status >= 500))) key.current = idempotencyKey();
          throw e;
        }
        key.current = idempotencyKey();
        if (answer.outcome === 'paid')
          return `Paid ${amount}: invoice ${answer.invoice.number ?? invoice.number} is paid.`;
        if (answer.outcome === 'requires_action') {
          return (
            <>
              The bank asks the cardholder to confirm this payment.{' '}
              {answer.invoice.hosted_invoice_url ? (
                <a href={answer.invoice.hosted_invoice_url} target="_blank" rel="noopener noreferrer">
                  Complete it on Stripe's payment page
                </a>
              ) : (
                'Complete it from the link in the invoice email.'
              )}
            </>
          );
        }
        throw new Error(
          `The card was declined${answer.decline_code ? ` (${answer.decline_code.replace(/_/g, ' ')})` : ''}. ${
            answer.message ?? ''
          } Update the card on the payment methods page and pay again.`.replace(/\s+/g, ' '),
        );
      }}
      announce={announce}
      onDone={onPaid}
    />
  );
}

function UpcomingInvoice({ ctx }: { ctx: PageContext }) {
  const { api, session } = ctx;
  const loaded = useLoad(
    () => must(api.GET('/v1/orgs/{org}/invoices/upcoming', { params: { path: { org: session.orgId } } })),
    [session.orgId],
  );
  return (
    <Section title="Upcoming invoice" id="upcoming">
      <Show loaded={loaded} what="the upcoming invoice">
        {(invoice) => (
          <>
            <p class="muted">
              The current period as it would be invoiced if it closed now; usage until the period end is added.
            </p>
            <details data-testid="upcoming-details">
              <summary data-testid="upcoming-summary">
                {formatPeriod(invoice.period.start, invoice.period.end)}:{' '}
                {formatMoney(invoice.total_minor, invoice.currency)} so far, {invoice.lines.length} line
                {invoice.lines.length === 1 ? '' : 's'}
              </summary>
              <InvoiceDocument invoice={invoice} />
            </details>
          </>
        )}
      </Show>
    </Section>
  );
}
