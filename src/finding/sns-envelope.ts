import { getText, isObject, type JsonObject } from './keys.js';

/**
 * Envelopes that carry a finding document as JSON text, unwrapped before the document is read:
 * - a Lambda invocation from an SNS topic: `{ "Records": [{ "EventSource": "aws:sns", "Sns": { "Message": "<JSON>" } }] }`;
 * - an SNS notification on its own, as an SQS queue subscribed to a topic without raw message delivery (or an HTTP
 *   subscription) receives it: `{ "Type": "Notification", "TopicArn": …, "Message": "<JSON>" }`;
 * - a captured Lambda SQS event: `{ "Records": [{ "eventSource": "aws:sqs", "body": "<JSON>" }] }` (so `render` and
 *   `replay` take a recorded invocation as it is).
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html (the SNS event),
 * https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html (the notification's JSON),
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (the SQS event).
 */

export interface EnvelopeItem {
  /** The JSON text (or, from tools that decode it, the value) the envelope carries. */
  readonly content: unknown;
  /** Where it sits, e.g. `$.Records[0].Sns.Message`. */
  readonly path: string;
}

export interface EnvelopeContents {
  readonly kind: 'sns-event' | 'sns-notification' | 'sqs-event';
  readonly items: readonly EnvelopeItem[];
  /** Records that are neither an SNS nor an SQS record, with their paths. */
  readonly unreadable: readonly string[];
}

/** The contents of an SNS / SQS envelope, or undefined when `doc` is not one. */
export function envelopeContents(doc: JsonObject, path: string): EnvelopeContents | undefined {
  if (isSnsNotification(doc)) return { kind: 'sns-notification', items: [{ content: doc.Message, path: `${path}.Message` }], unreadable: [] };
  const records = doc.Records;
  if (!Array.isArray(records) || records.length === 0) return undefined;
  const items: EnvelopeItem[] = [];
  const unreadable: string[] = [];
  let sns = 0;
  let sqs = 0;
  records.forEach((record, i) => {
    const at = `${path}.Records[${i}]`;
    if (isObject(record) && isObject(record.Sns) && record.Sns.Message !== undefined) {
      sns++;
      items.push({ content: record.Sns.Message, path: `${at}.Sns.Message` });
    } else if (isObject(record) && typeof record.body === 'string' && (getText(record, 'eventSource') === 'aws:sqs' || typeof record.messageId === 'string')) {
      sqs++;
      items.push({ content: record.body, path: `${at}.body` });
    } else {
      unreadable.push(at);
    }
  });
  // `Records` of something else (S3 event notifications, DynamoDB streams…) is not ours to unwrap.
  if (sns === 0 && sqs === 0) return undefined;
  return { kind: sns >= sqs ? 'sns-event' : 'sqs-event', items, unreadable };
}

/** An SNS notification: `Type: Notification` and a `Message`. */
export function isSnsNotification(doc: JsonObject): boolean {
  return doc.Type === 'Notification' && doc.Message !== undefined && (typeof doc.TopicArn === 'string' || typeof doc.MessageId === 'string' || typeof doc.Message === 'string');
}

/** The Lambda SNS event: every record has an `Sns` member (EventSource `aws:sns`). */
export function isSnsLambdaEvent(event: unknown): boolean {
  if (!isObject(event) || !Array.isArray(event.Records) || event.Records.length === 0) return false;
  return event.Records.every((record) => isObject(record) && (isObject(record.Sns) || getText(record, 'EventSource') === 'aws:sns'));
}
