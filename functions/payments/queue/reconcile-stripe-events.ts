import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
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
 * The Stripe-events queue consumer (event source mapping with ReportBatchItemFailures). Records are
 * processed one after another (a batch of 10 often names the same customer; in order, they meet no
 * contention). A retryable failure fails only that record; an unreadable message is logged and
 * acknowledged: redelivering it could never succeed, and the verified original is in Stripe's dashboard.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    let parsed: StripeEventEnvelope;
    try {
      parsed = StripeEventMessage.parse(JSON.parse(record.body)) as StripeEventEnvelope;
    } catch (error) {
      logger.error('unreadable stripe event message', { messageId: record.messageId, error });
      continue;
    }
    try {
      const outcome = await reconcileStripeEvent(deps(), parsed);
      logger.info('stripe event reconciled', { eventId: parsed.id, type: parsed.type, outcome });
    } catch (error) {
      const code = isAppError(error) ? error.code : 'unexpected';
      logger.warn('stripe event will be retried', { eventId: parsed.id, type: parsed.type, code, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
