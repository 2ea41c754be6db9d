/**
 * `POST /slack/actions`, the fast half: verify, understand, authorise, and answer Slack at once; hand the rest over as
 * an InteractionJob. Slack wants an answer within 3 seconds (https://docs.slack.dev/interactivity/handling-user-interaction),
 * so nothing here waits on GuardDuty, the firewall or a Slack post; the one network call that can happen is a user-group
 * look-up (cached for a minute) when the clicker is not allowed directly.
 *
 * Answers: 401 for anything not signed by Slack (forged, stale, tampered, replayed, unsigned), with one log line that
 * names the reason and never the secret; 503 when the replay guard cannot record the request; 400 for a signed body
 * that is not an interaction; 200 (empty) for everything else, refusals included — a refusal is told to the clicker
 * by the job, ephemerally.
 *
 * A signed request we cannot act on is still a person (or a leaked signing secret) trying something: a payload that is
 * not a block_actions interaction we read, and an action_id that is not ours, are written to the audit log as refused
 * (`malformed`, `unknown-action`) with why. Link buttons (Open in GuardDuty, Runbook) and other interaction types
 * (Slack sends them to the same URL) are not actions and are not audited.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { ACTION_PERMISSIONS, resolveAction } from './action-value.js';
import type { AuditLog, AuditRecord } from './audit-record.js';
import type { Authoriser } from './authorise.js';
import { INTERACTION_JOB_VERSION, type InteractionJob, type JobDecision } from './interaction-job.js';
import { parseInteractionBody, SLACK_USER_ID } from './payload.js';
import type { SlackHttpRequest, SlackRequestVerifier } from './verify-request.js';

/** The path of Slack's interactivity Request URL on our listener and in the Function URL (issue 13). */
export const SLACK_ACTIONS_PATH = '/slack/actions';

export interface InteractionReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface ReceivedInteraction {
  readonly reply: InteractionReply;
  /** The slow work to run after replying; absent when there is nothing to do (refused request, link click, …). */
  readonly job?: InteractionJob;
}

export interface InteractionHandler {
  handle(request: SlackHttpRequest): Promise<ReceivedInteraction>;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' } as const;
const reply = (status: number, body = ''): InteractionReply => ({ status, headers: TEXT, body });

/**
 * @example
 * const handler = createInteractionHandler({ verifier, authoriser, logger });
 * const { reply, job } = await handler.handle({ headers: req.headers, body: raw });
 * res.writeHead(reply.status, reply.headers).end(reply.body);
 * if (job) void worker.run(job);
 */
export function createInteractionHandler(options: {
  verifier: SlackRequestVerifier;
  authoriser: Authoriser;
  logger?: Logger;
  now?: () => number;
  /** Where refusals of signed requests that carry no job go (malformed, unknown action); the jobs audit the rest. */
  audit?: AuditLog;
}): InteractionHandler {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;

  async function auditRefusal(signature: string, actor: string, reason: 'malformed' | 'unknown-action', detail: string): Promise<void> {
    if (options.audit === undefined) return;
    const record: AuditRecord = {
      id: `slack-${jobId(signature)}`,
      at: now(),
      actor,
      via: 'slack',
      action: 'unknown',
      result: 'refused',
      reason,
      detail: detail.slice(0, 300),
    };
    try {
      await options.audit.appendAudit(record);
    } catch (error) {
      logger.error('Could not write the audit record', { id: record.id, action: record.action, code: (error as { code?: string }).code });
    }
  }

  return {
    async handle(request) {
      const verified = await options.verifier.verify(request);
      if (!verified.ok) {
        logger.warn('Slack request refused', { reason: verified.reason, detail: verified.detail });
        return verified.reason === 'unavailable' ? { reply: reply(503, 'try again\n') } : { reply: reply(401, 'invalid request\n') };
      }
      const parsed = parseInteractionBody(verified.rawBody);
      if (!parsed.ok) {
        logger.warn('Signed Slack request is not an interaction we read', { problem: parsed.problem });
        await auditRefusal(verified.signature, actorOf(verified.rawBody), 'malformed', parsed.problem);
        return { reply: reply(400, 'bad request\n') };
      }
      if (parsed.kind === 'ignored') {
        logger.debug('Slack interaction ignored', { type: parsed.type });
        return { reply: reply(200) };
      }
      const { payload } = parsed;
      // Slack sends one action per click; should a payload carry more, the first is the one the user just used.
      const element = payload.actions[0]!;
      const resolved = resolveAction(element);
      if (resolved.kind === 'ignore') {
        logger.debug('Slack link button clicked', { actionId: element.action_id.slice(0, 64) });
        return { reply: reply(200) };
      }
      if (resolved.kind === 'unknown') {
        logger.warn('Signed Slack action that is not ours refused', { actionId: element.action_id.slice(0, 64), user: payload.user.id });
        // JSON.stringify: the id is request text, quoted and escaped as data.
        await auditRefusal(verified.signature, `slack:${payload.user.id}`, 'unknown-action', `action_id ${JSON.stringify(element.action_id.slice(0, 64))} is not one of ours`);
        return { reply: reply(200) };
      }

      let decision: JobDecision;
      let action: InteractionJob['action'];
      if (resolved.kind === 'invalid') {
        decision = { allowed: false, reason: 'invalid', detail: resolved.problem };
        action = { name: resolved.name };
      } else {
        action = resolved.action;
        const answer = await options.authoriser.authorise(payload.user.id, ACTION_PERMISSIONS[resolved.action.name]);
        decision = answer.allowed ? { allowed: true, via: answer.via } : { allowed: false, reason: answer.reason, detail: answer.detail };
      }

      const job: InteractionJob = {
        v: INTERACTION_JOB_VERSION,
        id: jobId(verified.signature),
        receivedAt: now(),
        user: payload.user,
        action,
        decision,
        container: payload.container,
        ...(payload.responseUrl === undefined ? {} : { responseUrl: payload.responseUrl }),
        ...(payload.message === undefined ? {} : { message: payload.message }),
      };
      logger.info('Slack action received', {
        action: action.name,
        user: payload.user.id,
        allowed: decision.allowed,
        ...(decision.allowed ? {} : { reason: decision.reason }),
      });
      return { reply: reply(200), job };
    },
  };
}

/** Stable per signed request: a redelivered job, and its audit record, are the same. */
function jobId(signature: string): string {
  return createHash('sha256').update(signature).digest('hex').slice(0, 32);
}

/** The clicker of a payload we could not read, when its user id still looks like one; else `slack:unknown`. */
function actorOf(rawBody: Uint8Array): string {
  try {
    const payload = JSON.parse(new URLSearchParams(Buffer.from(rawBody).toString('utf8')).get('payload') ?? '') as { user?: { id?: unknown } } | null;
    const id = payload?.user?.id;
    return typeof id === 'string' && SLACK_USER_ID.test(id) ? `slack:${id}` : 'slack:unknown';
  } catch {
    return 'slack:unknown';
  }
}
