/**
 * What a message looks like after a click, and the texts the handler sends: the outcome line that replaces buttons
 * ("Archived by <@U012DANA> · 10:42 UTC"), the audit line in the finding's thread, the ephemeral refusal.
 *
 * The actor mention is ours: it is built from the Slack user id of a signature-verified request, and re-checked
 * here (`<@U…>` only for an id that looks like one). Everything that came from a finding (an IP, a type, an account)
 * is shown as inline code, and every reason detail as escaped prose, so none of it can become a mention, a link or
 * formatting. Pure: `at` is passed in.
 */
import type { ActionElement, ActionsBlock, Block, ContextBlock, SlackMessage } from '../core/message.js';
import { CONTEXT_ELEMENT_MAX } from './limits.js';
import { escapeMrkdwnTo, inlineCode, truncate } from './mrkdwn.js';
import { formatUtc, plural } from './format.js';
import {
  ACTIONS_BLOCK_ID,
  INTERACT_ACTIONS,
  OUTCOME_BLOCK_ID,
  blockMenu,
  muteMenu,
  undoBlockButton,
  undoMuteButton,
  type ActionRef,
} from './interactive-actions.js';

/** What was done, for the message and the thread. `by` is a Slack user id (U…/W…) from a verified request. */
export type OutcomeView =
  | {
      readonly kind: 'acknowledged';
      readonly by: string;
      readonly at: number;
      /** Acknowledged elsewhere (`PagerDuty`, `the command line`): `by` is then a display name, shown as inert text. */
      readonly where?: string;
    }
  | { readonly kind: 'archived'; readonly by: string; readonly at: number }
  | {
      readonly kind: 'blocked';
      readonly by: string;
      readonly at: number;
      readonly ips: readonly string[];
      readonly forMs: number;
      /** Addresses respond refused, each with its reason word (`private`, `allow-list`, `cap`, …). */
      readonly refused?: ReadonlyArray<{ readonly ip: string; readonly reason: string }>;
      /**
       * Stored but not in the target: its write failed (respond's words). With no `ips`, the message says "Blocking …
       * (writing to edge)" and why it could not block yet, never "Blocked".
       */
      readonly pending?: ReadonlyArray<{ readonly ip: string; readonly target: string; readonly why: string }>;
    }
  | {
      readonly kind: 'would-block';
      readonly by: string;
      readonly at: number;
      readonly ips: readonly string[];
      readonly forMs: number;
      readonly refused?: ReadonlyArray<{ readonly ip: string; readonly reason: string }>;
      /** Already in the dry-run list (a second Block IP): would be blocked, nothing changed. */
      readonly alreadyListed?: readonly string[];
    }
  | { readonly kind: 'unblocked'; readonly by: string; readonly at: number; readonly ips: readonly string[] }
  | {
      readonly kind: 'muted';
      readonly by: string;
      readonly at: number;
      readonly type: string;
      /** Absent for a digest's Mute type (every account). */
      readonly account?: string;
      readonly forMs: number;
      readonly muteId: string;
    }
  | { readonly kind: 'unmuted'; readonly by: string; readonly at: number };

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,30}$/;
const IPS_SHOWN = 5;
const VALUE_MAX = 120;
const DETAIL_MAX = 300;

/** `<@U012DANA>` for a real-looking user id; anything else (never expected) shows as "someone", never as markup. */
export function actorMention(userId: string): string {
  return SLACK_USER_ID.test(userId) ? `<@${userId}>` : 'someone';
}

/** `10:42 UTC` */
export function clockUtc(at: number): string {
  return formatUtc(at).slice(11);
}

/** `1 h`, `12 h`, `24 h`, `7 d`, `30 d` (the menus' own wording): days from two days on, else hours, else minutes. */
export function formatSpan(ms: number): string {
  const day = 86_400_000;
  const hour = 3_600_000;
  if (ms >= 2 * day && ms % day === 0) return `${ms / day} d`;
  if (ms >= hour && ms % hour === 0) return `${ms / hour} h`;
  return `${Math.max(1, Math.round(ms / 60_000))} min`;
}

function ipList(ips: readonly string[]): string {
  const shown = ips.slice(0, IPS_SHOWN).map((ip) => inlineCode(ip, VALUE_MAX)).filter((ip) => ip !== '');
  const more = ips.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${plural(more, 'more address', 'more addresses')}` : ''}`;
}

/** The targets of pending blocks, as names we configured (escaped all the same). */
function targetList(pending: ReadonlyArray<{ target: string }>): string {
  return [...new Set(pending.map((p) => p.target))].map((t) => escapeMrkdwnTo(t, 64, { singleLine: true })).join(', ');
}

/** Why the writes failed (respond's words), once each. */
function whyList(pending: ReadonlyArray<{ why: string }>): string {
  return escapeMrkdwnTo([...new Set(pending.map((p) => p.why))].join('; '), DETAIL_MAX, { singleLine: true });
}

