/**
 * The exports queue consumer as Lambda runs it, alone in a process: `npm run bench:export` bundles this
 * file with the stack's esbuild options (so it is the same minified bundle as the function, the AWS SDK
 * external) and runs it with plain node, so nothing the benchmark did before (seeding) counts in its
 * memory. It hands the one SQS record (BENCH_EXPORT_RECORD, JSON) to the handler and prints one JSON line
 * on stdout: the handler's answer, the build's seconds and the process's memory.
 *
 * Peak RSS is the kernel's high-water mark for the process (`resourceUsage().maxRSS`), module loading
 * included, as Lambda's "Max Memory Used" counts it; sampling `memoryUsage()` says when it was reached.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { handler } from '../../functions/export/queue/build-exports';

const MB = 1024 * 1024;
const SAMPLE_MS = 20;
const PROGRESS_MS = 5_000;

async function main() {
  const record = JSON.parse(process.env.BENCH_EXPORT_RECORD ?? 'null') as SQSRecord | null;
  if (!record) throw new Error('BENCH_EXPORT_RECORD is not set');
  const baseline = process.memoryUsage();
  const peak = { rss: baseline.rss, heapUsed: baseline.heapUsed, external: baseline.external, atSeconds: 0 };
  const started = performance.now();
  let lastProgress = started;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    const now = performance.now();
    if (m.rss > peak.rss) Object.assign(peak, { rss: m.rss, atSeconds: (now - started) / 1000 });
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.external = Math.max(peak.external, m.external);
    if (now - lastProgress >= PROGRESS_MS) {
      lastProgress = now;
      process.stderr.write(
        `export build: ${((now - started) / 1000).toFixed(1)} s · rss ${(m.rss / MB).toFixed(0)} MB (peak ${(peak.rss / MB).toFixed(0)} MB)\n`,
      );
    }
  }, SAMPLE_MS);
  const response = await handler({ Records: [record] } as SQSEvent);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  process.stdout.write(
    `${JSON.stringify({
      batchItemFailures: response.batchItemFailures,
      seconds,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      baselineRssMb: baseline.rss / MB,
      sampledPeakRssMb: peak.rss / MB,
      sampledPeakAtSeconds: peak.atSeconds,
      peakHeapUsedMb: peak.heapUsed / MB,
      peakExternalMb: peak.external / MB,
      node: process.version,
    })}\n`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
