/**
 * The Stripe sandbox as a process (the local runtime spawns it):
 *   tsx scripts/stripe-sandbox/main.ts [--port 12111] [--host 127.0.0.1] [--webhook-url URL]
 *       [--webhook-secret whsec_…] [--api-key sk_test_…] [--retry-delays-ms 1000,5000]
 *       [--state-file .data/stripe-sandbox/state.json]
 *       [--clock-start ISO] [--clock-factor N] [--clock-anchor-ms EPOCH_MS]
 * The clock flags give the sandbox the local product's clock (it reads `clock-start`, else the anchor,
 * at real time `clock-anchor-ms`, running N× as fast), so objects are dated on the product's timeline.
 * Environment fallbacks: STRIPE_SANDBOX_PORT, STRIPE_SANDBOX_WEBHOOK_URL, STRIPE_WEBHOOK_SECRETS (the
 * first of the comma-separated secrets signs), STRIPE_SANDBOX_API_KEY, STRIPE_SANDBOX_STATE_FILE.
 * With a state file the account survives restarts (saved after each change and on SIGINT/SIGTERM).
 * Prints one JSON line `{"url":…,"port":…}` on stdout once listening; logs go to stderr.
 */
import { parseArgs } from 'node:util';
import { startStripeSandbox } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'api-key': { type: 'string' },
      'retry-delays-ms': { type: 'string' },
      'state-file': { type: 'string' },
      'clock-start': { type: 'string' },
      'clock-factor': { type: 'string' },
      'clock-anchor-ms': { type: 'string' },
    },
  });
  const env = process.env;
  const secret =
    values['webhook-secret'] ??
    (env.STRIPE_WEBHOOK_SECRETS ?? '')
      .split(',')
      .map((s) => s.trim())
      .find(Boolean);
  if (!secret) throw new Error('a webhook signing secret is required: --webhook-secret or STRIPE_WEBHOOK_SECRETS');
  const port = Number(values.port ?? env.STRIPE_SANDBOX_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${values.port}`);
  const webhookUrl = values['webhook-url'] ?? env.STRIPE_SANDBOX_WEBHOOK_URL;
  const apiKey = values['api-key'] ?? env.STRIPE_SANDBOX_API_KEY;
  const delays = values['retry-delays-ms']?.split(',').map(Number);
  const stateFile = values['state-file'] ?? env.STRIPE_SANDBOX_STATE_FILE;
  const factor = Number(values['clock-factor'] ?? '1');
  const anchor = Number(values['clock-anchor-ms'] ?? Date.now());
  const origin = values['clock-start'] ? Date.parse(values['clock-start']) : anchor;
  if (!(factor > 0) || Number.isNaN(anchor) || Number.isNaN(origin)) throw new Error('invalid clock flags');
  const shifted = factor !== 1 || values['clock-start'] !== undefined;

  const sandbox = await startStripeSandbox({
    port,
    host: values.host ?? '127.0.0.1',
    webhookSecret: secret,
    ...(webhookUrl ? { webhookUrl } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(delays ? { deliveryRetryDelaysMs: delays } : {}),
    ...(stateFile ? { stateFile } : {}),
    ...(shifted ? { clock: () => new Date(origin + (Date.now() - anchor) * factor) } : {}),
    log: (line) => process.stderr.write(`[stripe-sandbox] ${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({ url: sandbox.url, port: sandbox.port, webhookUrl: webhookUrl ?? null })}\n`);

  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`[stripe-sandbox] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
