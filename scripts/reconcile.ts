/**
 * `npm run reconcile [-- --data-dir DIR]`: the fleet's ledger ↔ Stripe drift report on the local stack
 * that `npm start` runs. It runs the daily `reconcileLedger` use case once, now (the product clock's
 * now, read from GET /v1/health), against the same DynamoDB Local and Stripe (the sandbox, or real test
 * mode with STRIPE_SECRET_KEY), records each org's report as the schedule does, and prints it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { reconcileLedger } from '../functions/collection/app/reconcile-ledger';
import { buildStripeCollectionDeps } from '../functions/collection/compose-stripe';
import { fixedClock } from '../functions/kernel/clock';
import { buildKernel } from '../functions/kernel/compose';
import { loadConfig } from '../functions/kernel/config';

const ROOT = resolve(__dirname, '..');
const { values: flags } = parseArgs({ options: { 'data-dir': { type: 'string' } } });

async function main() {
  const dataDir = resolve(flags['data-dir'] ?? process.env.LOCAL_DATA_DIR ?? join(ROOT, '.data'));
  const file = join(dataDir, 'local-endpoints.json');
  if (!existsSync(file)) throw new Error(`${file} not found: start the product first (npm start)`);
  const endpoints = JSON.parse(readFileSync(file, 'utf8')) as {
    api: string;
    dynamodb: string;
    stripeSandboxUrl?: string;
    stripeSandboxApiKey?: string;
  };
  Object.assign(process.env, {
    TABLE_NAME: process.env.TABLE_NAME ?? 'billing',
    DYNAMODB_ENDPOINT: endpoints.dynamodb,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...(endpoints.stripeSandboxUrl
      ? { STRIPE_API_URL: endpoints.stripeSandboxUrl, STRIPE_SECRET_KEY: endpoints.stripeSandboxApiKey }
      : {}),
  });
  const health = (await (await fetch(`${endpoints.api}/v1/health`)).json()) as { now: string };
  const deps = buildStripeCollectionDeps(buildKernel(loadConfig(), fixedClock(health.now)));
  const { run, reports } = await reconcileLedger(deps);

  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`Ledger ↔ Stripe drift report, ${run.checkedAt} (product clock)`);
  out(
    `  ${run.orgsChecked} orgs, ${run.invoicesChecked} invoices, ${run.chargesChecked} charges checked: ${
      run.differences === 0 ? 'no differences' : `${run.differences} differences in ${run.orgsWithDrift} orgs`
    }${run.failed.length > 0 ? `; ${run.failed.length} orgs could not be checked` : ''}`,
  );
  for (const report of reports.filter((r) => r.differences.length > 0)) {
    out(`\n  ${report.orgId}`);
    for (const d of report.differences) {
      const what = d.chargeId
        ? `${d.invoiceId ?? '—'} charge ${d.chargeId}`
        : (d.invoiceId ?? d.stripeInvoiceId ?? '—');
      out(
        `    ${d.kind.padEnd(26)} ${what}: ours ${d.ours ?? '—'}, Stripe ${d.stripe ?? '—'} (${d.stripeInvoiceId ?? 'not at Stripe'})`,
      );
    }
  }
  for (const f of run.failed) out(`  ${f.orgId}: not checked (${f.code})`);
}

main().catch((error: Error) => {
  process.stderr.write(`reconcile: ${error.message}\n`);
  process.exit(1);
});
