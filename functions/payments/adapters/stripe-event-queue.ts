import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { StripeEventQueue } from '../app/stripe-events';

/** The Stripe-events queue: the verified event's JSON as the body, its id and type as attributes. */
export class SqsStripeEventQueue implements StripeEventQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string | undefined,
  ) {}

  async enqueue(event: { id: string; type: string }, body: string): Promise<void> {
    if (!this.queueUrl) throw new Error('STRIPE_EVENTS_QUEUE_URL is not set');
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        MessageAttributes: {
          stripe_event_id: { DataType: 'String', StringValue: event.id },
          stripe_event_type: { DataType: 'String', StringValue: event.type },
        },
      }),
    );
  }
}
