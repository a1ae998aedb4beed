import type { Clock } from '../../kernel/clock';
import { dependencyUnavailable } from '../../kernel/errors';

/**
 * Stripe webhooks in: verify (adapter) → allowlist → inbox claim → enqueue → 2xx. The reconciler
 * (reconcile-stripe-event.ts) applies queued events later, exactly once.
 */

/** Event types whose effect the reconciler applies now. */
export const APPLIED_EVENT_TYPES = [
  'setup_intent.succeeded',
  'payment_method.attached',
  'payment_method.detached',
  'payment_method.updated',
  'payment_method.automatically_updated',
  'customer.updated',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
] as const;

/**
 * Event types kept in the inbox for the invoicing and dunning capabilities: the reconciler stores them
 * with status `awaiting_handler` and their payload. HAND-OFF POINT: when those capabilities land, they
 * register a handler for these types in reconcile-stripe-event.ts and drain the waiting records.
 */
export const AWAITING_HANDLER_EVENT_TYPES = [
  'invoice.created',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.payment_action_required',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'payment_intent.requires_action',
] as const;

/**
 * What the inbox keeps of an event waiting for its handler: for PaymentIntents only the fields that
 * reconciling a payment needs (whose invoice, how much, which outcome and why), for every other object
 * the object without any `client_secret` (a bearer credential for the intent, which must not sit in
 * the table for the inbox's 35 days). The handler re-reads the object from Stripe anyway.
 */
const PAYMENT_INTENT_FIELDS = [
  'id',
  'object',
  'amount',
  'amount_received',
  'currency',
  'customer',
  'invoice',
  'latest_charge',
  'payment_method',
  'status',
  'created',
  'metadata',
] as const;

export function inboxPayload(event: {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}): unknown {
  const object = event.data.object;
  const kept = event.type.startsWith('payment_intent.')
    ? {
        ...Object.fromEntries(PAYMENT_INTENT_FIELDS.filter((f) => f in object).map((f) => [f, object[f]])),
        ...(object.last_payment_error && typeof object.last_payment_error === 'object'
          ? {
              last_payment_error: pick(object.last_payment_error as Record<string, unknown>, [
                'code',
                'decline_code',
                'type',
              ]),
            }
          : {}),
      }
    : withoutSecrets(object);
  return { id: event.id, type: event.type, created: event.created, data: { object: kept } };
}

const pick = (o: Record<string, unknown>, fields: readonly string[]) =>
  Object.fromEntries(fields.filter((f) => o[f] !== undefined).map((f) => [f, o[f]]));

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([k]) => k !== 'client_secret')
      .map(([k, v]) => [k, withoutSecrets(v)]),
  );
}

export const HANDLED_EVENT_TYPES: ReadonlySet<string> = new Set([
  ...APPLIED_EVENT_TYPES,
  ...AWAITING_HANDLER_EVENT_TYPES,
]);

export type InboxStatus = 'received' | 'queued' | 'handled' | 'awaiting_handler' | 'ignored' | 'failed' | 'superseded';

export interface InboxRecord {
  readonly eventId: string;
  readonly type: string;
  readonly created: number;
  readonly status: InboxStatus;
  readonly receivedAt?: string;
  readonly handledAt?: string;
  readonly orgId?: string;
  readonly outcomeCode?: string;
  readonly payload?: unknown;
}

/** A terminal outcome; `payload` is kept only for events waiting for a future handler. */
export interface InboxOutcome {
  readonly status: Exclude<InboxStatus, 'received' | 'queued'>;
  readonly orgId?: string;
  readonly type?: string;
  readonly code?: string;
  readonly payload?: unknown;
}

export interface StripeEventInbox {
  /** Conditional put; answers the existing record when the event was seen before. */
  claim(event: { id: string; type: string; created: number }, now: Date): Promise<'claimed' | InboxRecord>;
  markQueued(eventId: string): Promise<void>;
  /** Deletes a claim that never reached the queue, so Stripe's retry starts afresh. */
  release(eventId: string): Promise<void>;
  get(eventId: string): Promise<InboxRecord | undefined>;
  finish(eventId: string, outcome: InboxOutcome, now: Date): Promise<boolean>;
}

export interface StripeEventQueue {
  /** Resolves once the queue has durably accepted the message. */
  enqueue(event: { id: string; type: string }, body: string): Promise<void>;
}

/** The verified event, as much of it as routing needs; the queue carries the raw JSON. */
export interface VerifiedStripeEvent {
  readonly id: string;
  readonly type: string;
  readonly created: number;
}

export type WebhookOutcome = 'queued' | 'duplicate' | 'ignored';

/**
 * Accepts a verified event. Answers only once the event is durably queued; an enqueue failure releases
 * the claim and throws (→ 5xx), so Stripe's retry goes through the whole path again.
 *
 * A claim left in `received` (a crash between claim and enqueue) is enqueued again on the next
 * delivery: enqueueing twice is harmless, because the reconciler applies an event once whatever the
 * number of messages.
 */
export async function acceptStripeEvent(
  deps: { inbox: StripeEventInbox; stripeEventQueue: StripeEventQueue; clock: Clock },
  event: VerifiedStripeEvent,
  rawJson: string,
): Promise<WebhookOutcome> {
  if (!HANDLED_EVENT_TYPES.has(event.type)) return 'ignored';
  const claim = await deps.inbox.claim(event, deps.clock.now());
  if (claim !== 'claimed' && claim.status !== 'received') return 'duplicate';
  try {
    await deps.stripeEventQueue.enqueue(event, rawJson);
  } catch (error) {
    if (claim === 'claimed') await deps.inbox.release(event.id);
    throw dependencyUnavailable('event_queue_unavailable', 'the event could not be queued; retry', error);
  }
  await deps.inbox.markQueued(event.id);
  return 'queued';
}
