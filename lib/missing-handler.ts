/**
 * Entry of a function whose handler file does not exist yet, used only when bundling is skipped (template
 * tests, `cdk synth -c skipBundling=true`), so this code is never deployed. If it ever were, it fails loudly.
 */
export const handler = async (): Promise<never> => {
  throw new Error('billing: this function was synthesized without its handler (placeholder entry)');
};
