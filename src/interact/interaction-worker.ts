/**
 * The slow half of a click: carry out the InteractionJob the handler accepted, tell Slack what happened, record it.
 *
 * Order, for every job: (1) a refusal the handler already decided is told to the clicker; (2) the finding is looked up
 * in the store — the button's value only named it — and a finding no longer there is refused; (3) the action runs
 * through the same interfaces the CLI's commands implement (mutes, respond's blocks, GuardDuty); (4) on success the
 * message is rewritten in place (chat.update for a message we posted with the bot token, else the click's
 * response_url with replace_original) and an audit line goes into the finding's thread; a refusal or failure is an
 * ephemeral message to the clicker only and changes nothing; (5) the audit record is written, whatever happened.
 *
 * Running the same job twice (a queue redelivery) is safe: the mute id, respond's request id and the audit record id
 * all derive from the job id.
 */
import type { SlackMessage } from '../core/message.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { auditThreadLine, messageAfterAction, refusalText, type OutcomeView } from '../render/action-outcome.js';
import type { ActionRef } from '../render/interactive-actions.js';
import type { ActionName } from './action-value.js';
import type { AuditAction, AuditLog, AuditRecord, AuditResult } from './audit-record.js';
import { ArchiveError } from './errors.js';
import type { InteractionJob } from './interaction-job.js';
import type { SlackMessageCopy } from './payload.js';
import type { AcknowledgeActions, ArchiveActions, BlockActions, FindingLookup, InteractionTarget, MuteActions } from './ports.js';
import type { ResponseUrlClient } from './response-url.js';
import { postThreadLine, updateMessage, type InteractSlackClient } from './slack-web-api.js';

export interface InteractionWorkerOptions {
  lookup: FindingLookup;
  audit: AuditLog;
  responder: ResponseUrlClient;
  /** Bot-token calls (chat.update, thread lines). Without it, messages are updated through response_url only. */
  slack?: InteractSlackClient;
  /** The archive gate; absent: Archive is refused as `not-archivable` (not set up in this deployment). */
  archive?: ArchiveActions;
  mutes?: MuteActions;
  /** respond's blocks; absent when respond has no target (Block IP is then refused as `no-target`). */
  blocks?: BlockActions;
  /** The acknowledgement gate: an Acknowledge or an Archive is told to PagerDuty and ends the finding's escalation. */
  acknowledge?: AcknowledgeActions;
  now?: () => number;
  logger?: Logger;
  /** Where the clicks come from, for the audit record: `slack` (default) or the demo page (`demo`, no Slack). */
  via?: 'slack' | 'demo';
}

export interface JobResult {
  readonly result: AuditResult;
  readonly reason?: string;
  /** How the message was rewritten, if it was. */
  readonly update: 'chat.update' | 'response_url' | 'none';
  readonly threadLine: boolean;
  /** The ephemeral refusal reached the clicker. */
  readonly toldClicker: boolean;
  readonly audit: AuditRecord;
}

export interface InteractionWorker {
  run(job: InteractionJob): Promise<JobResult>;
}

/** A GuardDuty finding type (`ThreatPurpose:ResourceType/ThreatFamily.Mechanism!Artifact`): letters, digits and `:/._!-`, no glob. */
const FINDING_TYPE = /^[A-Za-z0-9][A-Za-z0-9:/._!-]{0,149}$/;

const AUDIT_ACTION: Readonly<Record<ActionName, AuditAction>> = {
  acknowledge: 'acknowledge',
  archive: 'archive',
  block: 'block',
  undoBlock: 'unblock',
  mute: 'mute',
  muteType: 'mute',
  undoMute: 'unmute',
};

/** What an action came to, before Slack is told. */
type Outcome =
  | { readonly result: 'done' | 'dry-run'; readonly view: OutcomeView; readonly facts?: Partial<AuditRecordFacts>; readonly detail?: string }
  | { readonly result: 'refused' | 'failed'; readonly reason: string; readonly detail?: string; readonly facts?: Partial<AuditRecordFacts> }
  /** Failed, and the message says so for everyone (a block stored but not written: "Blocking … could not write yet"). */
  | { readonly result: 'failed'; readonly reason: string; readonly view: OutcomeView; readonly detail?: string; readonly facts?: Partial<AuditRecordFacts> };

