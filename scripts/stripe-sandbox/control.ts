import type { IncomingMessage, ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import { closeDispute, type Effects, openDispute } from './disputes';
import { StripeApiError } from './errors';
import type { DelayRule, FailRule, Faults } from './faults';
import { readBody, sendJson } from './http';
import type { Store } from './store';
import type { Delivery, DeliveryStatus, ReleaseOrder, WebhookDispatcher } from './webhooks';

/**
 * Driving the sandbox from a test: webhook delivery (duplicates, holding and out-of-order release),
 * injected failures and delays, and the card network's side of disputes. The same operations are
 * served over HTTP under `/_sandbox/…` for another process (the local runtime, a demo script).
 */
export interface SandboxControl {
  deliveries(filter?: { eventId?: string; type?: string; status?: DeliveryStatus }): Delivery[];
  /** Resolves when no delivery is pending, in flight or awaiting a retry. */
  settled(timeoutMs?: number): Promise<void>;
  redeliver(eventId: string, times?: number): Delivery[];
  hold(): void;
  release(options?: { order?: ReleaseOrder }): Promise<Delivery[]>;
  failNext(rule: FailRule): void;
  delayNext(rule: DelayRule): void;
  closeDispute(id: string, outcome: 'won' | 'lost'): Stripe.Dispute;
  /** Opens a dispute on any succeeded charge (`pm_card_createDispute` does it by itself). */
  openDispute(chargeId: string, reason?: string): Stripe.Dispute;
  setWebhookUrl(url: string | undefined): void;
  /** Read access to the state, for assertions. */
  readonly store: Store;
}

export function createControl(deps: {
  store: Store;
  dispatcher: WebhookDispatcher;
  faults: Faults;
  effects: Effects;
}): SandboxControl {
  const { store, dispatcher, faults, effects } = deps;
  return {
    store,
    deliveries: (filter) => dispatcher.list(filter),
    settled: (timeoutMs) => dispatcher.settled(timeoutMs),
    redeliver: (eventId, times = 1) => dispatcher.redeliver(store.events.require(eventId), times),
    hold: () => dispatcher.hold(),
    release: (options) => dispatcher.release(options?.order),
    failNext: (rule) => faults.failNext(rule),
    delayNext: (rule) => faults.delayNext(rule),
    closeDispute: (id, outcome) => structuredClone(closeDispute(effects, id, outcome)),
    openDispute: (chargeId, reason) => structuredClone(openDispute(effects, store.charges.require(chargeId), reason)),
    setWebhookUrl: (url) => dispatcher.setUrl(url),
  };
}

/**
 * HTTP control endpoints (JSON in, JSON out, no API key: the sandbox only listens locally).
 *   GET  /_sandbox/health
 *   GET  /_sandbox/deliveries?event_id=&type=&status=
 *   POST /_sandbox/deliveries/settle           { timeout_ms? }
 *   POST /_sandbox/events/:id/redeliver        { times? }
 *   POST /_sandbox/webhooks/hold
 *   POST /_sandbox/webhooks/release            { order?: [evt ids] | 'reverse' | 'shuffle' }
 *   POST /_sandbox/webhooks/url                { url }
 *   POST /_sandbox/fail-next                   FailRule
 *   POST /_sandbox/delay-next                  DelayRule
 *   POST /_sandbox/disputes/:id/close          { outcome: 'won' | 'lost' }
 *   POST /_sandbox/charges/:id/dispute         { reason? }
 */
export async function handleControl(
  control: SandboxControl,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname;
  try {
    const text = method === 'POST' ? await readBody(req) : '';
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    const q = (k: string) => url.searchParams.get(k) ?? undefined;
    const idIn = (re: RegExp) => re.exec(path)?.[1];
    const redeliverId = idIn(/^\/_sandbox\/events\/([^/]+)\/redeliver$/);
    const closeId = idIn(/^\/_sandbox\/disputes\/([^/]+)\/close$/);
    const disputeChargeId = idIn(/^\/_sandbox\/charges\/([^/]+)\/dispute$/);
    if (method === 'GET' && path === '/_sandbox/health') return sendJson(res, 200, { ok: true });
    if (method === 'GET' && path === '/_sandbox/deliveries') {
      const filter = { eventId: q('event_id'), type: q('type'), status: q('status') as DeliveryStatus | undefined };
      return sendJson(res, 200, { data: control.deliveries(filter) });
    }
    if (method === 'POST' && path === '/_sandbox/deliveries/settle') {
      await control.settled(typeof body.timeout_ms === 'number' ? body.timeout_ms : undefined);
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && redeliverId) {
      const times = typeof body.times === 'number' ? body.times : 1;
      return sendJson(res, 200, { data: control.redeliver(redeliverId, times) });
    }
    if (method === 'POST' && path === '/_sandbox/webhooks/hold') {
      control.hold();
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/_sandbox/webhooks/release') {
      const order = body.order as ReleaseOrder | undefined;
      return sendJson(res, 200, { data: await control.release(order ? { order } : {}) });
    }
    if (method === 'POST' && path === '/_sandbox/webhooks/url') {
      control.setWebhookUrl(typeof body.url === 'string' ? body.url : undefined);
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/_sandbox/fail-next') {
      control.failNext(body as unknown as FailRule);
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/_sandbox/delay-next') {
      control.delayNext(body as unknown as DelayRule);
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && closeId) {
      if (body.outcome !== 'won' && body.outcome !== 'lost') {
        return sendJson(res, 400, { error: { message: "outcome must be 'won' or 'lost'" } });
      }
      return sendJson(res, 200, control.closeDispute(closeId, body.outcome));
    }
    if (method === 'POST' && disputeChargeId) {
      return sendJson(
        res,
        200,
        control.openDispute(disputeChargeId, typeof body.reason === 'string' ? body.reason : undefined),
      );
    }
    return sendJson(res, 404, { error: { message: `no control endpoint ${method} ${path}` } });
  } catch (error) {
    if (error instanceof StripeApiError) return sendJson(res, error.status, { error: error.body });
    return sendJson(res, 400, { error: { message: error instanceof Error ? error.message : String(error) } });
  }
}
