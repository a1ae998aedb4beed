import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { loadConfig } from '../../../functions/kernel/config';
import { createSqsClient } from '../../../functions/kernel/sqs/client';
import { SqsStripeEventQueue } from '../../../functions/payments/adapters/stripe-event-queue';
import { handler as reconcile } from '../../../functions/payments/queue/reconcile-stripe-events';
import { buildDeps, setDepsForTesting } from '../../support/deps';
import { startTestApi, type TestApi } from '../support/api';
import { receiveAsSqsEvent, signedHeader, stripeEvent } from '../support/stripe-events';

/**
 * POST /v1/webhooks/stripe: the signature on the raw body decides; only a durably queued event is
 * acknowledged; a duplicate is acknowledged and does nothing. Each test file has a queue of its own.
 */
const CURRENT = 'whsec_current_0123456789';
const PREVIOUS = 'whsec_previous_0123456789';
let api: TestApi;
let queueUrl: string;
const sqs = createSqsClient(loadConfig());

beforeAll(async () => {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: `stripe-webhook-test-${Date.now()}` }));
  queueUrl = created.QueueUrl!;
  process.env.STRIPE_EVENTS_QUEUE_URL = queueUrl;
  process.env.STRIPE_WEBHOOK_SECRETS = `${CURRENT},${PREVIOUS}`;
  setDepsForTesting(buildDeps());
  api = await startTestApi();
  // Warm the handler module (first import compiles it) so per-test timings mean something.
  await api.request('POST /v1/webhooks/stripe', { rawBody: '{}', headers: { 'content-type': 'application/json' } });
}, 60_000);
afterAll(async () => {
  setDepsForTesting(undefined);
  await api.close();
});

const queued = async () => {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
};

const deliver = (body: string, headers: Record<string, string>) =>
  api.request('POST /v1/webhooks/stripe', {
    rawBody: body,
    headers: { 'content-type': 'application/json', ...headers },
  });

async function drain() {
  for (;;) {
    const batch = await receiveAsSqsEvent(sqs, queueUrl, 10, 0);
    if (batch.Records.length === 0) return;
    const { batchItemFailures } = await reconcile(batch);
    const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
    for (const r of batch.Records) {
      if (!failed.has(r.messageId))
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: r.receiptHandle }));
    }
  }
}

describe('the Stripe webhook', () => {
  const tamper = (body: string) => body.replace('"livemode": false', '"livemode": true ');
  // Every row has all four cells: jest would take a missing last cell's parameter for `done`.
  const cases: [string, (body: string) => { body: string; headers: Record<string, string> }, number, string | null][] =
    [
      ['a valid signature', (b) => ({ body: b, headers: { 'stripe-signature': signedHeader(b, CURRENT) } }), 200, null],
      [
        'a signature by the previous secret, during a rotation',
        (b) => ({ body: b, headers: { 'stripe-signature': signedHeader(b, PREVIOUS) } }),
        200,
        null,
      ],
      [
        'a tampered byte',
        (b) => ({ body: tamper(b), headers: { 'stripe-signature': signedHeader(b, CURRENT) } }),
        400,
        'invalid_signature',
      ],
      [
        'a wrong secret',
        (b) => ({ body: b, headers: { 'stripe-signature': signedHeader(b, 'whsec_someone_else') } }),
        400,
        'invalid_signature',
      ],
      [
        'a stale timestamp',
        (b) => ({
          body: b,
          headers: { 'stripe-signature': signedHeader(b, CURRENT, Math.floor(Date.now() / 1000) - 301) },
        }),
        400,
        'signature_timestamp_out_of_tolerance',
      ],
      ['no signature', (b) => ({ body: b, headers: {} }), 400, 'missing_signature'],
    ];

  it.each(cases)('classifies %s and enqueues only what verifies', async (_name, make, status, code) => {
    const original = stripeEvent('invoice.paid', { id: 'in_1', object: 'invoice' });
    const { body, headers } = make(original);
    const before = await queued();
    const res = await deliver(body, headers);
    expect(res.status).toBe(status);
    if (code) expect(res.body.error.code).toBe(code);
    expect(await queued()).toBe(before + (status === 200 ? 1 : 0));
    await drain();
  });

  it('verifies a base64-encoded body on its decoded bytes', async () => {
    const body = stripeEvent('invoice.paid', { id: 'in_b64', object: 'invoice', description: 'café ☕' });
    // A binary content type makes the gateway (like API Gateway) hand the body over base64-encoded.
    const res = await api.request('POST /v1/webhooks/stripe', {
      rawBody: body,
      headers: { 'content-type': 'application/octet-stream', 'stripe-signature': signedHeader(body, CURRENT) },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, outcome: 'queued' });
    await drain();
  });

  it('acknowledges event types it does not handle without queueing them', async () => {
    const body = stripeEvent('product.created', { id: 'prod_1', object: 'product' });
    const res = await deliver(body, { 'stripe-signature': signedHeader(body, CURRENT) });
    expect(res.body).toEqual({ received: true, outcome: 'ignored' });
    expect(await queued()).toBe(0);
  });

  it('applies the same event delivered three times once', async () => {
    // The collection capability's handler, counted (its own tests drive it against the sandbox).
    const handled: string[] = [];
    const real = buildDeps();
    setDepsForTesting({
      ...real,
      invoiceEvents: {
        handle: async (event, inbox) => {
          handled.push(event.id);
          return (await inbox.finish({ status: 'superseded' })) ? 'superseded' : 'duplicate';
        },
      },
    });
    const body = stripeEvent('invoice.payment_failed', { id: 'in_3x', object: 'invoice' });
    const outcomes = [];
    for (let i = 0; i < 3; i++)
      outcomes.push((await deliver(body, { 'stripe-signature': signedHeader(body, CURRENT) })).body.outcome);
    expect(outcomes).toEqual(['queued', 'duplicate', 'duplicate']);
    const batch = await receiveAsSqsEvent(sqs, queueUrl);
    expect(batch.Records).toHaveLength(1);
    // SQS is at-least-once too: the same message three times in one batch still applies once.
    const tripled = { Records: [0, 1, 2].map((i) => ({ ...batch.Records[0]!, messageId: `m${i}` })) };
    expect(await reconcile(tripled)).toEqual({ batchItemFailures: [] });
    const inbox = await real.inbox.get(JSON.parse(body).id);
    expect(inbox).toMatchObject({ status: 'superseded', type: 'invoice.payment_failed' });
    expect(handled).toEqual([JSON.parse(body).id]);
    setDepsForTesting(real);
  });

  it('answers 5xx when the event cannot be queued, and accepts Stripe’s retry', async () => {
    const body = stripeEvent('invoice.paid', { id: 'in_retry', object: 'invoice' });
    const real = buildDeps();
    setDepsForTesting({
      ...real,
      stripeEventQueue: new SqsStripeEventQueue(sqs, `${queueUrl.replace(/[^/]+$/, '')}no-such-queue`),
    });
    const failed = await deliver(body, { 'stripe-signature': signedHeader(body, CURRENT) });
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('event_queue_unavailable');
    expect(await queued()).toBe(0);
    expect(await real.inbox.get(JSON.parse(body).id)).toBeUndefined();

    setDepsForTesting(real);
    const retried = await deliver(body, { 'stripe-signature': signedHeader(body, CURRENT) });
    expect(retried.status).toBe(200);
    expect(retried.body.outcome).toBe('queued');
    expect(await queued()).toBe(1);
    await drain();
  });
});
