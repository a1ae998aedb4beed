import { useState } from 'preact/hooks';
import type { operations } from '../../generated/api';
import { idempotencyKey, must } from '../api';
import { burnDown } from '../burn-down';
import { type ChartConfig, ChartFigure, PALETTE } from '../chart';
import {
  CONTRACT_EVENT_WORDS,
  CONTRACT_STATUS_WORDS,
  formatDate,
  formatDateTime,
  formatMoney,
  formatQuantity,
  METER_NAMES,
  percentInWords,
  ROLE_NAMES,
  unitPriceInWords,
} from '../format';
import { ConfirmAction, Facts, type PageContext, Section, Show, useLoad } from '../ui';

/**
 * Enterprise contracts: each with its terms, commitment per contract year, rate sheet and history, and
 * a burn-down per contract year from the utilization route (the commitment left after each billing
 * period, and where the API's run-rate projection takes the year in force). The lifecycle is run by the
 * vendor's sales operations through the API; the org's part here is to sign what awaits its signature
 * or decline it (void), each only where the route table lets this role.
 */
type Contract = operations['getContract']['responses'][200]['content']['application/json'];
type Version = Omit<Contract, 'amendment'>;
type Utilization = operations['getContractUtilization']['responses'][200]['content']['application/json'];
type HistoryEntry = operations['getContractHistory']['responses'][200]['content']['application/json']['data'][number];

