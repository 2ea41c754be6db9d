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
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { ACTION_PERMISSIONS, resolveAction } from './action-value.js';
import type { Authoriser } from './authorise.js';
import { INTERACTION_JOB_VERSION, type InteractionJob, type JobDecision } from './interaction-job.js';
import { parseInteractionBody } from './payload.js';
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
}): InteractionHandler {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;

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
        logger.debug('Slack action ignored (a link or not ours)', { actionId: element.action_id.slice(0, 64) });
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
        id: createHash('sha256').update(verified.signature).digest('hex').slice(0, 32),
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
