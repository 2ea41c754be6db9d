import { createHash, randomUUID } from 'node:crypto';
import { AwsJsonError, startAwsJsonServer, type AwsJsonServer } from './aws-json-server.js';

/**
 * An Amazon SQS stand-in for the one call the Slack actions Lambda makes: SendMessage (the job of a click, to the
 * actions queue), on the protocol @aws-sdk/client-sqs speaks since it moved to JSON (awsJson1_0, `X-Amz-Target:
 * AmazonSQS.SendMessage`; see `serviceTarget: "AmazonSQS"` and `AwsJson1_0Protocol` in its dist-cjs). Facts followed
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html): `QueueUrl` and
 * `MessageBody` required; the body at most 256 KiB; the answer has `MessageId` and `MD5OfMessageBody` (hex MD5 of the
 * body, which the SDK checks); an unknown queue is `AWS.SimpleQueueService.NonExistentQueue` (QueueDoesNotExist).
 * Tests read the messages back and hand them to the function as an SQS event, as the event source mapping would.
 */

/** "The minimum is 1 byte … The maximum is 262,144 bytes (256 KiB)" (SendMessage, MessageBody). */
export const SQS_MAX_BODY_BYTES = 262_144;

export interface SqsMessage {
  messageId: string;
  queueUrl: string;
  body: string;
  sentAt: number;
}

export interface SqsStandin extends Omit<AwsJsonServer, 'close'> {
  /** A queue URL the stand-in accepts (`http://127.0.0.1:PORT/123456789012/<name>`). */
  queueUrl(name: string): string;
  /** Messages sent to a queue, oldest first. */
  messages(queueUrl: string): SqsMessage[];
  /** Takes every message of a queue out (as a receive + delete would). */
  drain(queueUrl: string): SqsMessage[];
  close(): Promise<void>;
}

export async function startSqsStandin(): Promise<SqsStandin> {
  const queues = new Map<string, SqsMessage[]>();
  const server = await startAwsJsonServer({
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    faultErrors: {
      throttling: { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
      internal: { status: 500, type: 'InternalError', message: 'We encountered an internal error. Please try again.' },
      unavailable: { status: 503, type: 'ServiceUnavailable', message: 'Service unavailable' },
      'access-denied': { status: 400, type: 'AccessDenied', message: 'Access to the resource is denied.' },
    },
    handlers: {
      SendMessage(body) {
        const queueUrl = typeof body.QueueUrl === 'string' ? body.QueueUrl : '';
        const list = queues.get(queueUrl);
        if (list === undefined) throw new AwsJsonError(400, 'QueueDoesNotExist', 'The specified queue does not exist.');
        const messageBody = body.MessageBody;
        if (typeof messageBody !== 'string' || messageBody.length === 0) throw new AwsJsonError(400, 'MissingParameter', 'The request must contain the parameter MessageBody.');
        if (Buffer.byteLength(messageBody) > SQS_MAX_BODY_BYTES) throw new AwsJsonError(400, 'InvalidParameterValue', 'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.');
        const message: SqsMessage = { messageId: randomUUID(), queueUrl, body: messageBody, sentAt: Date.now() };
        list.push(message);
        return { MessageId: message.messageId, MD5OfMessageBody: createHash('md5').update(messageBody, 'utf8').digest('hex') };
      },
    },
  });
  return {
    ...server,
    queueUrl(name) {
      const url = `${server.endpoint}/123456789012/${name}`;
      if (!queues.has(url)) queues.set(url, []);
      return url;
    },
    messages: (queueUrl) => [...(queues.get(queueUrl) ?? [])],
    drain(queueUrl) {
      const list = queues.get(queueUrl) ?? [];
      return list.splice(0, list.length);
    },
    close: () => server.close(),
  };
}