type AuditRecordFacts = Pick<AuditRecord, 'ips' | 'forMs' | 'muteId' | 'findingType' | 'accountId'>;

const refused = (reason: string, detail?: string, facts?: Partial<AuditRecordFacts>): Outcome => ({
  result: 'refused',
  reason,
  ...(detail === undefined ? {} : { detail }),
  ...(facts === undefined ? {} : { facts }),
});

function messageFromCopy(copy: SlackMessageCopy | undefined): SlackMessage | undefined {
  if (copy === undefined || (copy.blocks === undefined && copy.attachments === undefined)) return undefined;
  const message: SlackMessage = { text: copy.text !== undefined && copy.text !== '' ? copy.text : 'GuardDuty finding' };
  if (copy.blocks !== undefined) message.blocks = copy.blocks;
  if (copy.attachments !== undefined) message.attachments = copy.attachments;
  return message;
}

/**
 * The message a click rewrites, and whether it is the finding's latest (the one the store keeps a copy of). Our copy
 * is the finding's latest message, so it is used only when the click was on that one: the same Slack `ts` when both
 * are known (slack-api), else the same fallback text (a webhook message has no ts we could know). A click on an older
 * message of the finding (a thread reply, the first message after an escalation) starts from Slack's copy of it.
 */
function clickedMessage(job: InteractionJob, target: InteractionTarget | undefined): { base: SlackMessage | undefined; latest: boolean } {
  const ours = target?.slack?.message;
  const slacks = messageFromCopy(job.message);
  const ourTs = target?.slack?.ts;
  const clickedTs = job.container.messageTs;
  const sameTs = ourTs === undefined || clickedTs === undefined ? undefined : ourTs === clickedTs;
  if (ours === undefined) return { base: slacks, latest: sameTs !== false };
  if (slacks === undefined) return { base: ours, latest: sameTs !== false };
  const same = sameTs ?? ours.text === slacks.text;
  return same ? { base: ours, latest: true } : { base: slacks, latest: false };
}

/**
 * @example
 * const worker = createInteractionWorker({ lookup, audit, responder, slack, archive, mutes, blocks });
 * const { reply, job } = await handler.handle(request);
 * if (job) await worker.run(job);
 */
