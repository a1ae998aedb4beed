import type { BundleSize } from '../../lib/bundle-sizes';
import { measureBundles, NON_STRIPE_BUNDLE_LIMIT_KIB } from '../../lib/bundle-sizes';

describe('function bundles', () => {
  let sizes: BundleSize[];
  // Bundling all functions takes a few seconds (longer while the machine is busy).
  beforeAll(async () => {
    sizes = await measureBundles();
  }, 120_000);

  it(`keep every function without a declared heavy library at or under ${NON_STRIPE_BUNDLE_LIMIT_KIB} KiB, and the Stripe SDK out of those that never call Stripe`, () => {
    expect(sizes.length).toBeGreaterThan(30);
    const tooBig = sizes.filter((s) => s.declares.length === 0 && s.kib > NON_STRIPE_BUNDLE_LIMIT_KIB);
    expect(tooBig.map((s) => `${s.id} ${s.kib.toFixed(1)} KiB`)).toEqual([]);
    expect(sizes.filter((s) => !s.callsStripe && s.bundlesStripeSdk).map((s) => s.id)).toEqual([]);
    // And the check itself sees the SDK where it is meant to be.
    expect(sizes.filter((s) => s.callsStripe).every((s) => s.bundlesStripeSdk)).toBe(true);
  });

  it('bundle a heavy library (Stripe, pdf-lib) only where the route table declares it', () => {
    const undeclared = sizes.flatMap((s) =>
      s.bundles.filter((lib) => !s.declares.includes(lib)).map((lib) => `${s.id}: ${lib}`),
    );
    expect(undeclared).toEqual([]);
    expect(sizes.find((s) => s.id === 'getInvoice')?.bundles).toContain('pdf-lib');
  });
});
