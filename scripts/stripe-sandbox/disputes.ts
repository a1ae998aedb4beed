import type Stripe from 'stripe';
import { invalidRequest } from './errors';
import { previousAttributes } from './events';
import * as build from './objects';
import { mergeMetadata } from './params';
import { type ApiContext, route } from './router';
import { expand, paginate, snapshot } from './store';

/** What dispute changes need: the state and a way to emit (API calls and control calls alike). */
export type Effects = Pick<ApiContext, 'store' | 'emit'>;

const CLOSED: readonly Stripe.Dispute.Status[] = ['won', 'lost', 'warning_closed', 'prevented'];

/**
 * A cardholder disputes a successful charge. Stripe withdraws the amount at once, so
 * `charge.dispute.created` is followed by `charge.dispute.funds_withdrawn`.
 */
export function openDispute(fx: Effects, charge: Stripe.Charge, reason = 'fraudulent'): Stripe.Dispute {
  if (charge.status !== 'succeeded')
    throw invalidRequest(`Charge ${charge.id} did not succeed: it cannot be disputed.`);
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} is already disputed.`);
  const dispute = build.dispute({ charge, reason });
  fx.store.disputes.insert(dispute);
  charge.disputed = true;
  fx.emit('charge.dispute.created', dispute);
  fx.emit('charge.dispute.funds_withdrawn', dispute);
  return dispute;
}

/**
 * The network's decision (in Stripe test mode it comes from evidence text `winning_evidence` /
 * `losing_evidence`; here the control surface decides). Won: the funds come back.
 */
export function closeDispute(fx: Effects, id: string, outcome: 'won' | 'lost'): Stripe.Dispute {
  const dispute = fx.store.disputes.require(id);
  if (CLOSED.includes(dispute.status)) throw invalidRequest(`This dispute is already closed (${dispute.status}).`);
  const before = snapshot(dispute);
  dispute.status = outcome;
  fx.emit('charge.dispute.closed', dispute, previousAttributes(before, dispute));
  if (outcome === 'won') fx.emit('charge.dispute.funds_reinstated', dispute);
  return dispute;
}

/** What the network (or the cardholder's bank) may change on an open dispute, through control. */
export interface DisputeUpdate {
  /** An open status; closing goes through {@link closeDispute} (it moves funds). */
  status?: 'needs_response' | 'under_review' | 'warning_needs_response' | 'warning_under_review';
  reason?: Stripe.Dispute['reason'];
  metadata?: Record<string, string>;
}

const OPEN_STATUSES: readonly string[] = [
  'needs_response',
  'under_review',
  'warning_needs_response',
  'warning_under_review',
];

/** Control's dispute update: `charge.dispute.updated` with `previous_attributes`, if anything changed. */
export function updateDisputeByNetwork(fx: Effects, id: string, update: DisputeUpdate): Stripe.Dispute {
  const dispute = fx.store.disputes.require(id);
  if (CLOSED.includes(dispute.status)) throw invalidRequest('This dispute is already closed and cannot be updated.');
  if (update.status !== undefined && !OPEN_STATUSES.includes(update.status)) {
    throw invalidRequest(`status must be one of ${OPEN_STATUSES.join(', ')}; close a dispute with closeDispute`);
  }
  const before = snapshot(dispute);
  if (update.status) dispute.status = update.status;
  if (update.reason) dispute.reason = update.reason;
  if (update.metadata) dispute.metadata = { ...dispute.metadata, ...update.metadata };
  const previous = previousAttributes(before, dispute);
  if (Object.keys(previous).length > 0) fx.emit('charge.dispute.updated', dispute, previous);
  return dispute;
}

function updateDispute(ctx: ApiContext) {
  const dispute = ctx.store.disputes.require(ctx.pathParams.id!);
  if (CLOSED.includes(dispute.status)) throw invalidRequest('This dispute is already closed and cannot be updated.');
  const before = snapshot(dispute);
  dispute.metadata = mergeMetadata(dispute.metadata, ctx.params);
  const evidence = ctx.params.hash('evidence');
  if (evidence) {
    for (const [key, value] of Object.entries(evidence.raw)) {
      if (typeof value === 'string' && key in dispute.evidence) {
        (dispute.evidence as unknown as Record<string, unknown>)[key] = value === '' ? null : value;
        dispute.evidence_details.has_evidence = true;
      }
    }
  }
  // Evidence is staged until `submit` (true by default, as in Stripe); submitting puts it under review.
  if (evidence && ctx.params.boolean('submit') !== false) {
    dispute.status = dispute.status.startsWith('warning_') ? 'warning_under_review' : 'under_review';
    dispute.evidence_details.submission_count += 1;
    dispute.evidence_details.submission_method = 'manual';
  }
  const previous = previousAttributes(before, dispute);
  if (Object.keys(previous).length > 0) ctx.emit('charge.dispute.updated', dispute, previous);
  return expand(ctx.store, dispute, ctx.params.strings('expand'));
}

export const disputeRoutes = [
  route('GET', '/v1/disputes', (ctx) => {
    const charge = ctx.params.string('charge');
    const pi = ctx.params.string('payment_intent');
    const items = ctx.store.disputes
      .newestFirst()
      .filter((d) => (!charge || d.charge === charge) && (!pi || d.payment_intent === pi));
    return expand(ctx.store, paginate(items, ctx.params, '/v1/disputes'), ctx.params.strings('expand'));
  }),
  route('GET', '/v1/disputes/:id', (ctx) =>
    expand(ctx.store, ctx.store.disputes.require(ctx.pathParams.id!), ctx.params.strings('expand')),
  ),
  route('POST', '/v1/disputes/:id', updateDispute),
  // Closing is the merchant accepting the dispute: it is lost.
  route('POST', '/v1/disputes/:id/close', (ctx) =>
    expand(ctx.store, closeDispute(ctx, ctx.pathParams.id!, 'lost'), ctx.params.strings('expand')),
  ),
];
