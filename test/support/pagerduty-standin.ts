import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

/**
 * A local stand-in for PagerDuty's Events API v2 on 127.0.0.1: `POST /v2/enqueue`, with the documented field rules and
 * alert state, and a helper that sends signed V3 webhooks the way PagerDuty does.
 *
 * Sources (PagerDuty/developer-docs, events-API-v2):
 * - "Send an Alert Event": routing_key is the 32-character integration key; event_action trigger | acknowledge |
 *   resolve; dedup_key at most 255 characters; payload.summary (≤ 1024), payload.source and payload.severity
 *   (critical | error | warning | info) required on a trigger; events for a dedup_key apply to the open alert opened
 *   through the same routing_key; once resolved, a trigger opens a new alert and acknowledge/resolve are dropped;
 * - "Overview": 202 accepted; 400 invalid (`{"status":"invalid event","message":"Event object is invalid","errors":[…]}`);
 *   429 too many; payloads at most 512 KB;
 * - V3 webhooks ("Verifying Signatures"): `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>`, several
 *   comma-separated while a secret rotates.
 * The exact wording of `errors` is ours: PagerDuty documents the shape, not every sentence.
 */

export type AlertStatus = 'triggered' | 'acknowledged' | 'resolved';

export interface StandinAlert {
  routingKey: string;
  dedupKey: string;
  /** 1, 2, …: a trigger after resolve opens alert number n+1 for the same key. */
  number: number;
  status: AlertStatus;
  summary: string;
  severity: string;
  /** Every event applied to this alert, in order. */
  actions: string[];
}

export interface ReceivedEvent {
  routingKey: string;
  eventAction: string;
  dedupKey: string;
  body: Record<string, unknown>;
}

export type PagerDutyFault = { type: 'status'; status: number; body?: string } | { type: 'throttle' };

export interface PagerDutyStandin {
  /** `http://127.0.0.1:PORT`: the destination's `apiUrl`. */
  url: string;
  /** Events accepted (202), in order. */
  events: ReceivedEvent[];
  /** Every request answered, with its status. */
  attempts: Array<{ status: number; errors?: string[] }>;
  /** The current alert of a key (the last opened one), if any. */
  alert(routingKey: string, dedupKey: string): StandinAlert | undefined;
  alerts(): StandinAlert[];
  /** The next requests suffer these, in order, instead of being handled. */
  failNext(...faults: PagerDutyFault[]): void;
  close(): Promise<void>;
}

const VALID_ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
const VALID_SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);
const MAX_BODY = 512 * 1024;

/** A plausible integration key: 32 characters, as PagerDuty makes them. */
export const TEST_ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY32';

