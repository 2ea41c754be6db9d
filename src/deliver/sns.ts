import { attributesOf, textOf } from '../core/message.js';
import { createHash } from 'node:crypto';
import type { MessageAttributeValue, PublishCommand, PublishCommandInput, PublishCommandOutput } from '@aws-sdk/client-sns';
import { DeliveryError, missingPayloadError } from './errors.js';
import type { OutgoingMessage, SendResult, Sink } from './sink.js';

/**
 * Publish is far from our pace (thousands a second per account and region, https://docs.aws.amazon.com/general/latest/gr/sns.html);
 * 10/s keeps an SMS or e-mail subscription from turning a burst into a pager storm.
 */
export const SNS_DEFAULT_RATE = { perSecond: 10, burst: 10 } as const;

/**
 * "Subjects must be … text with no line breaks or control characters, and less than 100 characters long"
 * (SNS API Reference, Publish, `Subject`). Older revisions of the same page say ASCII; we send ASCII to be safe.
 */
export const SNS_SUBJECT_MAX = 99;
/** "messages must be UTF-8 encoded strings and at most 256 KB in size (262,144 bytes, not 262,144 characters)". */
export const SNS_MESSAGE_MAX_BYTES = 262_144;
/**
 * "For SQS subscriptions, a maximum of 10 message attributes can be sent when Raw Message Delivery is enabled"
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html); more would drop the message there.
 */
export const SNS_MAX_ATTRIBUTES = 10;

/** Attributes sent as `Number` so filter policies can say `{"severity": [{"numeric": [">=", 9]}]}`. */
const NUMBER_ATTRIBUTES = new Set(['severity', 'count']);
/** Sent first when there are more than ten. */
const ATTRIBUTE_PRIORITY = ['severity', 'band', 'type', 'account', 'region'];

/**
 * SDK error names (awsQuery codes in brackets) for which trying again later can help. Everything with `$fault:
 * 'server'`, HTTP 5xx or no HTTP answer at all (network) is retryable too.
 */
const RETRYABLE_NAMES = new Set([
  'ThrottledException', // Throttled
  'KMSThrottlingException', // KMSThrottling
  'InternalErrorException', // InternalError
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'ServiceUnavailable',
  'InternalFailure',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'CredentialsProviderError', // e.g. IMDS/STS briefly unreachable: not the message's fault
]);

/** What this sink needs of an SNS client; SNSClient fits, tests may pass their own. */
export interface SnsPublishClient {
  send(command: PublishCommand, options?: { abortSignal?: AbortSignal }): Promise<PublishCommandOutput>;
}

export interface SnsSinkOptions {
  name: string;
  topicArn: string;
  /** Defaults to an SNSClient in the topic's region with SDK retries off (our retry owns timing). */
  client?: SnsPublishClient;
  rate?: { perSecond: number; burst: number };
}

/**
 * A sink that publishes the plain-text rendering to an SNS topic (e-mail, SMS, chat bots, SQS, …). Message attributes
 * (severity as Number; band, type, account as String) let subscription filter policies route, e.g. SMS for
 * Critical only: `{"band": ["Critical"]}`.
 *
 * @example
 * const sink = createSnsSink({ name: 'pager', topicArn: 'arn:aws:sns:us-east-1:123456789012:guardduty' });
 */
export function createSnsSink(options: SnsSinkOptions): Sink {
  const { name, topicArn } = options;
  // The SNS client is loaded on first send: a Lambda cold start only pays for the AWS clients its config uses.
  let client: SnsPublishClient | undefined = options.client;
  const where = `SNS topic ${topicArn} ("${name}")`;

  async function send(message: OutgoingMessage, sendOptions?: { signal?: AbortSignal }): Promise<SendResult> {
    const input = publishInput(message, topicArn);
    try {
      const signal = sendOptions?.signal;
      const { PublishCommand: Publish, SNSClient } = await import('@aws-sdk/client-sns');
      client ??= new SNSClient({
        region: regionOf(topicArn),
        maxAttempts: 1,
        requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 },
      });
      await client.send(new Publish(input), signal === undefined ? undefined : { abortSignal: signal });
    } catch (error) {
      throw toDeliveryError(error, where);
    }
    return {};
  }

  return {
    name,
    type: 'sns',
    rate: options.rate ?? { ...SNS_DEFAULT_RATE },
    send,
    describe: () => `sns "${name}" ${topicArn}`,
  };
}

