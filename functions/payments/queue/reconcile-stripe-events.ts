import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { isAppError } from '../../kernel/errors';
import { logger } from '../../kernel/logger';
import { reconcileStripeEvent, type StripeEventEnvelope } from '../app/reconcile-stripe-event';
import { deps } from '../compose-reconciler';

/** The part of a Stripe event the reconciler relies on; anything else passes through untouched. */
const StripeEventMessage = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int(),
  data: z.looseObject({
    object: z.record(z.string(), z.unknown()),
    previous_attributes: z.record(z.string(), z.unknown()).optional(),
  }),
});

/**
 * One record. A retryable failure throws, which fails only this record (Powertools' batch processor
 * reports it in `batchItemFailures`); an unreadable message is logged and acknowledged: redelivering it
 * could never succeed, and the verified original is in Stripe's dashboard.
 */
async function reconcileRecord(record: SQSRecord): Promise<void> {
  let parsed: StripeEventEnvelope;
  try {
    parsed = StripeEventMessage.parse(JSON.parse(record.body)) as StripeEventEnvelope;
  } catch (error) {
    logger.error('unreadable stripe event message', { messageId: record.messageId, error });
    return;
  }
  try {
    const outcome = await reconcileStripeEvent(deps(), parsed);
    logger.info('stripe event reconciled', { eventId: parsed.id, type: parsed.type, outcome });
  } catch (error) {
    const code = isAppError(error) ? error.code : 'unexpected';
    logger.warn('stripe event will be retried', { eventId: parsed.id, type: parsed.type, code, error });
    throw error;
  }
}

const processor = new BatchProcessor(EventType.SQS);

/**
 * The Stripe-events queue consumer (event source mapping with ReportBatchItemFailures). Records are
 * processed one after another (a batch of 10 often names the same customer; in order, they meet no
 * contention). A batch whose every record failed is reported as such, not thrown: the outcome is the
 * same (all are retried) and the local poller and Lambda read it the same way.
 */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  return processPartialResponse(event, reconcileRecord, processor, {
    ...(context ? { context } : {}),
    processInParallel: false,
    throwOnFullBatchFailure: false,
  });
}