export async function startPagerDutyStandin(): Promise<PagerDutyStandin> {
  const events: ReceivedEvent[] = [];
  const attempts: PagerDutyStandin['attempts'] = [];
  const byKey = new Map<string, StandinAlert>();
  const all: StandinAlert[] = [];
  const faults: PagerDutyFault[] = [];

  function answer(res: ServerResponse, status: number, body: Record<string, unknown>): void {
    attempts.push({ status, ...(Array.isArray(body.errors) ? { errors: body.errors as string[] } : {}) });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
  const invalid = (res: ServerResponse, errors: string[]) => answer(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors });

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    if (req.method !== 'POST' || req.url !== '/v2/enqueue') {
      answer(res, 404, { status: 'not found', message: 'Not found' });
      return;
    }
    const fault = faults.shift();
    if (fault?.type === 'throttle') return answer(res, 429, { status: 'throttle event', message: 'Requests for this service are arriving too quickly.  Please retry later.' });
    if (fault?.type === 'status') {
      attempts.push({ status: fault.status });
      res.writeHead(fault.status, { 'content-type': 'application/json' }).end(fault.body ?? '{}');
      return;
    }
    if (Buffer.byteLength(raw) > MAX_BODY) return invalid(res, ['Event payload exceeds 512 KB']);
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return invalid(res, ['Event object is not a JSON object']);
      body = parsed as Record<string, unknown>;
    } catch {
      return answer(res, 400, { status: 'invalid event', message: 'Could not parse JSON', errors: ['Malformed JSON'] });
    }
    const errors: string[] = [];
    const routingKey = body.routing_key;
    if (typeof routingKey !== 'string' || routingKey.length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
    const action = body.event_action;
    if (typeof action !== 'string' || !VALID_ACTIONS.has(action)) errors.push("'event_action' is missing or invalid (trigger, acknowledge or resolve)");
    const dedupKey = body.dedup_key;
    if (dedupKey !== undefined && (typeof dedupKey !== 'string' || dedupKey.length > 255)) errors.push("'dedup_key' is longer than 255 characters");
    if ((action === 'acknowledge' || action === 'resolve') && (typeof dedupKey !== 'string' || dedupKey === '')) errors.push("'dedup_key' is required to acknowledge or resolve");
    const payload = body.payload as Record<string, unknown> | undefined;
    if (action === 'trigger') {
      if (typeof payload !== 'object' || payload === null) errors.push("'payload' is missing");
      else {
        if (typeof payload.summary !== 'string' || payload.summary.trim() === '') errors.push("'payload.summary' is missing or blank");
        else if (payload.summary.length > 1024) errors.push("'payload.summary' is longer than 1024 characters");
        if (typeof payload.source !== 'string' || payload.source.trim() === '') errors.push("'payload.source' is missing or blank");
        if (typeof payload.severity !== 'string' || !VALID_SEVERITIES.has(payload.severity)) errors.push("'payload.severity' must be one of critical, error, warning, info");
        if (payload.custom_details !== undefined && (typeof payload.custom_details !== 'object' || payload.custom_details === null)) errors.push("'payload.custom_details' must be an object");
      }
      if (body.links !== undefined) {
        if (!Array.isArray(body.links)) errors.push("'links' must be an array");
        else body.links.forEach((l, i) => typeof (l as { href?: unknown })?.href !== 'string' && errors.push(`'links[${i}].href' is missing`));
      }
    }
    if (errors.length > 0) return invalid(res, errors);

    const key = `${routingKey as string}\u0000${(dedupKey as string | undefined) ?? `auto-${events.length}`}`;
    const dedup = (dedupKey as string | undefined) ?? `auto-${events.length}`;
    const current = byKey.get(key);
    if (action === 'trigger') {
      if (current === undefined || current.status === 'resolved') {
        const alert: StandinAlert = {
          routingKey: routingKey as string,
          dedupKey: dedup,
          number: (current?.number ?? 0) + 1,
          status: 'triggered',
          summary: String(payload!.summary),
          severity: String(payload!.severity),
          actions: ['trigger'],
        };
        byKey.set(key, alert);
        all.push(alert);
      } else {
        current.actions.push('trigger');
        current.summary = String(payload!.summary);
        current.severity = String(payload!.severity);
      }
    } else if (current !== undefined && current.status !== 'resolved') {
      // acknowledge/resolve apply to the open alert of this key through this routing key; otherwise they are dropped.
      current.actions.push(action as string);
      current.status = action === 'acknowledge' ? 'acknowledged' : 'resolved';
    }
    events.push({ routingKey: routingKey as string, eventAction: action as string, dedupKey: dedup, body });
    answer(res, 202, { status: 'success', message: 'Event processed', dedup_key: dedup });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const listening = await listenOnLoopback(server);
  return {
    url: listening.url,
    events,
    attempts,
    alert: (routingKey, dedupKey) => byKey.get(`${routingKey}\u0000${dedupKey}`),
    alerts: () => [...all],
    failNext: (...list) => faults.push(...list),
    close: listening.close,
  };
}

/** `v1=<hex>` for each secret, comma-separated, as PagerDuty signs a V3 webhook body. */
export function signPagerDutyWebhook(body: string, secrets: readonly string[]): string {
  return secrets.map((secret) => `v1=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`).join(',');
}

/** A V3 webhook body for an incident event, as PagerDuty sends it (fields we read, and a few we don't). */
export function incidentWebhookBody(options: {
  eventId: string;
  eventType: 'incident.acknowledged' | 'incident.unacknowledged' | 'incident.resolved' | 'incident.triggered';
  title: string;
  incidentKey?: string;
  agentName?: string;
  occurredAt?: string;
}): string {
  const data: Record<string, unknown> = {
    id: 'Q1INCIDENT',
    type: 'incident',
    self: 'https://api.pagerduty.com/incidents/Q1INCIDENT',
    html_url: 'https://example.pagerduty.com/incidents/Q1INCIDENT',
    number: 42,
    status: options.eventType.replace('incident.', '').replace('unacknowledged', 'triggered'),
    title: options.title,
    service: { id: 'PSERVICE', type: 'service_reference', summary: 'GuardDuty' },
    urgency: 'high',
  };
  if (options.incidentKey !== undefined) data.incident_key = options.incidentKey;
  return JSON.stringify({
    event: {
      id: options.eventId,
      event_type: options.eventType,
      resource_type: 'incident',
      occurred_at: options.occurredAt ?? '2026-12-08T03:04:05.000Z',
      agent: options.agentName === undefined ? null : { id: 'PUSER', type: 'user_reference', summary: options.agentName, html_url: 'https://example.pagerduty.com/users/PUSER' },
      client: null,
      data,
    },
  });
}