function refusedNote(refused: ReadonlyArray<{ ip: string; reason: string }> | undefined): string {
  if (refused === undefined || refused.length === 0) return '';
  const shown = refused
    .slice(0, IPS_SHOWN)
    .map(({ ip, reason }) => `${inlineCode(ip, VALUE_MAX)} (${escapeMrkdwnTo(reason, 40, { singleLine: true })})`);
  const more = refused.length - IPS_SHOWN;
  return ` · not blocked: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** The sentence for `view`, without the time. */
function outcomeSentence(view: OutcomeView): string {
  const by = actorMention(view.by);
  switch (view.kind) {
    case 'acknowledged':
      return view.where === undefined
        ? `:eyes: Acknowledged by ${by}`
        : `:eyes: Acknowledged in ${escapeMrkdwnTo(view.where, 40, { singleLine: true })} by ${escapeMrkdwnTo(view.by, 80, { singleLine: true })}`;
    case 'archived':
      return `:file_cabinet: Archived by ${by}`;
    case 'blocked': {
      const pending = view.pending ?? [];
      if (view.ips.length === 0 && pending.length > 0) {
        // Stored, not in force: never "Blocked".
        return `:hourglass_flowing_sand: Blocking ${ipList(pending.map((p) => p.ip))} for ${formatSpan(view.forMs)} (writing to ${targetList(pending)}) — could not block yet: ${whyList(pending)}; kept, every sync tries again — asked by ${by}${refusedNote(view.refused)}`;
      }
      const still = pending.length === 0 ? '' : ` · still writing ${ipList(pending.map((p) => p.ip))} to ${targetList(pending)} (could not block yet: ${whyList(pending)})`;
      return `:no_entry: Blocked ${ipList(view.ips)} for ${formatSpan(view.forMs)} by ${by}${still}${refusedNote(view.refused)}`;
    }
    case 'would-block': {
      const already = view.alreadyListed ?? [];
      if (view.ips.length === 0 && already.length > 0) {
        return `:test_tube: Would block: already in the dry-run list — ${ipList(already)} (dry-run: nothing was changed) — asked by ${by}${refusedNote(view.refused)}`;
      }
      const listed = already.length === 0 ? '' : ` · already in the dry-run list: ${ipList(already)}`;
      return `:test_tube: Would block ${ipList(view.ips)} for ${formatSpan(view.forMs)} (dry-run: nothing was changed) — asked by ${by}${listed}${refusedNote(view.refused)}`;
    }
    case 'unblocked':
      return `:unlock: Unblocked ${ipList(view.ips)} by ${by}`;
    case 'muted': {
      const where = view.account === undefined ? ' in every account' : ` in ${inlineCode(view.account, VALUE_MAX)}`;
      return `:mute: Muted ${inlineCode(view.type, VALUE_MAX) || 'this type'}${where} for ${formatSpan(view.forMs)} by ${by}`;
    }
    case 'unmuted':
      return `:loud_sound: Mute removed by ${by}`;
  }
}

/** The line that replaces the buttons: "Archived by <@U012DANA> · 10:42 UTC". */
export function outcomeLine(view: OutcomeView): string {
  return truncate(`${outcomeSentence(view)} · ${clockUtc(view.at)}`, CONTEXT_ELEMENT_MAX * 2);
}

/** The audit line posted in the finding's thread: the same sentence with the full date. */
export function auditThreadLine(view: OutcomeView): string {
  return truncate(`${outcomeSentence(view)} at ${formatUtc(view.at)}`, CONTEXT_ELEMENT_MAX * 2);
}

/** Why a click was refused, in words for the clicker only (ephemeral). `detail` is ours, escaped all the same. */
export const REFUSAL_TEXTS = {
  'not-allowed': 'You are not allowed to do this here',
  'authorisation-unavailable': 'Your permission could not be checked right now (Slack user groups did not answer); try again in a minute',
  'not-found': 'This finding is no longer in the notifier\'s store, so nothing was done',
  'already-archived': 'This finding is already archived in GuardDuty',
  'already-acknowledged': 'This finding was already acknowledged',
  'not-archivable': 'Only GuardDuty findings can be archived from here',
  'access-denied': 'GuardDuty refused: only the GuardDuty administrator account can archive findings',
  'no-blockable-address': 'This finding names no address that can be blocked',
  'no-target': 'Blocking is not configured (respond has no target for this finding)',
  'nothing-to-undo': 'There is nothing to undo any more',
  'invalid': 'This button is not one the notifier understands (an old message?)',
  'failed': 'That did not work',
  // Block IP, in the gate's words (src/actions/blocks.ts); the detail says which target and how full.
  'cap': 'Not blocked',
  'rate': 'Not blocked: too many new blocks in the last hour',
  'sample': 'Not blocked: this is a sample finding',
  'archived': 'Not blocked: this finding is archived',
  'already-blocked': 'Already blocked',
} as const;

export type RefusalReason = keyof typeof REFUSAL_TEXTS;

/** `:no_entry_sign: You are not allowed to do this here: …` */
export function refusalText(reason: string, detail?: string): string {
  const known = Object.hasOwn(REFUSAL_TEXTS, reason) ? REFUSAL_TEXTS[reason as RefusalReason] : `Refused (${escapeMrkdwnTo(reason, 40, { singleLine: true })})`;
  const more = detail === undefined || detail.trim() === '' ? '' : `: ${escapeMrkdwnTo(detail, DETAIL_MAX * 2)}`;
  return `:no_entry_sign: ${known}${more}`;
}

// ---- the message after a click ---------------------------------------------------------------------------------

function isUrlButton(element: ActionElement): boolean {
  return element.type === 'button' && element.url !== undefined;
}

function replaceElement(elements: ActionElement[], actionId: string, next: ActionElement | undefined): ActionElement[] {
  const out: ActionElement[] = [];
  for (const element of elements) {
    if (element.action_id !== actionId) out.push(element);
    else if (next !== undefined) out.push(next);
  }
  return out;
}

/** The actions after `view`: the used menu gives way to its Undo, an Undo to its menu again; Archive ends them all. */
function actionsAfter(elements: readonly ActionElement[], view: OutcomeView, ref: ActionRef): ActionElement[] {
  const list = [...elements];
  const ids = INTERACT_ACTIONS;
  switch (view.kind) {
    case 'acknowledged':
      return replaceElement(list, ids.acknowledge.actionId, undefined);
    case 'archived':
      return list.filter(isUrlButton);
    case 'blocked':
      return view.ips.length === 0 ? list : replaceElement(list, ids.block.actionId, undoBlockButton(ref));
    case 'would-block':
      return list;
    case 'unblocked':
      return replaceElement(list, ids.undoBlock.actionId, blockMenu(ref));
    case 'muted': {
      const undo = undoMuteButton(ref, view.muteId);
      if (list.some((element) => element.action_id === ids.mute.actionId)) return replaceElement(list, ids.mute.actionId, undo);
      // A digest keeps its Mute type menu (other types may follow) and shows the Undo of the latest mute after it.
      const without = replaceElement(list, ids.undoMute.actionId, undefined);
      const at = without.findIndex((element) => element.action_id === ids.muteType.actionId);
      if (undo !== undefined) without.splice(at < 0 ? without.length : at + 1, 0, undo);
      return without;
    }
    case 'unmuted':
      return replaceElement(list, ids.undoMute.actionId, ref.f === undefined ? undefined : muteMenu(ref));
  }
}

function outcomeBlock(view: OutcomeView): ContextBlock {
  return { type: 'context', block_id: OUTCOME_BLOCK_ID, elements: [{ type: 'mrkdwn', text: outcomeLine(view), verbatim: true }] };
}

/** Rewrites one list of blocks; true when it held our actions block or outcome line. */
function rewrite(blocks: readonly Block[], view: OutcomeView, ref: ActionRef): { blocks: Block[]; found: boolean } {
  const out: Block[] = [];
  let found = false;
  for (const block of blocks) {
    if (block.block_id === OUTCOME_BLOCK_ID) continue; // replaced just above the actions block
    if (block.type === 'actions' && block.block_id === ACTIONS_BLOCK_ID) {
      found = true;
      out.push(outcomeBlock(view));
      const elements = actionsAfter(block.elements, view, ref);
      if (elements.length > 0) out.push({ ...block, elements } satisfies ActionsBlock);
    } else {
      out.push(block);
    }
  }
  return { blocks: out, found };
}

/**
 * `current` (the message as we last sent it) after `view`: the outcome line sits where the buttons were, followed by
 * what is still possible (an Undo, the buttons not yet used, the links). A message without our actions block gets
 * the line at the end. Nothing else of the message changes; `link_names`/`parse` are never added.
 *
 * @example
 * const next = messageAfterAction(stored, { kind: 'archived', by: 'U012DANA', at: now }, { d: 'sec', f: finding.id });
 */
export function messageAfterAction(current: SlackMessage, view: OutcomeView, ref: ActionRef): SlackMessage {
  const next: SlackMessage = { ...current };
  let found = false;
  if (current.blocks !== undefined) {
    const top = rewrite(current.blocks, view, ref);
    next.blocks = top.blocks;
    found ||= top.found;
  }
  if (current.attachments !== undefined) {
    next.attachments = current.attachments.map((attachment) => {
      const inner = rewrite(attachment.blocks, view, ref);
      found ||= inner.found;
      return { ...attachment, blocks: inner.blocks };
    });
  }
  if (!found) {
    const last = next.attachments?.[next.attachments.length - 1];
    if (last !== undefined) last.blocks = [...last.blocks, outcomeBlock(view)];
    else next.blocks = [...(next.blocks ?? []), outcomeBlock(view)];
  }
  return next;
}
