import type { SQSEvent } from 'aws-lambda';
import { ulid } from 'ulid';

/** A record to deliver: a body (a string as is, anything else as JSON), and what SQS would stamp on it. */
export interface TestRecord {
  body: unknown;
  messageId?: string;
  sentAt?: Date;
  receiveCount?: number;
}

/** An SQS event as Lambda's event source mapping delivers it, for calling a queue handler directly. */
export function sqsEvent(records: readonly TestRecord[]): SQSEvent {
  return {
    Records: records.map((r, i) => {
      const messageId = r.messageId ?? `msg-${i}-${ulid()}`;
      return {
        messageId,
        receiptHandle: `rh-${i}-${messageId}`,
        body: typeof r.body === 'string' ? r.body : JSON.stringify(r.body),
        attributes: {
          ApproximateReceiveCount: String(r.receiveCount ?? 1),
          SentTimestamp: String((r.sentAt ?? new Date()).getTime()),
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:billing-usage',
        awsRegion: 'us-east-1',
      };
    }),
  };
}
