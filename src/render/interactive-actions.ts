/**
 * The interactive elements of a message when the config has `interact:` — Acknowledge · Archive · Block IP (menu) ·
 * Mute similar (menu) on a finding, Mute type (menu) on a digest, and the Undo buttons that replace a menu once it
 * was used — and the one wire format of their values, which src/interact/ reads back.
 *
 * A value only *names* the finding (destination + finding id, and the chosen duration); it is never trusted: the
 * handler looks the finding up in the store and checks the duration against the tables below. Values are JSON with
 * short keys so that a menu option (at most 150 characters) holds a GuardDuty finding id (32 characters) with room
 * to spare; an element whose value would not fit is left out rather than cut.
 *
 * Pure: no clock, no I/O. Finding text shown here (a type in a menu option) goes through plainText.
 */
import type { ActionElement, ActionsBlock, ButtonElement, OptionObject, PlainText, StaticSelectElement } from '../core/message.js';
import type { Finding } from '../finding/finding.js';
import { parseArn } from '../finding/arn.js';
import { remoteAddressesOf } from '../respond/remote-addresses.js';
import { BUTTON_VALUE_MAX, OPTION_TEXT_MAX, OPTION_VALUE_MAX, SELECT_PLACEHOLDER_MAX } from './limits.js';
import { plainText } from './mrkdwn.js';
import type { InteractContext } from './render-context.js';

/** The id of the actions block of a finding or digest message: the handler finds and rewrites it after a click. */
export const ACTIONS_BLOCK_ID = 'gdn-actions';
/** The context block that says what was done ("Archived by @dana · 10:42 UTC"), just above the actions block. */
export const OUTCOME_BLOCK_ID = 'gdn-outcome';

/** Every action_id we send, and the label on its element. Labels are the wording. */
export const INTERACT_ACTIONS = {
  acknowledge: { actionId: 'gdn.acknowledge', label: 'Acknowledge' },
  archive: { actionId: 'gdn.archive', label: 'Archive' },
  block: { actionId: 'gdn.block', label: 'Block IP' },
  mute: { actionId: 'gdn.mute', label: 'Mute similar' },
  muteType: { actionId: 'gdn.mute-type', label: 'Mute type' },
  undoBlock: { actionId: 'gdn.undo-block', label: 'Undo block' },
  undoMute: { actionId: 'gdn.undo-mute', label: 'Undo mute' },
  /** Link buttons: Slack sends a payload for these too; the handler acknowledges and ignores them. */
  open: { actionId: 'gdn.open', label: 'Open in GuardDuty' },
  runbook: { actionId: 'gdn.runbook', label: 'Runbook' },
} as const;

export type InteractActionName = keyof typeof INTERACT_ACTIONS;

/** "a menu: 1 h, 12 h, 24 h, 7 d" (issue 13). `key` is what a value carries; the handler maps it back through here. */
export const BLOCK_DURATIONS = [
  { key: '1h', label: '1 h', ms: 3_600_000 },
  { key: '12h', label: '12 h', ms: 43_200_000 },
  { key: '24h', label: '24 h', ms: 86_400_000 },
  { key: '7d', label: '7 d', ms: 604_800_000 },
] as const;

/** "this type in this account: 7 d or 30 d" (issue 13). */
export const MUTE_DURATIONS = [
  { key: '7d', label: '7 d', ms: 604_800_000 },
  { key: '30d', label: '30 d', ms: 2_592_000_000 },
] as const;

export type BlockDurationKey = (typeof BLOCK_DURATIONS)[number]['key'];
export type MuteDurationKey = (typeof MUTE_DURATIONS)[number]['key'];

/**
 * What a value names. Keys are short on purpose (option values hold 150 characters).
 * - `d` destination name, `f` finding id (finding messages), `t` finding type (digest Mute type);
 * - `for` a duration key of the action's own table; `m` the mute rule an Undo removes.
 */
export interface ActionRef {
  readonly d: string;
  readonly f?: string;
  readonly t?: string;
  readonly for?: string;
  readonly m?: string;
}

/** The format version inside every value, so that a later change can still read buttons already in Slack. */
export const ACTION_VALUE_VERSION = 1;

/** `{"v":1,"d":"sec","f":"9ec5…","for":"12h"}` (keys in this order; undefined ones left out). */
export function encodeActionValue(ref: ActionRef): string {
  const value: Record<string, string | number> = { v: ACTION_VALUE_VERSION, d: ref.d };
  if (ref.f !== undefined) value['f'] = ref.f;
  if (ref.t !== undefined) value['t'] = ref.t;
  if (ref.for !== undefined) value['for'] = ref.for;
  if (ref.m !== undefined) value['m'] = ref.m;
  return JSON.stringify(value);
}

function plain(text: string): PlainText {
  return { type: 'plain_text', text, emoji: true };
}

function actionButton(name: InteractActionName, ref: ActionRef, style?: ButtonElement['style']): ButtonElement | undefined {
  const value = encodeActionValue(ref);
  if (value.length > BUTTON_VALUE_MAX) return undefined;
  const { actionId, label } = INTERACT_ACTIONS[name];
  const button: ButtonElement = { type: 'button', text: plain(label), action_id: actionId, value };
  if (style !== undefined) button.style = style;
  return button;
}

