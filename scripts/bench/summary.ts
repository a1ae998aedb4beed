/**
 * `npm run bench`'s last step: gathers what each benchmark wrote in bench-results/ into one
 * bench-results/summary.json and regenerates the README's results table (between its bench markers),
 * stating the machine and when each figure was measured. Reads results only: run the benchmarks first
 * (a missing one is listed as not run, never invented).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { signedPoints } from './forecast/paired';
import { replaceReadmeBlock } from './readme-block';

const ROOT = resolve(__dirname, '../..');
const RESULTS = join(ROOT, 'bench-results');

// biome-ignore lint/suspicious/noExplicitAny: each benchmark's JSON has its own shape; a missing field prints as such
type Json = Record<string, any>;
interface Row {
  readonly benchmark: string;
  readonly figure: string;
  readonly value: string;
  readonly target?: string;
  readonly command: string;
  readonly measured_at: string | null;
}

const read = (name: string): Json | undefined => {
  const file = join(RESULTS, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Json) : undefined;
};
const when = (j: Json | undefined) => (j?.measured_at ?? j?.measuredAt ?? null) as string | null;
const yes = (ok: unknown) => (ok === true ? 'met' : ok === false ? 'NOT met' : '—');

function rows(): Row[] {
  const out: Row[] = [];
  const add = (benchmark: string, command: string, j: Json | undefined, figures: [string, string, string?][]) => {
    if (!j) {
      out.push({ benchmark, figure: '(not run)', value: '—', command, measured_at: null });
      return;
    }
    for (const [figure, value, target] of figures)
      out.push({ benchmark, figure, value, ...(target ? { target } : {}), command, measured_at: when(j) });
  };

  const bundles = read('bundles');
  add('bundles', 'npm run bench:bundles', bundles, [
    ['functions', String(bundles?.all?.functions)],
    [
      'KiB min / median / max',
      `${bundles?.all?.minKib?.toFixed(1)} / ${bundles?.all?.medianKib?.toFixed(1)} / ${bundles?.all?.maxKib?.toFixed(1)}`,
    ],
  ]);

  const ingest = read('ingest');
  const wcu50 = (ingest?.wcu_per_event as Json[] | undefined)?.find((w) => w.batch_size === 50);
  add('ingest', 'npm run bench:ingest', ingest, [
    ['end to end events/s (SQS → aggregates)', String(ingest?.end_to_end?.events_per_s)],
    [
      'WCU per event at batch 50 (AWS rules)',
      String(wcu50?.wcu_per_event_aws),
      `≤ 2.25: ${yes(ingest?.targets?.wcu_per_event_at_batch_50_le_2_25)}`,
    ],
    [
      'summary p50 ms at 1,000 / at the large count',
      `${ingest?.summary_latency_ms?.at_1000_events?.p50} / ${ingest?.summary_latency_ms?.at_large_count?.p50} (${ingest?.summary_latency_ms?.large_count} events)`,
      `ratio ≤ 1.2: ${yes(ingest?.targets?.summary_latency_ratio_le_1_2)}`,
    ],
  ]);

  const close = read('close');
  add('period close', 'npm run bench:close', close, [
    ['orgs closed per second', String(close?.close?.orgs_per_s)],
    ['read / write units per org', `${close?.close?.read_units_per_org} / ${close?.close?.write_units_per_org}`],
    [
      `invoice list page 1 read units (${close?.invoice_list?.invoices} invoices)`,
      String(close?.invoice_list?.pages?.[0]?.read_units),
    ],
  ]);

  const exported = read('export');
  const build = exported?.build as Json | undefined;
  add('export', 'npm run bench:export', exported, [
    [
      `document MB (gzip MB), ${exported?.seeded?.invoices} invoices, ${exported?.seeded?.audit_entries} audit entries`,
      `${build?.document_mb} (${build?.gzip_mb})`,
    ],
    [
      'build seconds (MB/s)',
      `${build?.seconds} (${build?.mb_per_s})`,
      `of Lambda's 15 min: ${exported?.targets?.time_used_of_timeout}`,
    ],
    ['peak RSS MB of the build', String(build?.peak_rss_mb), `≤ 256: ${yes(exported?.targets?.peak_within)}`],
  ]);

  const forecast = read('forecast');
  const at50 = (forecast?.results as Json[] | undefined)?.filter(
    (r) => r.checkpoint === 0.5 && r.method === 'blended_burn_rate',
  );
  add('forecast backtest', 'npm run bench:forecast', forecast, [
    [
      'median APE at 50 % (steady, ramp, seasonal)',
      ['steady', 'ramp', 'seasonal']
        .map((f) => `${((at50?.find((r) => r.family === f)?.median_ape ?? Number.NaN) * 100).toFixed(1)} %`)
        .join(', '),
      `≤ 15 %: ${yes(forecast?.targets?.median_ape_le_15_percent_at_50_on_steady_ramp_seasonal)}`,
    ],
    [
      '80 % interval coverage, all traces',
      `${((forecast?.coverage_over_all_traces?.blended_burn_rate ?? Number.NaN) * 100).toFixed(1)} %`,
      `≥ 70 %: ${yes(forecast?.targets?.coverage_ge_70_percent_over_all_traces)}`,
    ],
    ['burst then idle, never above 3× the actual', '', yes(forecast?.targets?.burst_then_idle_never_above_3x)],
    [
      'better than the linear baseline on every family at 50 %',
      // The families that are not, with the paired difference in points and its 90 % bootstrap interval.
      ((forecast?.paired_difference_at_50 as Json[] | undefined) ?? [])
        .filter((p) => p.median_ape_difference >= 0)
        .map(
          (p) =>
            `${p.family} ${signedPoints(p.median_ape_difference)} pts (90 %: ${signedPoints(p.interval_90[0])} to ${signedPoints(p.interval_90[1])})`,
        )
        .join(', '),
      yes(forecast?.targets?.better_than_baseline_on_every_family_at_50),
    ],
  ]);
  return out;
}

function main(): void {
  const machine = { cpus: cpus().length, model: cpus()[0]?.model.trim() ?? 'unknown', node: process.version };
  const all = rows();
  const summary = { generated_at: new Date().toISOString(), machine, rows: all };
  writeFileSync(join(RESULTS, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const dates = [...new Set(all.map((r) => r.measured_at?.slice(0, 10)).filter(Boolean))].join(', ');
  const table = [
    `Measured on ${machine.cpus} × ${machine.model}, Node ${machine.node}, on ${dates || '—'} (regenerated by \`npm run bench\`; bench-results/summary.json).`,
    '',
    '| benchmark | figure | value | target | command |',
    '| --- | --- | --- | --- | --- |',
    ...all.map((r) => `| ${r.benchmark} | ${r.figure} | ${r.value} | ${r.target ?? ''} | \`${r.command}\` |`),
  ].join('\n');
  replaceReadmeBlock('bench', table);
  console.table(
    all.map(({ benchmark, figure, value, target }) => ({ benchmark, figure, value, target: target ?? '' })),
  );
  console.log('written to bench-results/summary.json and the README');
}

main();