export function createInteractionWorker(options: InteractionWorkerOptions): InteractionWorker {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const via = options.via ?? 'slack';

  async function act(job: InteractionJob, target: InteractionTarget | undefined, at: number): Promise<Outcome> {
    const { action } = job;
    const by = job.user.id;
    const actor = `slack:${by}`;
    const who = job.user.name === undefined ? by : `${job.user.name} (${by})`;
    const ref = action.ref!;
    switch (action.name) {
      case 'acknowledge': {
        if (options.acknowledge !== undefined && target !== undefined) {
          const out = await options.acknowledge.acknowledge({
            findingId: target.findingId,
            destination: target.destination,
            by: actor,
            ...(job.user.name === undefined ? {} : { byName: job.user.name }),
            at,
            requestId: `${via}-${job.id}`,
            via,
          });
          if (out.result === 'already') return refused('already-acknowledged', out.by === undefined ? undefined : `by ${out.by}`);
          if (out.told !== undefined && out.told.length > 0) return { result: 'done', view: { kind: 'acknowledged', by, at }, detail: `told ${out.told.join(', ')}` };
        }
        return { result: 'done', view: { kind: 'acknowledged', by, at } };
      }

      case 'archive': {
        if (target === undefined || target.product !== 'GuardDuty') return refused('not-archivable');
        if (options.archive === undefined) return refused('not-archivable', 'archiving is not set up in this deployment');
        try {
          // The gate judges every stored copy, archives in GuardDuty, marks the copies and resolves PagerDuty alerts:
          // "Archived" is said only after ArchiveFindings succeeded.
          const out = await options.archive.archive({
            findingId: target.findingId,
            destination: target.destination,
            by: actor,
            ...(job.user.name === undefined ? {} : { byName: job.user.name }),
            at,
            requestId: `${via}-${job.id}`,
            via,
          });
          if (out.result === 'already') return refused('already-archived');
          if (out.result !== 'done') return refused(out.result);
          return { result: 'done', view: { kind: 'archived', by, at }, ...(out.told !== undefined && out.told.length > 0 ? { detail: `told ${out.told.join(', ')}` } : {}) };
        } catch (error) {
          if (error instanceof ArchiveError) {
            return { result: 'failed', reason: error.code === 'access-denied' ? 'access-denied' : 'failed', detail: error.message };
          }
          throw error;
        }
      }

      case 'block': {
        const forMs = 'forMs' in action && action.forMs !== undefined ? action.forMs : 0;
        if (options.blocks === undefined) return refused('no-target');
        if (target === undefined || target.remoteIps.length === 0) return refused('no-blockable-address');
        const out = await options.blocks.block({
          requestId: job.id,
          ips: target.remoteIps,
          forMs,
          destination: target.destination,
          findingId: target.findingId,
          findingType: target.type,
          ...(target.accountId === undefined ? {} : { accountId: target.accountId }),
          reason: `Blocked from Slack by ${who}`,
          by: actor,
          now: at,
        });
        const ips = [...new Set(out.blocked.map((entry) => entry.ip))];
        const refusedIps = out.refused.map(({ ip, reason }) => ({ ip, reason }));
        const pending = out.pending.map(({ ip, target: where, why }) => ({ ip, target: where, why }));
        const facts = { ips: ips.length > 0 ? ips : target.remoteIps, forMs };
        if (out.mode === 'dry-run' && (ips.length > 0 || (out.alreadyListed?.length ?? 0) > 0)) {
          const already = out.alreadyListed ?? [];
          return { result: 'dry-run', view: { kind: 'would-block', by, at, ips, forMs, refused: refusedIps, ...(already.length > 0 ? { alreadyListed: already } : {}) }, facts };
        }
        if (ips.length === 0 && pending.length === 0) {
          // Said in the gate's own words: "Not blocked: edge is full — 3 of 3 in use", "… sample finding".
          const first = out.refused[0];
          const reason = first?.reason ?? 'no-blockable-address';
          const same = out.refused.every((r) => r.reason === reason && r.detail === first?.detail);
          // A sample or archived finding needs no more words than its reason's own.
          if (same && (reason === 'sample' || reason === 'archived')) return refused(reason, undefined, facts);
          const detail = same && first?.detail !== undefined ? first.detail : out.refused.map((r) => `${r.ip} (${r.detail ?? r.reason})`).join(', ');
          return refused(reason, detail === '' ? undefined : detail, facts);
        }
        const view: OutcomeView = { kind: 'blocked', by, at, ips, forMs, refused: refusedIps, ...(pending.length > 0 ? { pending } : {}) };
        const notWritten = pending.map((p) => `${p.ip} in ${p.target}: ${p.why}`).join('; ');
        if (ips.length === 0) return { result: 'failed', reason: 'write-failed', view, facts, detail: `stored, not in force: ${notWritten}` };
        return { result: 'done', view, facts, ...(pending.length === 0 ? {} : { detail: `partly pending: ${notWritten}` }) };
      }

      case 'undoBlock': {
        if (options.blocks === undefined) return refused('no-target');
        if (target === undefined) return refused('nothing-to-undo');
        const out = await options.blocks.unblock({
          requestId: job.id,
          ips: target.remoteIps,
          destination: target.destination,
          findingId: target.findingId,
          by: actor,
          now: at,
        });
        if (out.removed.length === 0) return refused('nothing-to-undo', undefined, { ips: target.remoteIps });
        const ips = out.removed.map((entry) => entry.ip);
        return { result: 'done', view: { kind: 'unblocked', by, at, ips }, facts: { ips }, ...(out.writeError === undefined ? {} : { detail: out.writeError }) };
      }

      case 'mute':
      case 'muteType': {
        const forMs = 'forMs' in action && action.forMs !== undefined ? action.forMs : 0;
        if (options.mutes === undefined) return refused('failed', 'mutes are not available in this deployment');
        // Mute similar: the type and account of the finding as the store holds it, never the value's.
        const type = action.name === 'mute' ? target?.type : ref.t;
        const account = action.name === 'mute' ? target?.accountId : undefined;
        if (type === undefined || type.trim() === '' || (action.name === 'mute' && (account === undefined || account === ''))) {
          return refused('invalid', 'the finding has no type or account to mute');
        }
        // A digest's Mute type names one finding type, exactly as GuardDuty writes it; a pattern (`*`, `Recon:*`)
        // would silence findings nobody saw. A value that asks for one is not ours.
        if (action.name === 'muteType' && !FINDING_TYPE.test(type)) return refused('invalid', 'a digest mutes one finding type, never a pattern');
        const rule = await options.mutes.addMute({
          id: `slack-${job.id}`,
          type,
          ...(account === undefined ? {} : { account }),
          forMs,
          reason: `Muted from Slack by ${who}`,
          createdBy: actor,
          now: at,
          origin: { destination: ref.d, ...(ref.f === undefined ? {} : { findingId: ref.f }) },
        });
        const facts = { muteId: rule.id, forMs, findingType: type, ...(account === undefined ? {} : { accountId: account }) };
        return { result: 'done', view: { kind: 'muted', by, at, type, ...(account === undefined ? {} : { account }), forMs, muteId: rule.id }, facts };
      }

      case 'undoMute': {
        if (options.mutes === undefined) return refused('failed', 'mutes are not available in this deployment');
        // Only the mute a click on this message made (its destination and finding): never an operator's rule.
        const removed = await options.mutes.removeMute(ref.m!, { destination: ref.d, ...(ref.f === undefined ? {} : { findingId: ref.f }) }, at);
        if (!removed) return refused('nothing-to-undo', 'only the mute made from this message can be undone here', { muteId: ref.m! });
        return { result: 'done', view: { kind: 'unmuted', by, at }, facts: { muteId: ref.m! } };
      }
    }
  }

  async function tellClicker(job: InteractionJob, text: string): Promise<boolean> {
    if (job.responseUrl === undefined) return false;
    try {
      await options.responder.ephemeral(job.responseUrl, text);
      return true;
    } catch (error) {
      logger.warn('Could not tell the clicker why', { code: (error as { code?: string }).code, action: job.action.name });
      return false;
    }
  }

  async function rewriteMessage(
    job: InteractionJob,
    target: InteractionTarget | undefined,
    view: OutcomeView,
    ref: ActionRef,
  ): Promise<JobResult['update']> {
    const { base, latest } = clickedMessage(job, target);
    if (base === undefined) return 'none';
    const next = messageAfterAction(base, view, ref);
    let update: JobResult['update'] = 'none';
    // chat.update only for a destination we post to with the bot token (target.slack.channel: slack-api); the message
    // is the one clicked, as Slack names it in the verified request (a channel id, where the config may hold a name).
    const posted = target?.slack?.channel !== undefined;
    const channel = job.container.channelId ?? target?.slack?.channel;
    const ts = job.container.messageTs ?? target?.slack?.ts;
    if (options.slack !== undefined && posted && channel !== undefined && ts !== undefined && !job.container.isEphemeral) {
      try {
        await updateMessage(options.slack, channel, ts, next);
        update = 'chat.update';
      } catch (error) {
        logger.warn('chat.update failed, trying the response_url', { code: (error as { code?: string }).code });
      }
    }
    if (update === 'none' && job.responseUrl !== undefined && !job.container.isEphemeral) {
      try {
        await options.responder.replace(job.responseUrl, next);
        update = 'response_url';
      } catch (error) {
        logger.warn('Could not update the clicked message', { code: (error as { code?: string }).code });
      }
    }
    if (update !== 'none' && latest && target !== undefined && options.lookup.saveMessage !== undefined) {
      await options.lookup.saveMessage(target.destination, target.findingId, next).catch((error: unknown) => {
        logger.warn('Could not keep the updated message', { code: (error as { code?: string }).code });
      });
    }
    return update;
  }

  async function threadLine(job: InteractionJob, target: InteractionTarget | undefined, view: OutcomeView): Promise<boolean> {
    if (options.slack === undefined) return false;
    const channel = job.container.channelId ?? target?.slack?.channel;
    // The thread's parent: a reply's thread_ts, else the clicked message itself (never a reply's own ts).
    const root = job.container.threadTs ?? job.container.messageTs ?? target?.slack?.ts;
    if (channel === undefined || root === undefined) return false;
    try {
      await postThreadLine(options.slack, channel, root, auditThreadLine(view));
      return true;
    } catch (error) {
      // A webhook's message may sit in a channel the bot is not in (not_in_channel): the audit record still exists.
      logger.info('Audit line not posted in the thread', { code: (error as { code?: string }).code });
      return false;
    }
  }

  return {
    async run(job) {
      const at = now();
      const ref = job.action.ref;
      let target: InteractionTarget | undefined;
      let outcome: Outcome;
      if (!job.decision.allowed) {
        outcome = refused(job.decision.reason, job.decision.detail);
      } else if (ref === undefined) {
        outcome = refused('invalid', 'no finding named');
      } else if (ref.f !== undefined) {
        try {
          target = await options.lookup.findTarget(ref.d, ref.f);
          outcome = target === undefined ? refused('not-found') : await act(job, target, at).catch(failure);
        } catch (error) {
          outcome = failure(error);
        }
      } else {
        outcome = await act(job, undefined, at).catch(failure);
      }

      let update: JobResult['update'] = 'none';
      let posted = false;
      let told = false;
      if ('view' in outcome) {
        const messageRef: ActionRef = ref?.f === undefined ? { d: ref?.d ?? '' } : { d: ref.d, f: ref.f };
        update = await rewriteMessage(job, target, outcome.view, messageRef);
        posted = await threadLine(job, target, outcome.view);
      } else if ('reason' in outcome) {
        told = await tellClicker(job, refusalText(outcome.reason, outcome.detail));
      }

      const record = auditRecord(job, at, target, outcome, via);
      try {
        await options.audit.appendAudit(record);
      } catch (error) {
        logger.error('Could not write the audit record', { id: record.id, action: record.action, code: (error as { code?: string }).code });
      }
      logger.info('Slack action done', { action: record.action, result: record.result, reason: record.reason, user: job.user.id, update });
      return { result: record.result, ...(record.reason === undefined ? {} : { reason: record.reason }), update, threadLine: posted, toldClicker: told, audit: record };
    },
  };

  function failure(error: unknown): Outcome {
    logger.error('Slack action failed', { name: (error as Error).name, code: (error as { code?: string }).code });
    return { result: 'failed', reason: 'failed', detail: (error as { retryable?: boolean }).retryable === true ? 'try again in a moment' : 'see the notifier\'s log' };
  }
}

