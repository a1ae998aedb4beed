import * as path from 'node:path';
import { build } from 'esbuild';
import { QUEUES } from '../functions/queues';
import { ROUTES } from '../functions/routes';
import { SCHEDULES } from '../functions/schedules';
import { CONSUMER_NEEDS, type Need } from './api-stack';
import { BUNDLING, REPO_ROOT } from './billing-function';

/** Functions that talk to Stripe (its API key or its webhook signatures) bundle the Stripe SDK on purpose. */
const STRIPE_NEEDS: readonly Need[] = ['stripe_secret', 'webhook_secret'];

/** The ceiling for a function that never calls Stripe (issue: lean bundles; was 959 KiB median). */
export const NON_STRIPE_BUNDLE_LIMIT_KIB = 600;

/** Libraries big enough that bundling one by accident would break the ceiling: each must be declared. */
export const HEAVY_LIBRARIES = ['stripe', 'pdf-lib'] as const;
export type HeavyLibrary = (typeof HEAVY_LIBRARIES)[number];

export interface BundleSize {
  readonly id: string;
  readonly entry: string;
  readonly callsStripe: boolean;
  /** The heavy libraries the function declares (Stripe through its needs, others in the route table). */
  readonly declares: readonly HeavyLibrary[];
  /** The heavy libraries actually inside the bundle. */
  readonly bundles: readonly HeavyLibrary[];
  readonly kib: number;
  /** Whether the Stripe SDK (node_modules/stripe) is inside the bundle. */
  readonly bundlesStripeSdk: boolean;
}

/** Every function of the stack, from the same tables CDK builds them from. */
export function stackFunctions(): {
  id: string;
  entry: string;
  needs: readonly (Need | 'exports_bucket_write')[];
  heavy?: readonly HeavyLibrary[];
}[] {
  return [
    ...ROUTES.map((r) => ({ id: r.id, entry: r.entry, needs: r.needs ?? [], heavy: r.heavyLibraries ?? [] })),
    ...QUEUES.flatMap((q) =>
      q.consumerEntry ? [{ id: `${q.id}Consumer`, entry: q.consumerEntry, needs: CONSUMER_NEEDS[q.id] }] : [],
    ),
    ...SCHEDULES.map((s) => ({ id: s.id, entry: s.entry, needs: (s.needs ?? []) as readonly Need[] })),
  ];
}

/**
 * Bundles each function with NodejsFunction's options (BUNDLING), in memory, and reports the size of
 * its `index.js`: what `cdk synth` writes, in a second or two instead of a full synth.
 */
export async function measureBundles(onBundled?: (done: number, total: number) => void): Promise<BundleSize[]> {
  const out: BundleSize[] = [];
  const functions = stackFunctions();
  for (const fn of functions) {
    const result = await build({
      entryPoints: [path.join(REPO_ROOT, fn.entry)],
      bundle: true,
      write: false,
      platform: 'node',
      minify: BUNDLING.minify,
      format: BUNDLING.format,
      target: BUNDLING.target,
      external: [...BUNDLING.externalModules],
      outfile: 'index.js',
      logLevel: 'silent',
      metafile: true,
    });
    const js = result.outputFiles.find((f) => f.path.endsWith('index.js'));
    const inputs = Object.keys(result.metafile.inputs);
    const callsStripe = fn.needs.some((n) => (STRIPE_NEEDS as readonly string[]).includes(n));
    out.push({
      id: fn.id,
      entry: fn.entry,
      callsStripe,
      declares: [...(callsStripe ? (['stripe'] as const) : []), ...(fn.heavy ?? [])],
      bundles: HEAVY_LIBRARIES.filter((lib) => inputs.some((input) => input.includes(`node_modules/${lib}/`))),
      kib: (js?.contents.byteLength ?? 0) / 1024,
      bundlesStripeSdk: Object.keys(result.metafile.inputs).some((input) => input.includes('node_modules/stripe/')),
    });
    onBundled?.(out.length, functions.length);
  }
  return out;
}

export function summarize(sizes: readonly BundleSize[]) {
  const kibs = sizes.map((s) => s.kib).sort((a, b) => a - b);
  const mid = kibs.length / 2;
  const median = kibs.length % 2 ? kibs[Math.floor(mid)]! : (kibs[mid - 1]! + kibs[mid]!) / 2;
  return { functions: kibs.length, minKib: kibs[0] ?? 0, medianKib: median, maxKib: kibs[kibs.length - 1] ?? 0 };
}
