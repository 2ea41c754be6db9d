import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

/**
 * A local stand-in for Amazon SNS on 127.0.0.1, speaking the wire protocol @aws-sdk/client-sns 3.x uses: awsQuery
 * (`AwsQueryProtocol` in the client's runtimeConfig.shared.js): `POST /` with an `application/x-www-form-urlencoded`
 * body `Action=Publish&Version=2010-03-31&TopicArn=…&Message=…&Subject=…&MessageAttributes.entry.N.Name=…&
 * MessageAttributes.entry.N.Value.DataType=…&MessageAttributes.entry.N.Value.StringValue=…`, answered with XML
 * (`<PublishResponse><PublishResult><MessageId>`) or an `<ErrorResponse><Error><Type/><Code/><Message/>` whose
 * `Code` is the awsQuery error code (`Throttled`, `NotFound`, `AuthorizationError`, `InvalidParameter`,
 * `InternalError`) that the SDK maps to `ThrottledException`, `NotFoundException`, ….
 * Signatures are not checked (any dummy credentials work).
 *
 * Publish is implemented with SNS's checks (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html):
 * topic exists, message non-empty and ≤ 256 KB, subject ≤ 100 characters without line breaks or control/non-ASCII
 * characters, attribute data types String/Number/Binary/String.Array with valid Number values, FIFO topics need
 * `MessageGroupId`; GetTopicAttributes answers what `doctor` reads. `subscribe(topicArn, filterPolicy)` simulates attribute-based subscription filter policies
 * (exact strings/numbers, `numeric`, `prefix`, `anything-but`, `exists`) so tests can show what e.g. an SMS
 * subscription for Critical findings would get.
 *
 * @example
 * const sns = await startSnsStandin({ topics: ['arn:aws:sns:us-east-1:123456789012:alerts'] });
 * const client = new SNSClient({ endpoint: sns.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
 */

export type SnsFault =
  | { type: 'error'; code: 'Throttled' | 'InternalError' | 'AuthorizationError' | 'NotFound' | 'InvalidParameter' | 'KMSThrottling'; status?: number; message?: string }
  | { type: 'reset' };

export interface PublishedAttribute {
  dataType: string;
  value: string;
}

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  message: string;
  subject?: string;
  attributes: Record<string, PublishedAttribute>;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  at: number;
}

/** An attribute-scope filter policy, e.g. `{ band: ['Critical'] }` or `{ severity: [{ numeric: ['>=', 9] }] }`. */
export type FilterPolicy = Record<string, unknown[]>;

export interface SnsStandinOptions {
  /** Existing topics; when omitted any well-formed topic ARN exists. */
  topics?: readonly string[];
  now?: () => number;
}

export interface SnsStandin {
  /** `http://127.0.0.1:PORT`: the SNSClient `endpoint`. */
  readonly url: string;
  readonly published: readonly PublishedMessage[];
  /** Every request's Action and outcome (`ok` or an error code), in order. */
  readonly requests: ReadonlyArray<{ action: string; outcome: string }>;
  /** Each request takes the next queued fault first. */
  failNext(...faults: SnsFault[]): void;
  /** Adds a subscription; returns what it would have received so far and from now on. */
  subscribe(topicArn: string, filterPolicy?: FilterPolicy): { delivered(): PublishedMessage[] };
  close(): Promise<void>;
}

const ERROR_STATUS: Record<string, number> = {
  Throttled: 400,
  KMSThrottling: 400,
  InvalidParameter: 400,
  NotFound: 404,
  AuthorizationError: 403,
  InternalError: 500,
};
const MAX_MESSAGE_BYTES = 262_144;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

