import { useState } from 'preact/hooks';
import { json, must } from '../api';
import { type ChartConfig, ChartFigure, PALETTE } from '../chart';
import { addDays, day, daysOf, formatMoney, formatQuantity, METER_NAMES } from '../format';
import { ErrorNotice, type PageContext, Section, Show, useLoad } from '../ui';

/**
 * Spend (costs) or quantities (usage report) over any window of days, by day — or by hour once the
 * API offers `window=hour` (read from its OpenAPI document; until then the choice is shown disabled) —
 * stacked by model, agent, connection or meter, as a chart and a table, with the API's own CSV.
 */
const GROUPS = {
  model: { label: 'Model', key: 'model' },
  agent: { label: 'Agent', key: 'agent_id' },
  connection: { label: 'Connection', key: 'connection_id' },
  meter: { label: 'Meter', key: 'meter' },
} as const;
type Group = keyof typeof GROUPS;
const MEASURES = [
  'spend',
  'llm_input_tokens',
  'llm_output_tokens',
  'llm_cached_input_tokens',
  'tool_invocations',
  'agent_runs',
];
const MAX_SERIES = 8;
/** Where an hourly row may carry its hour (the hourly window is new in the API): the first string found wins. */
const HOUR_KEYS = ['hour', 'window_start', 'start', 'time', 'at'];

type Row = Record<string, unknown> & { amount_minor?: number; quantity?: number; currency?: string; day?: string };

export function UsagePage(ctx: PageContext) {
  const { api, caps, session, query, setQuery } = ctx;
  const path = { org: session.orgId };
  const hourly = caps.queryParameter('getCosts', 'window')?.enum?.includes('hour') ?? false;
  const summary = useLoad(() => must(api.GET('/v1/orgs/{org}/usage/summary', { params: { path } })), [session.orgId]);
  return (
    <Show loaded={summary} what="the usage period">
      {(s) => {
        // The current period, and at least the last 7 days (early in a period, the days before it too).
        const periodStart = day(s.period.start);
        const weekAgo = addDays(day(s.as_of), -6);
        const defaults = { from: [weekAgo, periodStart].sort()[0]!, to: addDays(day(s.as_of), 1) };
        const window = query.get('window') === 'hour' && hourly ? 'hour' : 'day';
        const settings = {
          from: query.get('from') ?? defaults.from,
          to: query.get('to') ?? defaults.to,
          group:
            (query.get('group') as Group | null) && query.get('group')! in GROUPS
              ? (query.get('group') as Group)
              : 'model',
          measure: MEASURES.includes(query.get('measure') ?? '') ? query.get('measure')! : 'spend',
          window,
        } as const;
        return (
          <>
            <Controls
              key={JSON.stringify(settings)}
              ctx={ctx}
              settings={settings}
              hourly={hourly}
              currency={s.currency}
              set={setQuery}
            />
            <UsageView ctx={ctx} settings={settings} currency={s.currency} />
          </>
        );
      }}
    </Show>
  );
}

interface Settings {
  from: string;
  to: string;
  group: Group;
  measure: string;
  window: 'day' | 'hour';
}

