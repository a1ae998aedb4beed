import type { IncomingMessage, ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import { driftInvoice } from './api-invoices';
import type { SandboxClock } from './clock';
import { closeDispute, type DisputeUpdate, type Effects, openDispute, updateDisputeByNetwork } from './disputes';
import { StripeApiError } from './errors';
import type { DelayRule, FailRule, Faults } from './faults';
import { readBody, sendJson } from './http';
import { withClock } from './ids';
import type { Store } from './store';
import type { Delivery, DeliveryStats, DeliveryStatus, ReleaseOrder, WebhookDispatcher } from './webhooks';

/**
 * Driving the sandbox from a test: webhook delivery (duplicates, holding and out-of-order release),
 * injected failures and delays, and the card network's side of disputes. The same operations are
 * served over HTTP under `/_sandbox/…` for another process (the local runtime, a demo script).
 */
export interface SandboxControl {
  deliveries(filter?: { eventId?: string; type?: string; status?: DeliveryStatus }): Delivery[];
  /** Delivery counts: per status, attempts, redeliveries. */
  deliveryStats(): DeliveryStats;
  /** Resolves when no delivery is pending, in flight or awaiting a retry. */
  settled(timeoutMs?: number): Promise<void>;
  redeliver(eventId: string, times?: number): Delivery[];
  hold(): void;
  release(options?: { order?: ReleaseOrder }): Promise<Delivery[]>;
  failNext(rule: FailRule): void;
  delayNext(rule: DelayRule): void;
  closeDispute(id: string, outcome: 'won' | 'lost'): Stripe.Dispute;
  /** The network's side of an open dispute (status, reason, metadata): `charge.dispute.updated`. */
  updateDispute(id: string, update: DisputeUpdate): Stripe.Dispute;
  /** Opens a dispute on any succeeded charge (`pm_card_createDispute` does it by itself). */
  openDispute(chargeId: string, reason?: string): Stripe.Dispute;
  setWebhookUrl(url: string | undefined): void;
  /**
   * Makes Stripe disagree with the product about an invoice (its status — `paid` as if paid out of band
   * —, amount paid or total) without any event: a dashboard change whose webhook never arrived, for
   * the ledger ↔ Stripe drift report to find.
   */
  driftInvoice(id: string, change: InvoiceDrift): Stripe.Invoice;
  /** The sandbox's current time (objects' `created`, …). */
  now(): Date;
  /** Moves the sandbox's clock forward by `ms`; returns the new time. */
  advanceClock(ms: number): Date;
  /** Moves the sandbox's clock forward to `to` (never backwards); returns the new time. */
  setClock(to: Date): Date;
  /** Read access to the state, for assertions. */
  readonly store: Store;
}

export interface InvoiceDrift {
  status?: Stripe.Invoice.Status;
  amount_paid?: number;
  total?: number;
}

export function createControl(deps: {
  store: Store;
  dispatcher: WebhookDispatcher;
  faults: Faults;
  effects: Effects;
  clock: SandboxClock;
  /** Called after a control call that changes the account's state (the state file saves it). */
  changed?: () => void;
}): SandboxControl {
  const { store, dispatcher, faults, effects, clock } = deps;
  const changed = deps.changed ?? (() => {});
  // Changes made from control read the sandbox's clock, as API calls do.
  const at = <T>(run: () => T): T => {
    try {
      return withClock(clock.now, run);
    } finally {
      changed();
    }
  };
  const moved = (to: Date): Date => {
    changed();
    return to;
  };
  return {
    store,
    deliveries: (filter) => dispatcher.list(filter),
    deliveryStats: () => dispatcher.stats(),
    settled: (timeoutMs) => dispatcher.settled(timeoutMs),
    redeliver: (eventId, times = 1) => dispatcher.redeliver(store.events.require(eventId), times),
    hold: () => dispatcher.hold(),
    release: (options) => dispatcher.release(options?.order),
    failNext: (rule) => faults.failNext(rule),
    delayNext: (rule) => faults.delayNext(rule),
    closeDispute: (id, outcome) => at(() => structuredClone(closeDispute(effects, id, outcome))),
    updateDispute: (id, update) => at(() => structuredClone(updateDisputeByNetwork(effects, id, update))),
    openDispute: (chargeId, reason) =>
      at(() => structuredClone(openDispute(effects, store.charges.require(chargeId), reason))),
    setWebhookUrl: (url) => dispatcher.setUrl(url),
    driftInvoice: (id, change) => at(() => structuredClone(driftInvoice({ store }, id, change))),
    now: () => clock.now(),
    advanceClock: (ms) => moved(clock.advance(ms)),
    setClock: (to) => moved(clock.set(to)),
  };
}

/**
 * HTTP control endpoints (JSON in, JSON out, no API key: the sandbox only listens locally).
 *   GET  /_sandbox/health
 *   GET  /_sandbox/deliveries?event_id=&type=&status=
 *   GET  /_sandbox/deliveries/stats
 *   POST /_sandbox/deliveries/settle           { timeout_ms? }
 *   POST /_sandbox/events/:id/redeliver        { times? }
 *   POST /_sandbox/webhooks/hold
 *   POST /_sandbox/webhooks/release            { order?: [evt ids] | 'reverse' | 'shuffle' }
 *   POST /_sandbox/webhooks/url                { url }
 *   POST /_sandbox/fail-next                   FailRule (or `path_regex` instead of `path`)
 *   POST /_sandbox/delay-next                  DelayRule (or `path_regex` instead of `path`)
 *   POST /_sandbox/disputes/:id/close          { outcome: 'won' | 'lost' }
 *   POST /_sandbox/disputes/:id                DisputeUpdate { status?, reason?, metadata? }
 *   GET  /_sandbox/clock                       → { now }
 *   POST /_sandbox/clock/advance               { ms } → { now }
 *   POST /_sandbox/clock                       { to: ISO-8601 } → { now }
 *   POST /_sandbox/charges/:id/dispute         { reason? }
 *   POST /_sandbox/invoices/:id/drift          InvoiceDrift { status?, amount_paid?, total? }
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
    const disputeId = idIn(/^\/_sandbox\/disputes\/([^/]+)$/);
    const disputeChargeId = idIn(/^\/_sandbox\/charges\/([^/]+)\/dispute$/);
    const driftId = idIn(/^\/_sandbox\/invoices\/([^/]+)\/drift$/);
    if (method === 'GET' && path === '/_sandbox/health') return sendJson(res, 200, { ok: true });
    if (method === 'GET' && path === '/_sandbox/deliveries') {
      const filter = { eventId: q('event_id'), type: q('type'), status: q('status') as DeliveryStatus | undefined };
      return sendJson(res, 200, { data: control.deliveries(filter) });
    }
    if (method === 'GET' && path === '/_sandbox/deliveries/stats') return sendJson(res, 200, control.deliveryStats());
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
      control.failNext(withPathRegex(body) as unknown as FailRule);
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/_sandbox/delay-next') {
      control.delayNext(withPathRegex(body) as unknown as DelayRule);
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && driftId) return sendJson(res, 200, control.driftInvoice(driftId, body as InvoiceDrift));
    if (method === 'POST' && disputeId) {
      return sendJson(res, 200, control.updateDispute(disputeId, body as DisputeUpdate));
    }
    if (method === 'GET' && path === '/_sandbox/clock') return sendJson(res, 200, { now: control.now() });
    if (method === 'POST' && path === '/_sandbox/clock/advance') {
      return sendJson(res, 200, { now: control.advanceClock(Number(body.ms)) });
    }
    if (method === 'POST' && path === '/_sandbox/clock') {
      return sendJson(res, 200, { now: control.setClock(new Date(String(body.to))) });
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

/** JSON has no RegExp: over HTTP a rule names its pattern as `path_regex`. */
function withPathRegex(body: Record<string, unknown>): Record<string, unknown> {
  if (typeof body.path_regex !== 'string') return body;
  const { path_regex, ...rest } = body;
  return { ...rest, path: new RegExp(path_regex) };
}
