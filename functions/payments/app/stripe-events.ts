import type { Clock } from '../../kernel/clock';
import { dependencyUnavailable } from '../../kernel/errors';
import type { TransactionPart } from '../../kernel/ports';

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
 * Event types handed to the collection capability (invoices paid through Stripe): the reconciler passes
 * them on with their inbox record (see InvoiceEventHandler in ports.ts).
 */
export const COLLECTION_EVENT_TYPES = [
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

export const HANDLED_EVENT_TYPES: ReadonlySet<string> = new Set([...APPLIED_EVENT_TYPES, ...COLLECTION_EVENT_TYPES]);

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

/** A terminal outcome (`awaiting_handler` and `payload`: records kept before collection existed). */
export interface InboxOutcome {
  readonly status: Exclude<InboxStatus, 'received' | 'queued'>;
  readonly orgId?: string;
  readonly type?: string;
  readonly code?: string;
  readonly payload?: unknown;
}

export interface StripeEventInbox {
  /** The finish of the record as a part of another write's transaction (its condition: not yet finished). */
  finishPart(eventId: string, outcome: InboxOutcome, now: Date): TransactionPart;
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
