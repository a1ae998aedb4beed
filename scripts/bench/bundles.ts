/**
 * Bundle size of every function, bundled exactly as CDK bundles it (lib/bundle-sizes.ts), as a table
 * and as bench-results/bundles.json. A measurement, not a test: the ceiling is asserted in
 * test/infra/bundles.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { measureBundles, NON_STRIPE_BUNDLE_LIMIT_KIB, summarize } from '../../lib/bundle-sizes';
import { progress } from './progress';

async function main() {
  const bar = progress('bundling every function with the stack’s esbuild options', 0);
  const sizes = (await measureBundles((done, total) => bar.update(done, total))).sort((a, b) => a.kib - b.kib);
  bar.done();
  const all = summarize(sizes);
  const without = summarize(sizes.filter((s) => !s.callsStripe));
  const withStripe = summarize(sizes.filter((s) => s.callsStripe));
  const rows = sizes.map((s) => [
    s.id,
    s.kib.toFixed(1),
    s.callsStripe ? 'yes' : 'no',
    s.bundlesStripeSdk ? 'yes' : 'no',
  ]);
  const header = ['function', 'KiB', 'calls Stripe', 'bundles stripe'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  const fmt = (s: ReturnType<typeof summarize>) =>
    `${s.functions} functions: min ${s.minKib.toFixed(1)} / median ${s.medianKib.toFixed(1)} / max ${s.maxKib.toFixed(1)} KiB`;
  console.log(`\nall               ${fmt(all)}`);
  console.log(`without Stripe    ${fmt(without)} (limit ${NON_STRIPE_BUNDLE_LIMIT_KIB})`);
  console.log(`with Stripe       ${fmt(withStripe)}`);
  const dir = resolve(__dirname, '../../bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'bundles.json'),
    `${JSON.stringify({ measuredAt: new Date().toISOString(), limitKib: NON_STRIPE_BUNDLE_LIMIT_KIB, all, withoutStripe: without, withStripe, functions: sizes }, null, 2)}\n`,
  );
  console.log(`\nwrote ${join(dir, 'bundles.json')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