function auditRecord(job: InteractionJob, at: number, target: InteractionTarget | undefined, outcome: Outcome, via: 'slack' | 'demo'): AuditRecord {
  const ref = job.action.ref;
  const facts = outcome.facts ?? {};
  const record: { -readonly [K in keyof AuditRecord]: AuditRecord[K] } = {
    id: `${via}-${job.id}`,
    at,
    actor: via === 'demo' ? 'demo' : `slack:${job.user.id}`,
    via,
    action: AUDIT_ACTION[job.action.name],
    result: outcome.result,
  };
  if (job.user.name !== undefined) record.actorName = job.user.name;
  if ('reason' in outcome) record.reason = outcome.reason;
  if (outcome.detail !== undefined) record.detail = outcome.detail;
  if (ref !== undefined) {
    record.destination = ref.d;
    if (ref.f !== undefined) record.findingId = ref.f;
  }
  const type = facts.findingType ?? target?.type ?? ref?.t;
  if (type !== undefined) record.findingType = type;
  const account = facts.accountId ?? target?.accountId;
  if (account !== undefined) record.accountId = account;
  if (facts.ips !== undefined) record.ips = facts.ips;
  if (facts.forMs !== undefined) record.forMs = facts.forMs;
  else if ('forMs' in job.action && job.action.forMs !== undefined) record.forMs = job.action.forMs;
  if (facts.muteId !== undefined) record.muteId = facts.muteId;
  return record;
}
