import type Stripe from 'stripe';
import { newId, nowSeconds } from './ids';
import { type Store, snapshot } from './store';
import type { WebhookDispatcher } from './webhooks';

/** The API version the installed SDK pins; events carry it as Stripe does for the endpoint's version. */
export const API_VERSION = '2026-10-28.endive';

export interface RequestInfo {
  /** `req_…` of the API call that caused the event; null for automatic changes (a dispute opening). */
  id: string | null;
  idempotencyKey: string | null;
}

export const AUTOMATIC: RequestInfo = { id: null, idempotencyKey: null };

/**
 * Records an event for a state change and hands it to the webhook dispatcher. `data.object` is a
 * snapshot taken now: later changes to the object never alter an event already created.
 */
export class EventLog {
  constructor(
    private readonly store: Store,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  emit(
    type: string,
    object: { id: string },
    request: RequestInfo,
    previousAttributes?: Record<string, unknown>,
  ): Stripe.Event {
    const event = {
      id: newId('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: nowSeconds(),
      data: {
        object: snapshot(object),
        ...(previousAttributes && Object.keys(previousAttributes).length > 0
          ? { previous_attributes: previousAttributes }
          : {}),
      },
      livemode: false,
      pending_webhooks: this.dispatcher.endpoint ? 1 : 0,
      request: { id: request.id, idempotency_key: request.idempotencyKey },
      type,
    } as unknown as Stripe.Event;
    this.store.events.insert(event);
    this.dispatcher.enqueue(event);
    return event;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Stripe's `previous_attributes`: the old values of what changed, nested objects reduced to their
 * changed keys (`{ invoice_settings: { default_payment_method: null } }`). A key that did not exist
 * before is reported as null.
 */
export function previousAttributes(before: unknown, after: unknown): Record<string, unknown> {
  if (!isPlainObject(before) || !isPlainObject(after)) return {};
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[key];
    const a = after[key];
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    if (isPlainObject(b) && isPlainObject(a) && key !== 'metadata') {
      out[key] = previousAttributes(b, a);
    } else if (isPlainObject(b) && isPlainObject(a)) {
      // Metadata: the previous values of the keys that changed; a key added is reported as null.
      const changed: Record<string, unknown> = {};
      for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
        if (b[k] !== a[k]) changed[k] = b[k] ?? null;
      }
      out[key] = changed;
    } else {
      out[key] = b === undefined ? null : snapshot(b);
    }
  }
  return out;
}