export async function startSnsStandin(options: SnsStandinOptions = {}): Promise<SnsStandin> {
  const now = options.now ?? Date.now;
  const topics = options.topics === undefined ? undefined : new Set(options.topics);
  const published: PublishedMessage[] = [];
  const requests: Array<{ action: string; outcome: string }> = [];
  const faults: SnsFault[] = [];
  /** Topic ARN → subscriptions `subscribe()` added (GetTopicAttributes' SubscriptionsConfirmed). */
  const subscriptions = new Map<string, number>();

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const form = new URLSearchParams(raw);
    const action = form.get('Action') ?? '';
    const record = { action, outcome: 'pending' };
    requests.push(record);
    const error = (code: string, message: string, status = ERROR_STATUS[code] ?? 400): void => {
      record.outcome = code;
      sendXml(res, status, errorXml(code, message, status >= 500 ? 'Receiver' : 'Sender'));
    };

    const injected = faults.shift();
    if (injected?.type === 'reset') {
      record.outcome = 'fault:reset';
      req.socket.destroy();
      return;
    }
    if (injected?.type === 'error') return error(injected.code, injected.message ?? `Injected ${injected.code}`, injected.status);

    if (req.method !== 'POST') return error('InvalidAction', 'Only POST is supported', 400);
    if (action === 'GetTopicAttributes') {
      // https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html: the topic's attributes as key/value
      // entries; SubscriptionsConfirmed counts what `subscribe()` added. Read-only: nothing is published.
      const arn = form.get('TopicArn') ?? '';
      if (!TOPIC_ARN.test(arn)) return error('InvalidParameter', 'Invalid parameter: TopicArn');
      if (topics !== undefined && !topics.has(arn)) return error('NotFound', 'Topic does not exist');
      record.outcome = 'ok';
      const confirmed = subscriptions.get(arn) ?? 0;
      const attributes = { TopicArn: arn, Owner: arn.split(':')[4] ?? '', SubscriptionsConfirmed: String(confirmed), SubscriptionsPending: '0', SubscriptionsDeleted: '0' };
      const entries = Object.entries(attributes).map(([k, v]) => `<entry><key>${k}</key><value>${escapeXml(v)}</value></entry>`).join('');
      sendXml(res, 200, `<GetTopicAttributesResponse xmlns="${XMLNS}"><GetTopicAttributesResult><Attributes>${entries}</Attributes></GetTopicAttributesResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetTopicAttributesResponse>`);
      return;
    }
    if (action !== 'Publish') return error('InvalidAction', `The action ${action || '(none)'} is not valid for this endpoint.`, 400);
    if (form.get('Version') !== '2010-03-31') return error('InvalidParameter', 'Invalid parameter: Version');

    const topicArn = form.get('TopicArn') ?? '';
    if (!TOPIC_ARN.test(topicArn)) return error('InvalidParameter', 'Invalid parameter: TopicArn');
    if (topics !== undefined && !topics.has(topicArn)) return error('NotFound', 'Topic does not exist');

    const message = form.get('Message');
    if (message === null || message === '') return error('InvalidParameter', 'Invalid parameter: Empty message');
    if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) {
      return error('InvalidParameter', 'Invalid parameter: Message too long');
    }
    const subject = form.get('Subject') ?? undefined;
    if (subject !== undefined) {
      if (subject.length === 0 || subject.length >= 100) return error('InvalidParameter', 'Invalid parameter: Subject');
      if (/[^\x20-\x7e]/.test(subject)) return error('InvalidParameter', 'Invalid parameter: Subject');
    }

    const attributes: Record<string, PublishedAttribute> = {};
    for (let n = 1; n <= 1000 && form.has(`MessageAttributes.entry.${n}.Name`); n++) {
      const name = form.get(`MessageAttributes.entry.${n}.Name`) ?? '';
      const dataType = form.get(`MessageAttributes.entry.${n}.Value.DataType`) ?? '';
      const value =
        form.get(`MessageAttributes.entry.${n}.Value.StringValue`) ?? form.get(`MessageAttributes.entry.${n}.Value.BinaryValue`);
      const baseType = dataType.split('.')[0] ?? '';
      if (!['String', 'Number', 'Binary'].includes(baseType)) {
        return error('InvalidParameterValue', `The message attribute '${name}' has an invalid message attribute type`, 400);
      }
      if (value === null || value === '') {
        return error('InvalidParameterValue', `The message attribute '${name}' must contain non-empty message attribute value`, 400);
      }
      if (baseType === 'Number' && !Number.isFinite(Number(value))) {
        return error('InvalidParameterValue', `Could not cast message attribute '${name}' value to number.`, 400);
      }
      attributes[name] = { dataType, value };
    }

    const fifo = topicArn.endsWith('.fifo');
    const messageGroupId = form.get('MessageGroupId') ?? undefined;
    if (fifo && messageGroupId === undefined) {
      return error('InvalidParameter', 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
    }
    const messageDeduplicationId = form.get('MessageDeduplicationId') ?? undefined;
    if (fifo && messageDeduplicationId !== undefined) {
      // FIFO deduplication: the same id within 5 minutes is accepted but not delivered again.
      const duplicate = published.find(
        (p) => p.topicArn === topicArn && p.messageDeduplicationId === messageDeduplicationId && now() - p.at < 300_000,
      );
      if (duplicate !== undefined) {
        record.outcome = 'ok:duplicate';
        return sendXml(res, 200, publishXml(duplicate.messageId));
      }
    }

    const entry: PublishedMessage = { messageId: randomUUID(), topicArn, message, attributes, at: now() };
    if (subject !== undefined) entry.subject = subject;
    if (messageGroupId !== undefined) entry.messageGroupId = messageGroupId;
    if (messageDeduplicationId !== undefined) entry.messageDeduplicationId = messageDeduplicationId;
    published.push(entry);
    record.outcome = 'ok';
    sendXml(res, 200, publishXml(entry.messageId));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const listening = await listenOnLoopback(server);
  const { port } = listening;

  return {
    url: `http://127.0.0.1:${port}`,
    published,
    requests,
    failNext(...more) {
      faults.push(...more);
    },
    subscribe(topicArn, filterPolicy) {
      subscriptions.set(topicArn, (subscriptions.get(topicArn) ?? 0) + 1);
      return {
        delivered: () =>
          published.filter((p) => p.topicArn === topicArn && (filterPolicy === undefined || matchesFilterPolicy(filterPolicy, p.attributes))),
      };
    },
    async close() {
      await listening.close();
    },
  };
}

