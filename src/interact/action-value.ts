/**
 * From one clicked element (action_id + value or selected option) to the action we would carry out, or to why not.
 * The wire format is render/interactive-actions.ts's; this is its strict reader. A value names a finding; nothing in it
 * is trusted beyond that: durations must be keys of the action's own menu, names must look like ours.
 */
import * as z from 'zod/mini';
import {
  ACTION_VALUE_VERSION,
  BLOCK_DURATIONS,
  INTERACT_ACTIONS,
  MUTE_DURATIONS,
  type ActionRef,
  type InteractActionName,
} from '../render/interactive-actions.js';
import type { BlockAction } from './payload.js';

/** What each action needs in `interact.allow`. */
export const ACTION_PERMISSIONS = {
  acknowledge: 'acknowledge',
  archive: 'archive',
  block: 'block',
  undoBlock: 'block',
  mute: 'mute',
  muteType: 'mute',
  undoMute: 'mute',
} as const;

export type ActionName = keyof typeof ACTION_PERMISSIONS;
export type Permission = (typeof ACTION_PERMISSIONS)[ActionName];
export const PERMISSIONS = ['acknowledge', 'archive', 'block', 'mute'] as const satisfies readonly Permission[];

/** A clicked element we understand. `forMs` is set for the menu actions, from our own duration tables. */
export interface RequestedAction {
  readonly name: ActionName;
  readonly ref: ActionRef;
  readonly forMs?: number;
}

export type ResolvedAction =
  | { kind: 'action'; action: RequestedAction }
  /** A link button (Open in GuardDuty, Runbook): Slack opens the link; acknowledge, do nothing. */
  | { kind: 'ignore'; actionId: string }
  /** An action_id that is not ours in a signed request: refused (and audited) as `unknown-action`. */
  | { kind: 'unknown'; actionId: string }
  /** Ours, but its value cannot be read: refused as `invalid` (and audited). */
  | { kind: 'invalid'; name: ActionName; problem: string };

const refSchema = z.strictObject({
  v: z.literal(ACTION_VALUE_VERSION),
  d: z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,100}$/)),
  f: z.optional(z.string().check(z.minLength(1), z.maxLength(300))),
  t: z.optional(z.string().check(z.minLength(1), z.maxLength(150))),
  for: z.optional(z.string().check(z.maxLength(8))),
  m: z.optional(z.string().check(z.regex(/^[A-Za-z0-9:_.-]{1,200}$/))),
});

/** action_id → our action name (a Map: action ids come from the request). */
const BY_ACTION_ID = new Map<string, InteractActionName>(
  (Object.keys(INTERACT_ACTIONS) as InteractActionName[]).map((name) => [INTERACT_ACTIONS[name].actionId, name]),
);

function durationOf(table: ReadonlyArray<{ key: string; ms: number }>, key: string | undefined): number | undefined {
  return table.find((entry) => entry.key === key)?.ms;
}

/** The ref in a value, or why it cannot be read. */
export function decodeActionValue(value: string | undefined): { ok: true; ref: ActionRef } | { ok: false; problem: string } {
  if (value === undefined || value === '') return { ok: false, problem: 'no value' };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { ok: false, problem: 'value is not JSON' };
  }
  const parsed = refSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: `value is not ours (${parsed.error.issues[0]?.path.join('.') || 'shape'})` };
  const { v: _version, ...ref } = parsed.data;
  return { ok: true, ref };
}

/**
 * @example
 * resolveAction({ type: 'static_select', action_id: 'gdn.block', selected_option: { value: '{"v":1,"d":"sec","f":"abc","for":"12h"}' } })
 * // → { kind: 'action', action: { name: 'block', ref: { d: 'sec', f: 'abc', for: '12h' }, forMs: 43_200_000 } }
 */
export function resolveAction(element: BlockAction): ResolvedAction {
  const name = BY_ACTION_ID.get(element.action_id);
  if (name === undefined) return { kind: 'unknown', actionId: element.action_id };
  if (name === 'open' || name === 'runbook') return { kind: 'ignore', actionId: element.action_id };
  const raw = element.type === 'static_select' ? (element.selected_option?.value ?? undefined) : element.value;
  const decoded = decodeActionValue(raw);
  if (!decoded.ok) return { kind: 'invalid', name, problem: decoded.problem };
  const { ref } = decoded;
  const invalid = (problem: string): ResolvedAction => ({ kind: 'invalid', name, problem });
  switch (name) {
    case 'acknowledge':
    case 'archive':
    case 'undoBlock':
      return ref.f === undefined ? invalid('no finding') : { kind: 'action', action: { name, ref } };
    case 'block': {
      const forMs = durationOf(BLOCK_DURATIONS, ref.for);
      if (ref.f === undefined) return invalid('no finding');
      return forMs === undefined ? invalid('not a Block IP duration') : { kind: 'action', action: { name, ref, forMs } };
    }
    case 'mute': {
      const forMs = durationOf(MUTE_DURATIONS, ref.for);
      if (ref.f === undefined) return invalid('no finding');
      return forMs === undefined ? invalid('not a mute duration') : { kind: 'action', action: { name, ref, forMs } };
    }
    case 'muteType': {
      const forMs = durationOf(MUTE_DURATIONS, ref.for);
      if (ref.t === undefined) return invalid('no type');
      return forMs === undefined ? invalid('not a mute duration') : { kind: 'action', action: { name, ref, forMs } };
    }
    case 'undoMute':
      return ref.m === undefined ? invalid('no mute id') : { kind: 'action', action: { name, ref } };
  }
}
