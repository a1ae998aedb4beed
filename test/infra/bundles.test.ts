import { measureBundles, NON_STRIPE_BUNDLE_LIMIT_KIB } from '../../lib/bundle-sizes';

describe('function bundles', () => {
  it(`keep every function that never calls Stripe at or under ${NON_STRIPE_BUNDLE_LIMIT_KIB} KiB, and leave the Stripe SDK out of them`, async () => {
    const sizes = await measureBundles();
    expect(sizes.length).toBeGreaterThan(30);
    const tooBig = sizes.filter((s) => !s.callsStripe && s.kib > NON_STRIPE_BUNDLE_LIMIT_KIB);
    expect(tooBig.map((s) => `${s.id} ${s.kib.toFixed(1)} KiB`)).toEqual([]);
    expect(sizes.filter((s) => !s.callsStripe && s.bundlesStripeSdk).map((s) => s.id)).toEqual([]);
    // And the check itself sees the SDK where it is meant to be.
    expect(sizes.filter((s) => s.callsStripe).every((s) => s.bundlesStripeSdk)).toBe(true);
  });
});
