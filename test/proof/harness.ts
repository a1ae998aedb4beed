import { buildDeps, type Deps, setDepsForTesting } from '../../scripts/local/all-deps';
import { type StripeSandbox, startStripeSandbox } from '../../scripts/stripe-sandbox';
import { startTestApi, type TestApi } from '../integration/support/api';

/**
 * What every scenario runs against, on top of the DynamoDB Local and fauxqs that the caller started
 * (jest's global setup, or `npm run proof`): the Stripe sandbox, one set of dependencies every handler
 * uses (so a fault a scenario injects below the SDK reaches the real handlers), and the local gateway
 * for the scenarios that speak HTTP.
 */
export interface ProofStack {
  readonly deps: Deps;
  readonly api: TestApi;
  readonly sandbox: StripeSandbox;
  readonly stripeSecretKey: string;
  close(): Promise<void>;
}

const STRIPE_SECRET_KEY = 'sk_test_proof_suite_0123456789';
const WEBHOOK_SECRET = 'whsec_proof_suite_0123456789';

export async function startProofStack(): Promise<ProofStack> {
  const sandbox = await startStripeSandbox({ port: 0, webhookSecret: WEBHOOK_SECRET, apiKey: STRIPE_SECRET_KEY });
  Object.assign(process.env, {
    STRIPE_API_URL: sandbox.url,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRETS: WEBHOOK_SECRET,
  });
  const deps = buildDeps();
  setDepsForTesting(deps);
  const api = await startTestApi();
  return {
    deps,
    api,
    sandbox,
    stripeSecretKey: STRIPE_SECRET_KEY,
    async close() {
      setDepsForTesting(undefined);
      await api.close();
      await sandbox.close();
    },
  };
}
