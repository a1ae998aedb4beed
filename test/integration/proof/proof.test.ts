import { runCatalogue, SCENARIOS } from '../../proof/catalogue';
import { type ProofStack, startProofStack } from '../../proof/harness';

/**
 * The failure catalogue at small counts, on every `npm test` (`npm run proof` runs the full counts).
 * Each scenario is one test, so a red run names the promise that broke and its first violations.
 */
let stack: ProofStack;
beforeAll(async () => {
  stack = await startProofStack();
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

describe('the failure catalogue at small counts', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))(
    '%s: 0 violations',
    async (name) => {
      const [report] = await runCatalogue(
        {
          deps: stack.deps,
          api: stack.api,
          sandbox: stack.sandbox,
          scale: 'small',
          sqsEndpoint: process.env.SQS_ENDPOINT!,
        },
        { only: (n) => n === name },
      );
      expect(report!.trials).toBeGreaterThan(0);
      expect({ violations: report!.violations, examples: report!.examples ?? [] }).toEqual({
        violations: 0,
        examples: [],
      });
    },
    300_000,
  );
});