/**
 * Attribute-scope filter policy matching (https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html):
 * every policy key must match (AND); within a key, any condition matches (OR). A missing attribute matches only
 * `{ exists: false }`.
 */
export function matchesFilterPolicy(policy: FilterPolicy, attributes: Record<string, PublishedAttribute>): boolean {
  return Object.entries(policy).every(([key, conditions]) => {
    const attribute = attributes[key];
    return conditions.some((condition) => matchesCondition(condition, attribute));
  });
}

function matchesCondition(condition: unknown, attribute: PublishedAttribute | undefined): boolean {
  if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
    const c = condition as Record<string, unknown>;
    if ('exists' in c) return (attribute !== undefined) === c['exists'];
    if (attribute === undefined) return false;
    if ('prefix' in c) return typeof c['prefix'] === 'string' && attribute.value.startsWith(c['prefix']);
    if ('anything-but' in c) {
      const excluded = Array.isArray(c['anything-but']) ? c['anything-but'] : [c['anything-but']];
      return !excluded.some((value) => matchesCondition(value, attribute));
    }
    if ('numeric' in c && Array.isArray(c['numeric'])) {
      if (!attribute.dataType.startsWith('Number')) return false;
      const value = Number(attribute.value);
      const terms = c['numeric'] as unknown[];
      for (let i = 0; i + 1 < terms.length; i += 2) {
        const op = terms[i];
        const bound = Number(terms[i + 1]);
        const ok =
          op === '=' ? value === bound : op === '>' ? value > bound : op === '>=' ? value >= bound : op === '<' ? value < bound : op === '<=' ? value <= bound : false;
        if (!ok) return false;
      }
      return true;
    }
    return false;
  }
  if (attribute === undefined) return false;
  if (typeof condition === 'number') return attribute.dataType.startsWith('Number') && Number(attribute.value) === condition;
  if (typeof condition === 'string') return attribute.dataType.startsWith('String') && attribute.value === condition;
  return false;
}

function publishXml(messageId: string): string {
  return `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`;
}

function errorXml(code: string, message: string, type: 'Sender' | 'Receiver'): string {
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
  res.end(body);
}
