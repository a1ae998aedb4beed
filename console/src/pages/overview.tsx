import { json, must } from '../api';
import { type ChartConfig, ChartFigure, PALETTE } from '../chart';
import {
  DUNNING_WORDS,
  day,
  daysOf,
  formatDate,
  formatDateTime,
  formatMoney,
  formatPeriod,
  formatQuantity,
  freezeReasonInWords,
  METER_NAMES,
  MODEL_NAMES,
} from '../format';
import { Facts, type PageContext, Section, Show, useLoad } from '../ui';

type BillingStatus = Awaited<ReturnType<typeof loadOverview>>['status'];

async function loadOverview({ api, caps, session }: PageContext) {
  const path = { org: session.orgId };
  const [org, subscription, status, forecast, budgets] = await Promise.all([
    caps.has('getOrg') ? must(api.GET('/v1/orgs/{org}', { params: { path } })) : Promise.resolve(undefined),
    must(api.GET('/v1/orgs/{org}/subscription', { params: { path } })),
    must(api.GET('/v1/orgs/{org}/billing-status', { params: { path } })),
    must(api.GET('/v1/orgs/{org}/usage/forecast', { params: { path } })),
    must(api.GET('/v1/orgs/{org}/budgets', { params: { path } })),
  ]);
  const from = day(forecast.period.start);
  const to = day(forecast.period.end);
  const [costs, openInvoices] = await Promise.all([
    must(api.GET('/v1/orgs/{org}/costs', { params: { path, query: { from, to, group_by: 'day' } } })).then(json),
    // In dunning, the open invoices are what to pay: the freeze panel links to each.
    status.dunning_state !== 'none' && caps.can('listInvoices')
      ? must(api.GET('/v1/orgs/{org}/invoices', { params: { path, query: { status: 'open', limit: 5 } } })).then(
          (p) => p.data,
        )
      : Promise.resolve(undefined),
  ]);
  return { org, subscription, status, forecast, budgets, costs, openInvoices };
}
type OpenInvoice = NonNullable<Awaited<ReturnType<typeof loadOverview>>['openInvoices']>[number];

export function OverviewPage(ctx: PageContext) {
  const loaded = useLoad(() => loadOverview(ctx), [ctx.session.orgId]);
  return (
    <Show loaded={loaded} what="the overview">
      {(o) => {
        const sub = o.subscription;
        return (
          <>
            <FreezePanel ctx={ctx} status={o.status} openInvoices={o.openInvoices} />
            <Section title="Organization and plan" id="org">
              <Facts
                items={[
                  ['Organization', o.org?.name ?? ctx.session.orgId, 'org-name'],
                  ['Organization id', <code key="id">{ctx.session.orgId}</code>, 'org-id'],
                  ['Plan', sub.status === 'active' ? sub.plan_name : `${sub.plan_name} (no paid subscription)`, 'plan'],
                  ['Billing model', MODEL_NAMES[sub.billing_model] ?? sub.billing_model, 'billing-model'],
                  ['Currency', sub.currency, 'currency'],
                  ['Current period', formatPeriod(sub.current_period.start, sub.current_period.end), 'period'],
                  ['Billing status', statusInWords(o.status), 'billing-status'],
                ]}
              />
              {sub.cancel_at_period_end && sub.cancel_at ? (
                <p class="notice" data-testid="cancel-notice">
                  The subscription ends on {formatDate(sub.cancel_at)}; the organization then falls back to the free
                  tier.
                </p>
              ) : null}
              {sub.pending_changes.length ? (
                <ul class="pending" aria-label="Scheduled changes">
                  {sub.pending_changes.map((c) => (
                    <li key={`${c.type}-${c.effective_at}`}>{pendingInWords(c)}</li>
                  ))}
                </ul>
              ) : null}
            </Section>
            <SpendSection o={o} />
          </>
        );
      }}
    </Show>
  );
}

function pendingInWords(c: PendingChangeLike): string {
  const when = formatDate(c.effective_at);
  if (c.type === 'downgrade')
    return `On ${when}: moves to the ${c.plan_id} plan (${MODEL_NAMES[c.billing_model ?? ''] ?? c.billing_model}).`;
  if (c.type === 'currency_switch') return `On ${when}: billing switches to ${c.currency}.`;
  return `On ${when}: the subscription is canceled.`;
}
type PendingChangeLike = {
  type: string;
  effective_at: string;
  plan_id?: string;
  billing_model?: string;
  currency?: string;
};

function statusInWords(status: BillingStatus): string {
  const frozen = !status.new_spend_allowed;
  if (status.dunning_state === 'none') return frozen ? 'New spend frozen' : 'In good standing';
  return `${DUNNING_WORDS[status.dunning_state] ?? status.dunning_state}${frozen ? ' · new spend frozen' : ''}`;
}