function Controls({
  settings,
  hourly,
  set,
}: {
  ctx: PageContext;
  settings: Settings;
  hourly: boolean;
  currency: string;
  set(next: Record<string, string>): void;
}) {
  const [draft, setDraft] = useState(settings);
  const field = (name: keyof Settings) => ({
    id: `usage-${name}`,
    value: draft[name],
    onChange: (e: Event) => setDraft({ ...draft, [name]: (e.target as HTMLInputElement).value }),
  });
  return (
    <Section title="Usage and spend" id="usage-controls">
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault();
          set({ ...draft });
        }}
      >
        <label for="usage-from">
          From (UTC day)
          <input type="date" required {...field('from')} />
        </label>
        <label for="usage-to">
          To (exclusive)
          <input type="date" required {...field('to')} />
        </label>
        <label for="usage-measure">
          Show
          <select {...field('measure')}>
            {MEASURES.map((m) => (
              <option key={m} value={m}>
                {m === 'spend' ? 'Spend' : (METER_NAMES[m] ?? m)}
              </option>
            ))}
          </select>
        </label>
        <label for="usage-group">
          Stacked by
          <select {...field('group')}>
            {Object.entries(GROUPS).map(([k, g]) => (
              <option key={k} value={k}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
        <label for="usage-window">
          Per
          <select {...field('window')} aria-describedby={hourly ? undefined : 'window-note'}>
            <option value="day">Day</option>
            <option value="hour" disabled={!hourly}>
              Hour{hourly ? '' : ' (soon)'}
            </option>
          </select>
        </label>
        <button type="submit" class="primary">
          Show
        </button>
      </form>
      {hourly ? null : (
        <p class="muted" id="window-note">
          Hourly windows appear here as soon as the API serves <code>window=hour</code>.
        </p>
      )}
    </Section>
  );
}

function bucketOf(row: Row, window: 'day' | 'hour'): string | undefined {
  if (window === 'hour') {
    for (const key of HOUR_KEYS) {
      const v = row[key];
      if (typeof v === 'string') return `${new Date(v).toISOString().slice(0, 13)}:00Z`;
    }
  }
  return row.day;
}

function bucketsOf(settings: Settings): string[] {
  const days = daysOf(settings.from, settings.to);
  if (settings.window === 'day') return days;
  return days.flatMap((d) => Array.from({ length: 24 }, (_v, h) => `${d}T${String(h).padStart(2, '0')}:00Z`));
}

const bucketLabel = (b: string) => (b.length > 10 ? `${b.slice(5, 10)} ${b.slice(11, 16)}` : b);

function UsageView({ ctx, settings, currency }: { ctx: PageContext; settings: Settings; currency: string }) {
  const { api, session } = ctx;
  const path = { org: session.orgId };
  const spend = settings.measure === 'spend';
  const group = GROUPS[settings.group];
  const groupBy = settings.group === 'meter' ? 'meter' : spend ? settings.group : `meter,${settings.group}`;
  const query = {
    from: settings.from,
    to: settings.to,
    group_by: settings.window === 'day' ? `${groupBy},day` : groupBy,
    ...(settings.window === 'hour' ? { window: 'hour' as const } : {}),
  };
  const [csvError, setCsvError] = useState<unknown>();
  const loaded = useLoad(async (): Promise<Row[]> => {
    if (spend) {
      const costs = json(await must(api.GET('/v1/orgs/{org}/costs', { params: { path, query } })));
      return costs.rows as Row[];
    }
    const report = json(await must(api.GET('/v1/orgs/{org}/usage/report', { params: { path, query } })));
    return (report.rows as Row[]).filter((r) => r.meter === settings.measure);
  }, [JSON.stringify(settings)]);

  const download = async () => {
    setCsvError(undefined);
    try {
      const call = spend
        ? api.GET('/v1/orgs/{org}/costs', { params: { path, query }, headers: { accept: 'text/csv' }, parseAs: 'text' })
        : api.GET('/v1/orgs/{org}/usage/report', {
            params: { path, query },
            headers: { accept: 'text/csv' },
            parseAs: 'text',
          });
      const text = await must(call as Promise<{ data?: string; error?: unknown; response: Response }>);
      const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${spend ? 'costs' : 'usage'}-${session.orgId}-${settings.from}-${settings.to}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setCsvError(e);
    }
  };

  const value = (r: Row) => (spend ? (r.currency === currency ? (r.amount_minor ?? 0) : 0) : (r.quantity ?? 0));
  const show = (v: number) => (spend ? formatMoney(v, currency) : formatQuantity(v));
  const measureName = spend ? 'Spend' : (METER_NAMES[settings.measure] ?? settings.measure);
  return (
    <Section title={`${measureName} by ${settings.window}, stacked by ${group.label.toLowerCase()}`} id="usage-result">
      <Show loaded={loaded} what="usage">
        {(rows) => {
          const buckets = bucketsOf(settings);
          const totals = new Map<string, number>();
          const cells = new Map<string, number>();
          for (const r of rows) {
            const bucket = bucketOf(r, settings.window);
            if (!bucket) continue;
            const name = String(r[group.key] ?? '(none)');
            const v = value(r);
            totals.set(name, (totals.get(name) ?? 0) + v);
            cells.set(`${bucket}|${name}`, (cells.get(`${bucket}|${name}`) ?? 0) + v);
          }
          const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n);
          const shown = ranked.slice(0, MAX_SERIES);
          const rest = ranked.slice(MAX_SERIES);
          const series = [
            ...shown.map((n) => ({ name: n, members: [n] })),
            ...(rest.length ? [{ name: `Other (${rest.length})`, members: rest }] : []),
          ];
          const at = (b: string, members: string[]) => members.reduce((s, m) => s + (cells.get(`${b}|${m}`) ?? 0), 0);
          const grand = [...totals.values()].reduce((a, b) => a + b, 0);
          const config: ChartConfig = {
            type: 'bar',
            data: {
              labels: buckets.map(bucketLabel),
              datasets: series.map((s, i) => ({
                label: s.name === '(none)' ? `no ${group.label.toLowerCase()}` : s.name,
                data: buckets.map((b) => at(b, s.members)),
                backgroundColor: PALETTE[i % PALETTE.length],
                stack: 'usage',
              })),
            },
            options: {
              interaction: { mode: 'index', intersect: false },
              scales: {
                x: { stacked: true, ticks: { maxTicksLimit: 16 } },
                y: {
                  stacked: true,
                  beginAtZero: true,
                  ticks: { precision: 0, callback: (v) => show(Math.round(Number(v))) },
                },
              },
              plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${show(Number(c.parsed.y))}` } } },
            },
          };
          const nonEmpty = buckets.filter((b) => series.some((s) => at(b, s.members) !== 0));
          return (
            <>
              <p data-testid="usage-total">
                Total {measureName.toLowerCase()} from {settings.from} to {settings.to}: <strong>{show(grand)}</strong>
              </p>
              {rows.length ? (
                <ChartFigure
                  id="usage-chart"
                  title={`${measureName} per ${settings.window}`}
                  summary={`${series.length} series over ${buckets.length} ${settings.window}s; largest: ${
                    shown[0] ?? 'none'
                  } (${show(totals.get(shown[0] ?? '') ?? 0)}).`}
                  config={config}
                  formatValue={show}
                />
              ) : (
                <p class="muted">No usage in this window.</p>
              )}
              <div class="buttons">
                <button type="button" onClick={download}>
                  Download CSV
                </button>
              </div>
              {csvError ? <ErrorNotice error={csvError} title="Could not download the CSV" /> : null}
              {nonEmpty.length ? (
                <div class="table-wrap">
                  <table data-testid="usage-table">
                    <caption>
                      {measureName} per {settings.window} and {group.label.toLowerCase()}
                    </caption>
                    <thead>
                      <tr>
                        <th scope="col">{settings.window === 'day' ? 'Day' : 'Hour (UTC)'}</th>
                        {series.map((s) => (
                          <th scope="col" key={s.name}>
                            {s.name}
                          </th>
                        ))}
                        <th scope="col">Total</th>
                      </tr>
                    </thead>
                    <tbody>
                      {nonEmpty.map((b) => (
                        <tr key={b}>
                          <th scope="row">{bucketLabel(b)}</th>
                          {series.map((s) => (
                            <td key={s.name}>{show(at(b, s.members))}</td>
                          ))}
                          <td>{show(series.reduce((sum, s) => sum + at(b, s.members), 0))}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
            </>
          );
        }}
      </Show>
    </Section>
  );
}
