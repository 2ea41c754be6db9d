import { randomBytes } from 'node:crypto';
import type { SlackMessage } from '../core/message.js';
import { resolveAction } from '../interact/action-value.js';
import { INTERACTION_JOB_VERSION, type InteractionJob } from '../interact/interaction-job.js';
import type { InteractionWorker } from '../interact/interaction-worker.js';
import type { FindingArchiver } from '../interact/ports.js';
import type { ResponseUrlClient } from '../interact/response-url.js';
import type { DemoMessage } from './feed.js';

/**
 * The demo page's buttons, against the demo's own store and no Slack: a click on the page becomes the same
 * InteractionJob a signed Slack click becomes (after verification), run by the same worker — so Mute similar writes a
 * real mute rule that silences the next sample of that type, Block IP goes through respond (dry-run in the demo:
 * "Would block …"), and every click is in the audit log. What Slack would do is played by the page: the message is
 * replaced in the feed (response_url `replace_original`), a refusal is shown to the clicker only (ephemeral).
 *
 * Everyone who can open the page may click (it listens on loopback, and the server refuses other sites' requests);
 * Archive cannot reach GuardDuty from here, so it is recorded as done without calling it.
 */

/** The demo's clicker: a Slack-shaped user id, so the outcome line reads "… by <@U0DEMOUSER>". */
export const DEMO_USER = { id: 'U0DEMOUSER', name: 'you' } as const;
const RESPONSE_URL_PREFIX = 'demo:message/';

export interface DemoClick {
  /** The feed message's seq. */
  seq: number;
  actionId: string;
  /** A button's value. */
  value?: string;
  /** A menu's chosen option value. */
  option?: string;
}

export type DemoClickResult =
  | { ok: true; result: string; reason?: string; updated: boolean; told?: string }
  | { ok: false; error: string };

export interface DemoActions {
  click(request: DemoClick): Promise<DemoClickResult>;
}

/** "Archive" in the demo: nothing to call (no AWS), so it succeeds and says nothing else. */
export const demoArchiver: FindingArchiver = { archive: async (location) => ({ detectorId: location.detectorId }) };

/**
 * The response_url side, played by the feed: replace the clicked message, or keep the ephemeral text for the answer.
 */
export function createDemoResponder(options: { replace(seq: number, message: SlackMessage): boolean }): ResponseUrlClient & { takeTold(url: string): string | undefined } {
  const told = new Map<string, string>();
  const seqOf = (url: string): number => Number(url.slice(RESPONSE_URL_PREFIX.length).split('/')[0]);
  return {
    async replace(url, message) {
      if (!options.replace(seqOf(url), message)) throw new Error('the demo message is no longer shown');
    },
    async ephemeral(url, text) {
      told.set(url, text);
    },
    takeTold(url) {
      const text = told.get(url);
      told.delete(url);
      return text;
    },
  };
}

/**
 * @example
 * const actions = createDemoActions({ worker, message: (seq) => feed.snapshot().messages.find((m) => m.seq === seq), responder });
 * await actions.click({ seq: 3, actionId: 'gdn.acknowledge', value: '{"v":1,"d":"demo","f":"…"}' });
 */
export function createDemoActions(options: {
  worker: InteractionWorker;
  message(seq: number): DemoMessage | undefined;
  responder: ReturnType<typeof createDemoResponder>;
  now?: () => number;
}): DemoActions {
  const now = options.now ?? Date.now;
  return {
    async click(request) {
      const shown = options.message(request.seq);
      if (shown === undefined) return { ok: false, error: 'that message is no longer in the demo' };
      const resolved = resolveAction({
        type: request.option === undefined ? 'button' : 'static_select',
        action_id: request.actionId,
        ...(request.value === undefined ? {} : { value: request.value }),
        ...(request.option === undefined ? {} : { selected_option: { value: request.option } }),
      });
      if (resolved.kind === 'ignore' || resolved.kind === 'unknown') return { ok: true, result: 'ignored', updated: false };
      const responseUrl = `${RESPONSE_URL_PREFIX}${request.seq}/${randomBytes(6).toString('hex')}`;
      const job: InteractionJob = {
        v: INTERACTION_JOB_VERSION,
        id: randomBytes(16).toString('hex'),
        receivedAt: now(),
        user: DEMO_USER,
        action: resolved.kind === 'action' ? resolved.action : { name: resolved.name },
        decision: resolved.kind === 'action' ? { allowed: true, via: 'anyone' } : { allowed: false, reason: 'invalid', detail: resolved.problem },
        container: { isEphemeral: false },
        responseUrl,
        // The page shows exactly the message the feed holds: the worker rewrites that copy.
        message: { text: shown.slack.text, ...(shown.slack.blocks ? { blocks: shown.slack.blocks } : {}), ...(shown.slack.attachments ? { attachments: shown.slack.attachments } : {}) },
      };
      const outcome = await options.worker.run(job);
      const told = options.responder.takeTold(responseUrl);
      return {
        ok: true,
        result: outcome.result,
        ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
        updated: outcome.update !== 'none',
        ...(told === undefined ? {} : { told }),
      };
    },
  };
}
