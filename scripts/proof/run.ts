/**
 * `npm run proof`: the failure catalogue (test/proof) at full counts against a local stack started here
 * (DynamoDB Local and fauxqs on free ports, the Stripe sandbox, the real handlers). Prints a live
 * progress line per scenario on stderr and the table on stdout, writes proof-results/proof.json, and
 * exits 1 when any scenario reports a violation.
 *
 *   npm run proof                      every scenario at full counts
 *   npm run proof -- --small           the counts CI runs inside npm test
 *   npm run proof -- --only races      scenarios whose name contains "races"
 *   npm run proof -- --publish         only rewrite the README's table from proof-results/proof.json
 * A full run of every scenario rewrites the README's table (between its proof markers) itself.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import globalSetup from '../../test/integration/global-setup.mjs';
import globalTeardown from '../../test/integration/global-teardown.mjs';
import { runCatalogue } from '../../test/proof/catalogue';
import { startProofStack } from '../../test/proof/harness';
import { progress } from '../bench/progress';
import { replaceReadmeBlock } from '../bench/readme-block';

const { values } = parseArgs({
  options: { small: { type: 'boolean' }, only: { type: 'string', multiple: true }, publish: { type: 'boolean' } },
});
const scale = values.small ? 'small' : 'full';
const only = values.only;

const ROOT = resolve(__dirname, '../..');
const RESULTS = join(ROOT, 'proof-results', 'proof.json');

interface ProofReport {
  scale: string;
  measured_at: string;
  machine: { cpus: number; model?: string; node: string };
  seconds: number;
  scenarios: { name: string; trials: number; faults: number; violations: number; seconds: number }[];
}

/** The README's proof table (between its markers), from a full run's report: what was measured, where and when. */
function publishToReadme(report: ProofReport): void {
  const table = [
    `Full counts, measured ${report.measured_at.slice(0, 10)} on ${report.machine.cpus} × ${report.machine.model} (Node ${report.machine.node}) in ${(report.seconds / 60).toFixed(1)} min, by \`npm run proof\`:`,
    '',
    '| scenario | trials | faults injected | violations | seconds |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...report.scenarios.map((s) => `| ${s.name} | ${s.trials} | ${s.faults} | ${s.violations} | ${s.seconds} |`),
  ].join('\n');
  replaceReadmeBlock('proof', table);
  process.stderr.write("the README's proof table is rewritten\n");
}

async function main() {
  if (values.publish) {
    const report = JSON.parse(readFileSync(RESULTS, 'utf8')) as ProofReport;
    if (report.scale !== 'full') throw new Error('proof-results/proof.json is not from a full run');
    publishToReadme(report);
    return;
  }
  const started = Date.now();
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  await globalSetup();
  // The route-coverage check belongs to the integration suite, not here.
  delete process.env.ROUTE_HITS_DIR;
  const stack = await startProofStack();
  let line: ReturnType<typeof progress> | undefined;
  try {
    const reports = await runCatalogue(
      { deps: stack.deps, api: stack.api, sandbox: stack.sandbox, scale, sqsEndpoint: process.env.SQS_ENDPOINT! },
      {
        only: only ? (name) => only.some((o) => name.includes(o)) : undefined,
        progress: (scenario) => {
          const current = progress(scenario.name, 0);
          line = current;
          return (done, total) => current.update(done, total);
        },
        onResult: (r) => {
          line?.done();
          process.stderr.write(
            `${r.violations === 0 ? 'ok  ' : 'FAIL'} ${r.name}: ${r.trials} trials, ${r.faults} faults, ${r.violations} violations, ${r.seconds.toFixed(1)} s\n`,
          );
        },
      },
    );
    const machine = {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      memory_gib: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    };
    const out = {
      scale,
      measured_at: new Date().toISOString(),
      machine,
      seconds: (Date.now() - started) / 1000,
      scenarios: reports.map((r) => ({
        name: r.name,
        what: r.what,
        trials: r.trials,
        faults: r.faults,
        violations: r.violations,
        seconds: Math.round(r.seconds * 10) / 10,
        ...(r.examples?.length ? { examples: r.examples } : {}),
        ...(r.notes?.length ? { notes: r.notes } : {}),
      })),
    };
    mkdirSync(join(ROOT, 'proof-results'), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(out, null, 2)}\n`);
    console.table(
      out.scenarios.map(({ name, trials, faults, violations, seconds }) => ({
        scenario: name,
        trials,
        faults,
        violations,
        seconds,
      })),
    );
    for (const r of reports)
      for (const e of [...(r.notes ?? []), ...(r.examples ?? [])]) console.log(`  ${r.name}: ${e}`);
    console.log(
      `${scale} counts, ${out.seconds.toFixed(0)} s on ${machine.cpus} × ${machine.model} — proof-results/proof.json`,
    );
    if (scale === 'full' && !only) publishToReadme(out);
    process.exitCode = reports.some((r) => r.violations > 0) ? 1 : 0;
  } finally {
    await stack.close();
    await globalTeardown({});
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