export function ContractsPage(ctx: PageContext) {
  const { api, session, query } = ctx;
  const list = useLoad(
    () => must(api.GET('/v1/orgs/{org}/contracts', { params: { path: { org: session.orgId } } })),
    [session.orgId],
  );
  return (
    <Show loaded={list} what="contracts">
      {(contracts) => {
        if (!contracts.data.length) {
          return (
            <Section title="Contracts" id="contracts">
              <p data-testid="no-contracts">
                No enterprise contract. Contracts are drafted with your account team and appear here for signature.
              </p>
            </Section>
          );
        }
        // The contract asked for, else the one in force, else the newest.
        const selected =
          contracts.data.find((c) => c.id === query.get('id')) ??
          contracts.data.find((c) => c.status === 'active') ??
          contracts.data[0]!;
        return (
          <>
            <Section title="Contracts" id="contracts">
              <div class="table-wrap">
                <table data-testid="contracts-table">
                  <caption>The organization's contracts</caption>
                  <thead>
                    <tr>
                      <th scope="col">Contract</th>
                      <th scope="col">Status</th>
                      <th scope="col">Term</th>
                      <th scope="col">Commitment</th>
                    </tr>
                  </thead>
                  <tbody>
                    {contracts.data.map((c) => (
                      <tr key={c.id} data-contract={c.id} aria-current={c.id === selected.id ? 'true' : undefined}>
                        <th scope="row">
                          <a href={`#/contracts?id=${encodeURIComponent(c.id)}`}>{c.name}</a>
                        </th>
                        <td>
                          {CONTRACT_STATUS_WORDS[c.status] ?? c.status}
                          {c.amendment ? (
                            <div class="muted">
                              Amendment (version {c.amendment.version}):{' '}
                              {CONTRACT_STATUS_WORDS[c.amendment.status] ?? c.amendment.status}
                            </div>
                          ) : null}
                        </td>
                        <td>{termInWords(c)}</td>
                        <td>{commitmentInWords(c)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Section>
            <ContractDetail key={selected.id} ctx={ctx} id={selected.id} onChanged={list.reload} />
          </>
        );
      }}
    </Show>
  );
}

const termInWords = (c: Version) =>
  `${formatDate(c.term.start)} – ${formatDate(new Date(Date.parse(c.term.end) - 1).toISOString())} (${c.years.length} contract year${
    c.years.length === 1 ? '' : 's'
  })`;

const commitmentInWords = (c: Version) =>
  `${c.commit.type === 'prepaid' ? 'Prepaid' : 'Postpaid'}: ${c.years
    .map((y) => formatMoney(y.committed_minor, c.currency))
    .join(' + ')}`;

async function loadContract({ api, caps, session }: PageContext, id: string) {
  const path = { org: session.orgId, id };
  const [contract, utilization, history] = await Promise.all([
    must(api.GET('/v1/orgs/{org}/contracts/{id}', { params: { path } })),
    caps.can('getContractUtilization')
      ? must(api.GET('/v1/orgs/{org}/contracts/{id}/utilization', { params: { path } }))
      : Promise.resolve(undefined),
    caps.can('getContractHistory')
      ? must(api.GET('/v1/orgs/{org}/contracts/{id}/history', { params: { path } }))
      : Promise.resolve(undefined),
  ]);
  return { contract, utilization, history: history?.data };
}

function ContractDetail({ ctx, id, onChanged }: { ctx: PageContext; id: string; onChanged(): void }) {
  const loaded = useLoad(() => loadContract(ctx, id), [id]);
  const [outcome, setOutcome] = useState<string>();
  return (
    <Show loaded={loaded} what="the contract">
      {({ contract, utilization, history }) => {
        // Sign and void act on the newest version: an amendment under way, else the contract itself.
        const newest: Version = contract.amendment ?? contract;
        return (
          <>
            {outcome ? (
              <div class="notice notice-ok" role="status" data-testid="contract-outcome">
                {outcome}
              </div>
            ) : null}
            <Section title={contract.name} id="contract">
              <ContractFacts c={contract} />
              {contract.terms_text ? (
                <details>
                  <summary>Terms</summary>
                  <p class="terms-text">{contract.terms_text}</p>
                </details>
              ) : null}
              {contract.amendment ? (
                <p class="notice" data-testid="amendment">
                  Amendment (version {contract.amendment.version}) is{' '}
                  {(CONTRACT_STATUS_WORDS[contract.amendment.status] ?? contract.amendment.status).toLowerCase()}
                  {contract.amendment.amends
                    ? `; signed, it replaces version ${contract.amendment.amends.version} on ${formatDateTime(contract.amendment.amends.effective_at)}`
                    : ''}
                  .
                </p>
              ) : null}
              <Transitions
                ctx={ctx}
                contract={contract}
                version={newest}
                done={(what) => {
                  setOutcome(what);
                  loaded.reload();
                  onChanged();
                }}
              />
            </Section>
            {utilization ? <Utilization contract={contract} u={utilization} /> : null}
            <RateSheet c={contract} />
            {history ? <History entries={history} /> : null}
          </>
        );
      }}
    </Show>
  );
}

function ContractFacts({ c }: { c: Version }) {
  const money = (v: number) => formatMoney(v, c.currency);
  return (
    <Facts
      items={[
        ['Status', CONTRACT_STATUS_WORDS[c.status] ?? c.status, 'contract-status'],
        ['Version', String(c.version), 'contract-version'],
        ['Term', termInWords(c), 'contract-term'],
        [
          'In force',
          c.active_from
            ? `${formatDateTime(c.active_from)} – ${c.active_until ? formatDateTime(c.active_until) : 'open'}`
            : 'Not yet (from its term start, once signed)',
          'contract-in-force',
        ],
        ['Currency', c.currency, 'contract-currency'],
        [
          'Commitment',
          `${commitmentInWords(c)} — ${
            c.commit.type === 'prepaid'
              ? "each year's commitment is invoiced when the year starts and drawn down by usage"
              : "usage is invoiced each period; each year's end trues up to its commitment"
          }`,
          'contract-commitment',
        ],
        ['Platform fee', c.platform_fee_minor ? `${money(c.platform_fee_minor)} per billing period` : 'None'],
        [
          'Payment terms',
          c.net_days ? `Invoices due ${c.net_days} days after issue` : 'Charged automatically when invoiced',
          'contract-net-days',
        ],
        ['After the term', `The ${c.on_end.plan_id} plan`],
        [
          'Ended early',
          c.on_termination === 'invoice' ? 'The commitment left is invoiced' : 'The commitment left is waived',
        ],
        [
          'Signed',
          c.signatory
            ? `${c.signatory.name}${c.signatory.title ? `, ${c.signatory.title}` : ''} (${c.signatory.email})${
                c.signed_at ? `, ${formatDateTime(c.signed_at)}` : ''
              }`
            : 'Not yet',
          'contract-signed',
        ],
        ...(c.terminated_at
          ? ([
              [
                'Terminated',
                `${formatDateTime(c.terminated_at)}${c.termination_reason ? `: ${c.termination_reason}` : ''}`,
              ],
            ] as [string, string][])
          : []),
      ]}
    />
  );
}

/** Sign or decline what awaits the org's signature; nothing here for a role the route table refuses. */
function Transitions({
  ctx,
  contract,
  version,
  done,
}: {
  ctx: PageContext;
  contract: Contract;
  version: Version;
  done(what: string): void;
}) {
  const { api, caps, session } = ctx;
  const [signatory, setSignatory] = useState({ name: '', email: '', title: '' });
  if (!caps.can('transitionContract')) return null;
  const path = { org: session.orgId, id: contract.id };
  const post = (body: operations['transitionContract']['requestBody']['content']['application/json']) =>
    must(
      api.POST('/v1/orgs/{org}/contracts/{id}/transitions', {
        params: { path, header: { 'Idempotency-Key': idempotencyKey() } },
        body,
      }),
    );
  const money = (v: number) => formatMoney(v, version.currency);
  const what = version.version > 1 ? `the amendment (version ${version.version})` : 'the contract';
  const startsLater = Date.parse(version.term.start) > Date.now();
  const bind = (name: keyof typeof signatory) => ({
    id: `signatory-${name}`,
    value: signatory[name],
    onInput: (e: Event) => setSignatory({ ...signatory, [name]: (e.target as HTMLInputElement).value }),
  });
  return (
    <div class="action-row">
      {version.status === 'pending_signature' ? (
        <ConfirmAction
          label={`Sign ${what}`}
          confirmLabel="Sign"
          consequences={
            <>
              <p>
                Signing commits the organization to {commitmentInWords(version)} in {version.currency} over{' '}
                {termInWords(version)}.{' '}
                {startsLater
                  ? `It comes into force on ${formatDateTime(version.term.start)}.`
                  : 'It is in force from the moment it is signed.'}
              </p>
              <ul>
                {version.commit.type === 'prepaid' ? (
                  <li>
                    Each contract year's commitment is invoiced when the year starts
                    {startsLater ? '' : ` — the first (${money(version.years[0]?.committed_minor ?? 0)}) at once`}.
                  </li>
                ) : (
                  <li>Usage is invoiced each period; the end of each year trues up to its commitment.</li>
                )}
                <li>
                  While it is in force, usage is rated at the contract's rates and the self-serve subscription ends (its
                  unused flat fee is credited).
                </li>
                <li>Refused while billing is frozen (an open dispute or a failed payment).</li>
              </ul>
              <fieldset>
                <legend>Signed by</legend>
                <div class="controls">
                  <label for="signatory-name">
                    Name
                    <input type="text" required autoComplete="name" {...bind('name')} />
                  </label>
                  <label for="signatory-email">
                    Email
                    <input type="email" required autoComplete="email" {...bind('email')} />
                  </label>
                  <label for="signatory-title">
                    Title (optional)
                    <input type="text" autoComplete="organization-title" {...bind('title')} />
                  </label>
                </div>
              </fieldset>
            </>
          }
          run={async () => {
            if (!signatory.name.trim() || !signatory.email.trim())
              throw new Error("Enter the signatory's name and email.");
            const signed = await post({
              action: 'sign',
              signatory: {
                name: signatory.name.trim(),
                email: signatory.email.trim(),
                ...(signatory.title.trim() ? { title: signatory.title.trim() } : {}),
              },
            });
            const now = signed.amendment ?? signed;
            done(
              `Signed ${what}: ${(CONTRACT_STATUS_WORDS[now.status] ?? now.status).toLowerCase()}${
                now.active_from ? ` from ${formatDateTime(now.active_from)}` : ''
              }.`,
            );
            return undefined;
          }}
        />
      ) : null}
      {version.status === 'draft' || version.status === 'pending_signature' ? (
        <ConfirmAction
          danger
          label={`Decline ${what}`}
          confirmLabel="Void it"
          consequences={
            <p>
              Voids version {version.version}: it can no longer be signed{version.version > 1 ? ' and version ' : ''}
              {version.version > 1 ? `${version.version - 1} stays in force` : ''}. The history keeps it.
            </p>
          }
          run={async () => {
            await post({ action: 'void' });
            done(`Declined ${what}: void.`);
            return undefined;
          }}
        />
      ) : null}
    </div>
  );
}

function Utilization({ contract, u }: { contract: Contract; u: Utilization }) {
  const money = (v: number) => formatMoney(v, u.currency);
  const started = u.years.filter((y) => y.start <= u.as_of);
  return (
    <Section title="Commitment by contract year" id="utilization">
      <div class="table-wrap">
        <table data-testid="utilization-table">
          <caption>Consumed at the contract's rates, as of {formatDateTime(u.as_of)}</caption>
          <thead>
            <tr>
              <th scope="col">Year</th>
              <th scope="col">From – to</th>
              <th scope="col">Committed</th>
              <th scope="col">Consumed</th>
              <th scope="col">Left</th>
              <th scope="col">Used</th>
              <th scope="col">Overage</th>
            </tr>
          </thead>
          <tbody>
            {u.years.map((y) => (
              <tr key={y.index} data-year={y.index} aria-current={y.index === u.current_year ? 'true' : undefined}>
                <th scope="row">
                  {y.index}
                  {y.index === u.current_year ? ' (now)' : ''}
                </th>
                <td>
                  {formatDate(y.start)} – {formatDate(new Date(Date.parse(y.end) - 1).toISOString())}
                </td>
                <td class="amount">{money(y.committed_minor)}</td>
                <td class="amount">{money(y.consumed_minor)}</td>
                <td class="amount">{money(y.remaining_minor)}</td>
                <td>{y.percent_used === null ? '—' : percentInWords(y.percent_used)}</td>
                <td class="amount">{money(y.overage_minor)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {u.projection ? (
        <Facts
          items={[
            ['Run rate this year', `${money(u.projection.burn_rate_per_day_minor)} per day`, 'projection-rate'],
            ['Projected for the year', money(u.projection.projected_year_minor), 'projection-year'],
            contract.commit.type === 'prepaid'
              ? [
                  'Commitment runs out',
                  u.projection.exhausted_at ? formatDateTime(u.projection.exhausted_at) : 'Not this year at this rate',
                  'projection-exhausted',
                ]
              : ['True-up at this rate', money(u.projection.shortfall_minor ?? 0), 'projection-shortfall'],
          ]}
        />
      ) : null}
      {u.projection ? (
        <p class="muted" data-testid="projection-method">
          Projection: the year-to-date run rate (since the contract came into force in the year) carried on to the
          year's end.{earlyEstimate(contract, u)}
        </p>
      ) : null}
      {started.map((y) => {
        const current = y.index === u.current_year;
        const bd = burnDown(y, u.as_of, current ? u.projection : null);
        const config: ChartConfig = {
          type: 'line',
          data: {
            labels: bd.labels,
            datasets: [
              {
                label: 'Commitment left',
                data: bd.remaining,
                borderColor: PALETTE[0],
                backgroundColor: PALETTE[0],
                pointRadius: 3,
                spanGaps: true,
              },
              ...(bd.projected
                ? [
                    {
                      label: 'Projected at the run rate',
                      data: bd.projected,
                      borderColor: PALETTE[1],
                      backgroundColor: PALETTE[1],
                      borderDash: [6, 4],
                      pointRadius: 0,
                      spanGaps: true,
                    },
                  ]
                : []),
            ],
          },
          options: {
            interaction: { mode: 'index', intersect: false },
            scales: {
              y: { beginAtZero: true, ticks: { precision: 0, callback: (v) => money(Math.round(Number(v))) } },
              x: { ticks: { maxTicksLimit: 12 } },
            },
            plugins: {
              tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(Number(c.parsed.y))}` } },
            },
          },
        };
        const ending =
          current && u.projection
            ? contract.commit.type === 'prepaid'
              ? u.projection.exhausted_at
                ? ` At the run rate it runs out on ${formatDate(u.projection.exhausted_at)}.`
                : ' At the run rate it lasts the year.'
              : ` At the run rate the year ends ${money(u.projection.shortfall_minor ?? 0)} short (the true-up).`
            : '';
        return (
          <ChartFigure
            key={y.index}
            id={`burn-down-${y.index}`}
            title={`Year ${y.index}: commitment left`}
            summary={`${money(y.consumed_minor)} of ${money(y.committed_minor)} consumed, ${money(y.remaining_minor)} left${
              y.overage_minor ? `, ${money(y.overage_minor)} over` : ''
            }.${ending}`}
            config={config}
            formatValue={money}
            onlyRowsWithValues
          />
        );
      })}
      {u.years.length > started.length ? (
        <p class="muted">
          {u.years.length - started.length} later year{u.years.length - started.length === 1 ? '' : 's'} not started
          yet.
        </p>
      ) : null}
      {started.some((y) => y.by_meter.length) ? (
        <details>
          <summary>Consumed by meter and model</summary>
          <div class="table-wrap">
            <table data-testid="utilization-by-meter">
              <thead>
                <tr>
                  <th scope="col">Year</th>
                  <th scope="col">Meter</th>
                  <th scope="col">Model</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Amount</th>
                </tr>
              </thead>
              <tbody>
                {started.flatMap((y) =>
                  y.by_meter.map((m) => (
                    <tr key={`${y.index}-${m.meter}-${m.model ?? ''}`}>
                      <td>{y.index}</td>
                      <th scope="row">{METER_NAMES[m.meter] ?? m.meter}</th>
                      <td>{m.model ?? '—'}</td>
                      <td>{formatQuantity(m.quantity)}</td>
                      <td class="amount">{money(m.amount_minor)}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </Section>
  );
}

/** A run rate measured over less than a week says little yet: say over how long it was measured. */
function earlyEstimate(contract: Contract, u: Utilization): string {
  const year = u.years.find((y) => y.index === u.current_year);
  if (!year || !contract.active_from) return '';
  const from = Math.max(Date.parse(year.start), Date.parse(contract.active_from));
  const ms = Date.parse(u.as_of) - from;
  if (ms >= 7 * 86_400_000) return '';
  const hours = ms / 3_600_000;
  const span =
    hours < 1
      ? `${Math.max(1, Math.round(ms / 60_000))} minute(s)`
      : hours < 48
        ? `${Math.round(hours)} hour(s)`
        : `${Math.round(hours / 24)} days`;
  return ` Measured over only ${span} in force so far: an early estimate, which settles as the year goes on.`;
}

function RateSheet({ c }: { c: Version }) {
  const included = Object.entries(c.included).filter(([, v]) => v);
  return (
    <Section title="Rate sheet" id="rates">
      <p>
        {c.rates.discount_percent !== '0'
          ? `${percentInWords(c.rates.discount_percent)} off the list price`
          : 'List prices'}
        {c.rates.overrides.length
          ? `, with ${c.rates.overrides.length} negotiated rate${c.rates.overrides.length === 1 ? '' : 's'}`
          : ''}
        .
        {included.length
          ? ` Included each billing period: ${included
              .map(([k, v]) => `${formatQuantity(v as number)} ${k.replace(/_/g, ' ')}`)
              .join(', ')}.`
          : ''}
      </p>
      <div class="table-wrap">
        <table data-testid="rate-sheet">
          <caption>Prices usage is rated at</caption>
          <thead>
            <tr>
              <th scope="col">Meter</th>
              <th scope="col">Model</th>
              <th scope="col">Contract price</th>
              <th scope="col">List price</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {c.rate_sheet.map((p) => (
              <tr key={`${p.meter}-${p.model ?? ''}`}>
                <th scope="row">{METER_NAMES[p.meter] ?? p.meter}</th>
                <td>{p.model ?? '—'}</td>
                <td>
                  {unitPriceInWords(p.meter, p.unit_amount_decimal, c.currency)}
                  {p.tiers ? <div class="muted">volume tiers, each discounted</div> : null}
                </td>
                <td>
                  {p.list_unit_amount_decimal ? unitPriceInWords(p.meter, p.list_unit_amount_decimal, c.currency) : '—'}
                </td>
                <td>{p.source === 'override' ? 'Negotiated' : 'List, discounted'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function History({ entries }: { entries: HistoryEntry[] }) {
  return (
    <Section title="History" id="history">
      <div class="table-wrap">
        <table data-testid="contract-history">
          <caption>Every version and step, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Version</th>
              <th scope="col">Effective</th>
              <th scope="col">Who</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.at)}</td>
                <th scope="row">{CONTRACT_EVENT_WORDS[e.action] ?? e.action}</th>
                <td>{e.version}</td>
                <td>{e.effective_at === e.at ? '—' : formatDateTime(e.effective_at)}</td>
                <td>
                  {e.actor.id}
                  {e.actor.role ? <span class="muted"> ({ROLE_NAMES[e.actor.role] ?? e.actor.role})</span> : null}
                </td>
                <td>
                  <details>
                    <summary>Before and after</summary>
                    <div class="diff">
                      <div>
                        <h4>Before</h4>
                        <pre>{JSON.stringify(e.before ?? null, null, 2)}</pre>
                      </div>
                      <div>
                        <h4>After</h4>
                        <pre>{JSON.stringify(e.after ?? null, null, 2)}</pre>
                      </div>
                    </div>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}