/** The Publish request for one outbox message. Exported for tests and the `render --sns` preview. */
export function publishInput(message: OutgoingMessage, topicArn: string): PublishCommandInput {
  const textMessage = textOf(message.message);
  if (textMessage === undefined) throw missingPayloadError(`SNS topic ${topicArn}`, 'text', message.id);
  const { subject, body } = textMessage;
  const safeSubject = snsSubject(subject);
  const text = body.trim() !== '' ? body : subject.trim() !== '' ? subject : `GuardDuty notification ${message.id}`;
  const input: PublishCommandInput = {
    TopicArn: topicArn,
    Message: truncateUtf8(text, SNS_MESSAGE_MAX_BYTES),
    MessageAttributes: messageAttributes(attributesOf(message.message) ?? {}),
  };
  if (safeSubject !== '') input.Subject = safeSubject;
  if (topicArn.endsWith('.fifo')) {
    // FIFO topics require a group and (without content-based dedup) a dedup id. The outbox id is stable across
    // retries, so a retry after a lost answer within SNS's 5-minute dedup window is not delivered twice.
    input.MessageGroupId = message.destination.slice(0, 128);
    input.MessageDeduplicationId = createHash('sha256').update(message.id).digest('hex');
  }
  return input;
}

/** ASCII, one line, at most 99 characters, starting with a letter, digit or punctuation. Empty when nothing is left. */
export function snsSubject(subject: string): string {
  const ascii = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (ascii.length <= SNS_SUBJECT_MAX) return ascii;
  return `${ascii.slice(0, SNS_SUBJECT_MAX - 3).trimEnd()}...`;
}

export function messageAttributes(attributes: Record<string, string>): Record<string, MessageAttributeValue> {
  const names = Object.keys(attributes)
    .filter((key) => isValidAttributeName(key) && (attributes[key] ?? '').trim() !== '')
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .slice(0, SNS_MAX_ATTRIBUTES);
  const out: Record<string, MessageAttributeValue> = {};
  for (const key of names) {
    const value = attributes[key] ?? '';
    const numeric = NUMBER_ATTRIBUTES.has(key) && Number.isFinite(Number(value));
    out[key] = { DataType: numeric ? 'Number' : 'String', StringValue: value };
  }
  return out;
}

function rank(key: string): number {
  const index = ATTRIBUTE_PRIORITY.indexOf(key);
  return index === -1 ? ATTRIBUTE_PRIORITY.length : index;
}

/**
 * "Name … can contain … A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) … must not start with AWS. or
 * Amazon. … must not start or end with a period, and it should not have successive periods" (SNS message attributes).
 */
function isValidAttributeName(name: string): boolean {
  return (
    /^[A-Za-z0-9_.-]{1,256}$/.test(name) &&
    !/^(aws\.|amazon\.)/i.test(name) &&
    !name.startsWith('.') &&
    !name.endsWith('.') &&
    !name.includes('..')
  );
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const marker = '\n…(truncated)';
  let cut = text.slice(0, maxBytes);
  while (Buffer.byteLength(cut + marker, 'utf8') > maxBytes) cut = cut.slice(0, Math.floor(cut.length * 0.95));
  return cut + marker;
}

function regionOf(topicArn: string): string {
  return topicArn.split(':')[3] ?? 'us-east-1';
}

function toDeliveryError(error: unknown, where: string): DeliveryError {
  const e = (error ?? {}) as {
    name?: string;
    message?: string;
    Code?: string;
    code?: string;
    $fault?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  const code = typeof e.Code === 'string' ? e.Code : typeof e.code === 'string' ? e.code : name;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const noAnswer = status === undefined && e.$fault === undefined;
  const retryable =
    RETRYABLE_NAMES.has(name) ||
    RETRYABLE_NAMES.has(code) ||
    e.$fault === 'server' ||
    e.$retryable !== undefined ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    noAnswer;
  const text = retryable
    ? `${where} failed: ${code}: ${message}; will retry`
    : `${where} rejected the message: ${code}: ${message}${hintFor(name)}`;
  return new DeliveryError(text, {
    retryable,
    code,
    ...(status === undefined ? {} : { status }),
    cause: error,
  });
}

function hintFor(name: string): string {
  switch (name) {
    case 'NotFoundException':
      return ' (does the topic exist in this account and region?)';
    case 'AuthorizationErrorException':
      return ' (the role needs sns:Publish on the topic, and kms:GenerateDataKey/Decrypt if it is encrypted)';
    case 'InvalidParameterException':
    case 'InvalidParameterValueException':
      return ' (this is a bug in the SNS rendering, please report it)';
    default:
      return '';
  }
}