function FreezePanel({
  ctx,
  status,
  openInvoices,
}: {
  ctx: PageContext;
  status: BillingStatus;
  openInvoices: OpenInvoice[] | undefined;
}) {
  if (status.new_spend_allowed && status.dunning_state === 'none') return null;
  const admin = ctx.caps.can('listPaymentMethods');
  const dunning = status.dunning_state !== 'none';
  const disputed = status.freeze_reasons.some((r) => r.startsWith('dispute:'));
  return (
    <section class="card frozen" role="alert" aria-labelledby="frozen-title" data-testid="freeze-panel">
      <h2 id="frozen-title">{status.new_spend_allowed ? 'A payment needs attention' : 'Billing is frozen'}</h2>
      <p>
        {status.new_spend_allowed
          ? 'Purchases still go through, but the account moves towards suspension until the payment succeeds.'
          : 'New spend is refused while this lasts: no new subscription, upgrade or paid add-on. Your current plan keeps working.'}
      </p>
      <ul data-testid="freeze-reasons">
        {status.freeze_reasons.map((r) => (
          <li key={r}>{freezeReasonInWords(r, status.dunning_state, status.disputes)}</li>
        ))}
      </ul>
      <h3>What to do</h3>
      <ul>
        {dunning ? (
          <>
            <li>
              {admin ? (
                <>
                  <a href="#/payment-methods">Update the card</a> (add a new one and make it the default); the next
                  payment attempt then clears the state.
                </>
              ) : (
                'Ask an owner or billing admin to update the card or pay the outstanding invoice.'
              )}
            </li>
            <InvoicesToPay ctx={ctx} invoices={openInvoices} />
            <li class="muted">
              {status.dunning_entered_at ? `In this state since ${formatDateTime(status.dunning_entered_at)}. ` : ''}
              Unpaid, it moves from past due to a grace period after 3 days, to suspended 7 days later and to canceled
              14 days after that.
            </li>
          </>
        ) : null}
        {disputed ? (
          <li>
            {admin
              ? 'Answer the dispute with your evidence in Stripe; when the bank closes it in your favour, spending opens again on its own.'
              : 'Ask an owner or billing admin to answer the dispute; spending opens again when it is closed.'}
          </li>
        ) : null}
      </ul>
    </section>
  );
}

/**
 * What is owed, each open invoice linked to its page: "Pay … now" where this role may pay it (the API
 * serves pay now), else where to see it. A role that cannot read invoices is told who can.
 */
function InvoicesToPay({ ctx, invoices }: { ctx: PageContext; invoices: OpenInvoice[] | undefined }) {
  const pay = ctx.caps.can('payInvoice');
  if (!invoices) return null;
  const owed = invoices.filter((i) => i.amount_due_minor > 0);
  if (!owed.length) {
    return (
      <li>
        No invoice is open: the <a href="#/invoices">invoices page</a> lists what was billed.
      </li>
    );
  }
  return (
    <>
      {owed.map((i) => {
        const what = `invoice ${i.number ?? i.id} (${formatMoney(i.amount_due_minor, i.currency)}${
          i.due_at ? `, due ${formatDate(i.due_at)}` : ''
        })`;
        return (
          <li key={i.id} data-testid="open-invoice">
            <a href={`#/invoices?id=${encodeURIComponent(i.id)}`}>{pay ? `Pay ${what} now` : `See ${what}`}</a>
            {pay ? ' with the card on file or a new default card.' : '.'}
          </li>
        );
      })}
    </>
  );
}