function menu(
  name: InteractActionName,
  placeholder: string,
  choices: ReadonlyArray<{ label: string; ref: ActionRef }>,
): StaticSelectElement | undefined {
  const options: OptionObject[] = [];
  for (const choice of choices) {
    const value = encodeActionValue(choice.ref);
    if (value.length > OPTION_VALUE_MAX) continue;
    options.push({ text: plain(plainText(choice.label, OPTION_TEXT_MAX)), value });
  }
  if (options.length === 0) return undefined;
  return {
    type: 'static_select',
    action_id: INTERACT_ACTIONS[name].actionId,
    placeholder: plain(plainText(placeholder, SELECT_PLACEHOLDER_MAX)),
    options,
  };
}

/** The Block IP menu for a finding (1 h / 12 h / 24 h / 7 d); undefined when its values would not fit. */
export function blockMenu(ref: ActionRef): StaticSelectElement | undefined {
  const base = { d: ref.d, ...(ref.f === undefined ? {} : { f: ref.f }) };
  return menu('block', INTERACT_ACTIONS.block.label, BLOCK_DURATIONS.map((d) => ({ label: d.label, ref: { ...base, for: d.key } })));
}

/** The Mute similar menu for a finding (7 d / 30 d). */
export function muteMenu(ref: ActionRef): StaticSelectElement | undefined {
  const base = { d: ref.d, ...(ref.f === undefined ? {} : { f: ref.f }) };
  return menu('mute', INTERACT_ACTIONS.mute.label, MUTE_DURATIONS.map((d) => ({ label: d.label, ref: { ...base, for: d.key } })));
}

export function undoBlockButton(ref: ActionRef): ButtonElement | undefined {
  return actionButton('undoBlock', { d: ref.d, ...(ref.f === undefined ? {} : { f: ref.f }) });
}

/** Undo for the mute rule `muteId` (the button names the rule; the handler checks it still exists). */
export function undoMuteButton(ref: ActionRef, muteId: string): ButtonElement | undefined {
  return actionButton('undoMute', {
    d: ref.d,
    ...(ref.f === undefined ? {} : { f: ref.f }),
    ...(ref.t === undefined ? {} : { t: ref.t }),
    m: muteId,
  });
}

/** The remote addresses a finding names (respond's own reading of them), each once, in order. */
export function remoteIpsOf(finding: Finding): string[] {
  return [...new Set(remoteAddressesOf(finding).map((address) => address.ip.trim()).filter((ip) => ip !== ''))];
}

/** A GuardDuty finding whose ARN names its detector: only such a finding can be archived through ArchiveFindings. */
export function isArchivable(finding: Finding): boolean {
  if (finding.archived || finding.product !== 'GuardDuty') return false;
  const arn = parseArn(finding.arn);
  return arn?.service === 'guardduty' && arn.region !== undefined && /^detector\/[^/]+\/finding\/[^/]+$/.test(arn.resource ?? '');
}

/**
 * Acknowledge · Archive · Block IP · Mute similar for one finding, each only when it can apply: Archive for a GuardDuty
 * finding not yet archived; Block IP when respond has a target and the finding (not a sample, not archived: respond
 * never blocks from those) names a blockable remote address; Mute similar when type and account are known.
 * The link buttons (Open in GuardDuty, Runbook) are the caller's and come after these.
 */
export function findingActionElements(finding: Finding, interact: InteractContext): ActionElement[] {
  const ref: ActionRef = { d: interact.destination, f: finding.id };
  const elements: Array<ActionElement | undefined> = [actionButton('acknowledge', ref, 'primary')];
  if (isArchivable(finding)) elements.push(actionButton('archive', ref));
  const blockable = remoteIpsOf(finding).filter((ip) => interact.isBlockable?.(ip) ?? true);
  if (interact.canBlock === true && !finding.sample && !finding.archived && blockable.length > 0) elements.push(blockMenu(ref));
  if (finding.type.trim() !== '' && finding.accountId !== undefined && finding.accountId.trim() !== '') elements.push(muteMenu(ref));
  return elements.filter((element): element is ActionElement => element !== undefined);
}

/** The action_id for a link button, so that the handler can tell our link clicks from unknown actions. */
export function linkActionId(name: 'open' | 'runbook'): string {
  return INTERACT_ACTIONS[name].actionId;
}

const TYPE_IN_OPTION_MAX = OPTION_TEXT_MAX - ' · 30 d'.length;

/**
 * A digest's Mute type menu: one option per listed type and duration ("Recon:EC2/PortProbeUnprotectedPort · 7 d"),
 * at most `maxTypes` types. Undefined when there is nothing to list. Muting from a digest mutes the type in every
 * account (the digest spans accounts); a finding's Mute similar is the narrower one.
 */
export function digestActionsBlock(types: readonly string[], interact: Pick<InteractContext, 'destination'>, maxTypes = 5): ActionsBlock | undefined {
  const choices: Array<{ label: string; ref: ActionRef }> = [];
  for (const type of types.filter((t) => t.trim() !== '').slice(0, maxTypes)) {
    const shown = plainText(type, TYPE_IN_OPTION_MAX);
    for (const duration of MUTE_DURATIONS) {
      choices.push({ label: `${shown} · ${duration.label}`, ref: { d: interact.destination, t: type, for: duration.key } });
    }
  }
  const select = menu('muteType', INTERACT_ACTIONS.muteType.label, choices);
  return select === undefined ? undefined : { type: 'actions', block_id: ACTIONS_BLOCK_ID, elements: [select] };
}
