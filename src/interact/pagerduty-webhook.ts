/**
 * PagerDuty → us: `POST /pagerduty/webhook`, a V3 webhook subscription on the service we page. Verified, then turned
 * into an acknowledgement through the one gate (a port: the gate lives in actions/, wired in pipeline/).
 *
 * Verification ("Verifying Signatures", PagerDuty V3 webhooks): `X-PagerDuty-Signature` holds one or more
 * comma-separated `v1=<hex HMAC-SHA256 of the raw body with the subscription's secret>` (several while a secret
 * rotates); the request is accepted when any of them matches any configured secret, compared in constant time.
 * Anything else is 401 and changes nothing. V3 webhooks carry no timestamp in the signature, so a replay is caught
 * by the event id instead: each `event.id` is applied once (the store's replay keys, 7 days).
 *
 * Events handled: `incident.acknowledged` and `incident.resolved` (someone answered: acknowledged everywhere, the
 * escalation stops), `incident.unacknowledged` (the acknowledgement lapsed: escalation resumes). Others are 200 and
 * ignored. The incident is matched to findings by `event.data.incident_key` (our dedup key) when PagerDuty sends it —
 * its V3 docs do not list that field — else by the `[gdn 1a2b3c4d]` reference every summary of ours ends with, found
 * in the incident's `title`. Never a REST call that would need another credential. Unknown incidents: 200 and a log line.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';

export const PAGERDUTY_WEBHOOK_PATH = '/pagerduty/webhook';
/** Our own bound: PagerDuty's incident events are a few KB. */
export const MAX_PAGERDUTY_WEBHOOK_BYTES = 256 * 1024;
/** How long an event id is remembered: far longer than PagerDuty keeps retrying a delivery. */
export const PAGERDUTY_EVENT_ID_TTL_MS = 7 * 86_400_000;

/** true when one of the header's `v1=` signatures is the HMAC-SHA256 of `rawBody` under one of `secrets`. */
export function verifyPagerDutySignature(rawBody: Buffer, header: string | undefined, secrets: readonly string[]): boolean {
  if (header === undefined || header.length > 4096 || secrets.length === 0) return false;
  const given = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => /^v1=[0-9a-f]{64}$/i.test(part))
    .map((part) => Buffer.from(part.slice(3), 'hex'));
  if (given.length === 0) return false;
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // Every pair is compared (no early exit), each in constant time.
    for (const signature of given) if (timingSafeEqual(expected, signature)) ok = true;
  }
  return ok;
}

export type IncidentChange = 'acknowledged' | 'unacknowledged' | 'resolved';

/** What the webhook needs of the rest of the notifier. */
export interface PagerDutyWebhookPorts {
  /** The store's replay keys: true the first time. */
  claimOnce(key: string, expiresAt: number, now: number): Promise<boolean>;
  /** The findings of the alert our dedup key (`incident_key`) or our reference (title) names; empty when none. */
  findingsOf(match: { incidentKey?: string; title?: string }): Promise<string[]>;
  /** The gate (actions/acknowledge.ts): acknowledge, or unacknowledge to resume escalation. */
  apply(change: IncidentChange, request: { findingIds: string[]; by: string; byName?: string; at: number; requestId: string }): Promise<void>;
}

export interface WebhookReply {
  status: number;
  body: string;
}

interface V3Envelope {
  event?: {
    id?: unknown;
    event_type?: unknown;
    occurred_at?: unknown;
    agent?: { id?: unknown; summary?: unknown } | null;
    data?: { id?: unknown; title?: unknown; incident_key?: unknown } | null;
  };
}

const str = (value: unknown, max = 1024): string | undefined => (typeof value === 'string' && value !== '' ? value.slice(0, max) : undefined);

const CHANGES: Readonly<Record<string, IncidentChange>> = {
  'incident.acknowledged': 'acknowledged',
  'incident.unacknowledged': 'unacknowledged',
  'incident.resolved': 'resolved',
};

/**
 * @example
 * const webhook = createPagerDutyWebhookHandler({ secrets: [secret], ports });
 * const reply = await webhook.handle({ headers: req.headers, body: rawBytes });
 */
export function createPagerDutyWebhookHandler(options: { secrets: readonly string[]; ports: PagerDutyWebhookPorts; now?: () => number; logger?: Logger }) {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const { ports } = options;
  return {
    async handle(request: { headers: Record<string, string | string[] | undefined>; body: Buffer }): Promise<WebhookReply> {
      const raw = request.headers['x-pagerduty-signature'];
      const header = Array.isArray(raw) ? raw.join(',') : raw;
      if (request.body.length > MAX_PAGERDUTY_WEBHOOK_BYTES || !verifyPagerDutySignature(request.body, header, options.secrets)) {
        logger.warn('PagerDuty webhook refused: no valid signature', { signed: header !== undefined });
        return { status: 401, body: 'invalid signature\n' };
      }
      let envelope: V3Envelope;
      try {
        envelope = JSON.parse(request.body.toString('utf8')) as V3Envelope;
      } catch {
        return { status: 400, body: 'not JSON\n' };
      }
      const event = envelope?.event;
      const eventId = str(event?.id, 200);
      const type = str(event?.event_type, 100);
      if (event === undefined || eventId === undefined || type === undefined) return { status: 400, body: 'not a V3 webhook event\n' };
      const change = Object.hasOwn(CHANGES, type) ? CHANGES[type] : undefined;
      if (change === undefined) return { status: 200, body: 'ignored\n' };

      const at = now();
      if (!(await ports.claimOnce(`pagerduty-event:${eventId}`, at + PAGERDUTY_EVENT_ID_TTL_MS, at))) {
        logger.info('PagerDuty webhook event already applied', { eventId, type });
        return { status: 200, body: 'already applied\n' };
      }
      const incidentKey = str(event.data?.incident_key, 300);
      const title = str(event.data?.title, 2048);
      const findingIds = await ports.findingsOf({ ...(incidentKey === undefined ? {} : { incidentKey }), ...(title === undefined ? {} : { title }) });
      if (findingIds.length === 0) {
        logger.info('PagerDuty webhook for an incident we did not open; nothing to do', { eventId, type, incident: str(event.data?.id, 50) });
        return { status: 200, body: 'unknown incident\n' };
      }
      const agentId = str(event.agent?.id, 50);
      const agentName = str(event.agent?.summary, 200);
      await ports.apply(change, {
        findingIds,
        by: `pagerduty:${agentId ?? 'unknown'}`,
        ...(agentName === undefined ? {} : { byName: agentName }),
        at,
        requestId: `pagerduty-${eventId}`,
      });
      logger.info('PagerDuty webhook applied', { eventId, type, findings: findingIds.length });
      return { status: 200, body: 'ok\n' };
    },
  };
}

export type PagerDutyWebhookHandler = ReturnType<typeof createPagerDutyWebhookHandler>;