function SpendSection({ o }: { o: Awaited<ReturnType<typeof loadOverview>> }) {
  const { forecast, budgets, costs } = o;
  const currency = forecast.currency;
  const money = (v: number) => formatMoney(v, currency);
  const days = daysOf(day(forecast.period.start), day(forecast.period.end));
  const today = day(forecast.as_of);
  const byDay = new Map<string, number>();
  for (const row of costs.rows) {
    if (row.day && row.currency === currency) byDay.set(row.day, (byDay.get(row.day) ?? 0) + row.amount_minor);
  }
  // Cumulative actual spend up to today; the forecast runs on from today's figure to the period end.
  let running = 0;
  const actual = days.map((d) => {
    running += byDay.get(d) ?? 0;
    return d <= today ? running : null;
  });
  const todayIndex = Math.max(0, days.indexOf(today));
  const last = days.length - 1;
  const towards = (end: number) =>
    days.map((_d, i) =>
      i < todayIndex
        ? null
        : Math.round(
            forecast.spent_minor + ((end - forecast.spent_minor) * (i - todayIndex)) / Math.max(1, last - todayIndex),
          ),
    );
  const names = new Map(budgets.budgets.map((b) => [b.id, b]));
  const orgBudgets = forecast.budgets.filter((b) => names.get(b.budget_id)?.scope.kind === 'org');
  const budgetName = (id: string) => {
    const b = names.get(id);
    if (!b) return id;
    return b.name ?? (b.scope.kind === 'org' ? 'Organization budget' : `${b.scope.kind} ${b.scope.id ?? ''} budget`);
  };
  const burn: ChartConfig = {
    type: 'line',
    data: {
      labels: days,
      datasets: [
        {
          label: 'Spent (cumulative)',
          data: actual,
          borderColor: PALETTE[0],
          backgroundColor: PALETTE[0],
          pointRadius: 2,
        },
        {
          label: 'Forecast',
          data: towards(forecast.projected_minor),
          borderColor: PALETTE[1],
          backgroundColor: PALETTE[1],
          borderDash: [6, 4],
          pointRadius: 0,
        },
        {
          label: 'Forecast low',
          data: towards(forecast.low_minor),
          borderColor: 'rgba(230,159,0,0.35)',
          backgroundColor: 'rgba(230,159,0,0.15)',
          pointRadius: 0,
          borderWidth: 1,
        },
        {
          label: 'Forecast high',
          data: towards(forecast.high_minor),
          borderColor: 'rgba(230,159,0,0.35)',
          backgroundColor: 'rgba(230,159,0,0.15)',
          pointRadius: 0,
          borderWidth: 1,
          fill: '-1',
        },
        ...orgBudgets.map((b, i) => ({
          label: `Budget: ${budgetName(b.budget_id)}`,
          data: days.map(() => b.limit_minor),
          borderColor: PALETTE[5 + (i % 3)],
          backgroundColor: PALETTE[5 + (i % 3)],
          pointRadius: 0,
          borderWidth: 2,
        })),
      ],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0, callback: (v) => money(Math.round(Number(v))) } },
        x: { ticks: { maxTicksLimit: 10 } },
      },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(Number(c.parsed.y))}` } } },
    },
  };
  const perBudget: ChartConfig = {
    type: 'bar',
    data: {
      labels: forecast.budgets.map((b) => budgetName(b.budget_id)),
      datasets: [
        { label: 'Spent so far', data: forecast.budgets.map((b) => b.spent_minor), backgroundColor: PALETTE[0] },
        {
          label: 'Forecast at period end',
          data: forecast.budgets.map((b) => b.projected_minor),
          backgroundColor: PALETTE[1],
        },
        { label: 'Budget', data: forecast.budgets.map((b) => b.limit_minor), backgroundColor: PALETTE[5] },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: { x: { beginAtZero: true, ticks: { precision: 0, callback: (v) => money(Math.round(Number(v))) } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(Number(c.parsed.x))}` } } },
    },
  };
  const usage = o.subscription.usage_summary;
  return (
    <Section title="Spend this period" id="spend">
      <Facts
        items={[
          ['Spent so far', money(forecast.spent_minor), 'spent'],
          [
            'Forecast for the period',
            `${money(forecast.projected_minor)} (likely ${money(forecast.low_minor)} – ${money(forecast.high_minor)})`,
            'forecast',
          ],
          ['As of', formatDateTime(forecast.as_of), 'as-of'],
        ]}
      />
      <p class="muted">{forecast.method_description}</p>
      <ChartFigure
        id="burn-chart"
        title="Period-to-date spend and forecast"
        summary={`Spent ${money(forecast.spent_minor)} so far; forecast ${money(forecast.projected_minor)} by the period end (${formatDate(
          new Date(Date.parse(forecast.period.end) - 1).toISOString(),
        )})${orgBudgets.length ? ` against ${orgBudgets.length} organization budget(s)` : ''}.`}
        config={burn}
        formatValue={money}
      />
      {forecast.budgets.length ? (
        <>
          <ChartFigure
            id="budget-chart"
            title="Each budget: spent and forecast"
            summary={forecast.budgets
              .map((b) => `${budgetName(b.budget_id)}: ${money(b.spent_minor)} of ${money(b.limit_minor)}`)
              .join('; ')}
            config={perBudget}
            formatValue={money}
          />
          <div class="table-wrap">
            <table data-testid="budgets-table">
              <caption>Budgets</caption>
              <thead>
                <tr>
                  <th scope="col">Budget</th>
                  <th scope="col">Limit</th>
                  <th scope="col">Spent</th>
                  <th scope="col">Forecast</th>
                  <th scope="col">Runs out</th>
                </tr>
              </thead>
              <tbody>
                {forecast.budgets.map((b) => (
                  <tr key={b.budget_id}>
                    <th scope="row">{budgetName(b.budget_id)}</th>
                    <td>{money(b.limit_minor)}</td>
                    <td>{money(b.spent_minor)}</td>
                    <td>{money(b.projected_minor)}</td>
                    <td>
                      {b.spent_minor >= b.limit_minor
                        ? 'Already exceeded'
                        : b.exhausted_at
                          ? formatDateTime(b.exhausted_at)
                          : 'Not this period'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : (
        <p class="muted">No budgets are set.</p>
      )}
      {usage.meters.length ? (
        <div class="table-wrap">
          <table data-testid="summary-table">
            <caption>Usage this period</caption>
            <thead>
              <tr>
                <th scope="col">Meter</th>
                <th scope="col">Model</th>
                <th scope="col">Quantity</th>
                <th scope="col">Amount</th>
              </tr>
            </thead>
            <tbody>
              {usage.meters.map((m) => (
                <tr key={`${m.meter}-${m.model ?? ''}`}>
                  <th scope="row">{METER_NAMES[m.meter] ?? m.meter}</th>
                  <td>{m.model ?? '—'}</td>
                  <td>{formatQuantity(m.quantity)}</td>
                  <td>{formatMoney(m.amount_minor, usage.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Section>
  );
}
