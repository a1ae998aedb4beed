import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { type StripeSandbox, startStripeSandbox } from '../../../scripts/stripe-sandbox';

export const WEBHOOK_SECRET = 'whsec_test_sandbox_secret';
export const API_KEY = 'sk_test_sandbox_unit';

export interface Received {
  event: Stripe.Event;
  raw: string;
  signature: string;
}

/**
 * A local webhook endpoint that verifies every delivery with the SDK (`constructEvent`), as the
 * product's receiver does. `respond` decides each answer (default 200), to test retries.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  readonly rejected: string[] = [];
  respond: (event: Stripe.Event, attempt: number) => number = () => 200;
  private readonly attempts = new Map<string, number>();
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const signature = String(req.headers['stripe-signature'] ?? '');
        let event: Stripe.Event;
        try {
          event = Stripe.webhooks.constructEvent(raw, signature, WEBHOOK_SECRET);
        } catch (error) {
          this.rejected.push((error as Error).message);
          res.writeHead(400).end();
          return;
        }
        const attempt = (this.attempts.get(event.id) ?? 0) + 1;
        this.attempts.set(event.id, attempt);
        const status = this.respond(event, attempt);
        if (status >= 200 && status < 300) this.received.push({ event, raw, signature });
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/webhooks/stripe`;
    return this;
  }

  types(): string[] {
    return this.received.map((r) => r.event.type);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

export function sdkFor(sandbox: StripeSandbox, config: Stripe.StripeConfig = {}): Stripe {
  const url = new URL(sandbox.url);
  // The same options the product's adapter derives from STRIPE_API_URL.
  return new Stripe(API_KEY, {
    host: url.hostname,
    port: url.port,
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: 0,
    ...config,
  });
}

export interface World {
  sandbox: StripeSandbox;
  stripe: Stripe;
  receiver: WebhookReceiver;
}

/** A sandbox with a verifying receiver and an SDK client; short retry delays keep tests fast. */
export async function startWorld(options: { retryDelaysMs?: number[]; clock?: () => Date } = {}): Promise<World> {
  const receiver = await new WebhookReceiver().start();
  const sandbox = await startStripeSandbox({
    port: 0,
    host: '127.0.0.1',
    webhookUrl: receiver.url,
    webhookSecret: WEBHOOK_SECRET,
    apiKey: API_KEY,
    deliveryRetryDelaysMs: options.retryDelaysMs ?? [20, 40, 80],
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { sandbox, stripe: sdkFor(sandbox), receiver };
}

export async function stopWorld(world: World | undefined): Promise<void> {
  if (!world) return;
  await world.sandbox.close();
  await world.receiver.close();
}

/** A customer with a saved card, the way the product saves one (SetupIntent confirmed). */
export async function customerWithCard(
  stripe: Stripe,
  card = 'pm_card_visa',
): Promise<{ customer: Stripe.Customer; pm: Stripe.PaymentMethod }> {
  const customer = await stripe.customers.create({ name: 'Acme', metadata: { org_id: 'org_1' } });
  const intent = await stripe.setupIntents.create({ customer: customer.id, usage: 'off_session' });
  const confirmed = await stripe.setupIntents.confirm(intent.id, { payment_method: card });
  const pm = await stripe.paymentMethods.retrieve(confirmed.payment_method as string);
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return { customer, pm };
}
