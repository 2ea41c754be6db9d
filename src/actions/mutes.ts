import { randomUUID } from 'node:crypto';
import type { MuteRule } from '../policy/mute.js';
import type { MuteStore } from '../state/store.js';
import { MuteNotFoundError, MuteRuleError } from './errors.js';

/**
 * Mutes as users add and remove them: the one body behind `mute add|list|remove` and the Slack "Mute similar" button,
 * so both validate alike and mint ids alike. The policy applies the rules (policy/mute.ts); the store keeps them.
 */

/** What a user asks to mute, and for how long. At least one condition. */
export interface MuteRequest {
  /** Type glob, e.g. `Recon:*`. */
  type?: string | undefined;
  /** 12-digit AWS account id. */
  account?: string | undefined;
  resourceType?: string | undefined;
  /** One finding id. */
  findingId?: string | undefined;
  /** How long from `now`, in ms. */
  forMs: number;
  /** Why (shown in `mute list` and in suppression logs). */
  reason: string;
}

export interface MuteActionContext {
  /** Epoch ms the rule starts; it expires `forMs` later. */
  now: number;
  /** Who added it (a user name, a Slack user id). */
  createdBy?: string | undefined;
  /** Mints rule ids; tests pass a fixed one. Default `m-` and 8 hex chars. */
  newId?: () => string;
  /** Where a Slack click made it (kept in the rule: its Undo may remove it, nothing else from Slack may). */
  origin?: MuteRule['origin'];
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * Throws MuteRuleError when the request cannot become a rule. A rule without a condition would mute every finding:
 * never what anyone meant, so it is refused (and `mutesFromStore` would ignore it anyway).
 */
export function checkMuteRequest(request: Omit<MuteRequest, 'forMs' | 'reason'>): void {
  if (!request.type && !request.account && !request.resourceType && !request.findingId) {
    throw new MuteRuleError('A mute needs at least one of type, account, resource type or finding id: a mute of everything is not allowed.', {
      code: 'mute_unbounded',
    });
  }
  if (request.account && !ACCOUNT_ID.test(request.account)) {
    throw new MuteRuleError(`Account "${request.account}" is not a 12-digit AWS account id.`, {
      code: 'mute_invalid_account',
      field: 'account',
      value: request.account,
    });
  }
}

/**
 * Checks the request and stores it as a new rule; returns the rule.
 *
 * @example
 * const rule = await addMute(store, { type: 'Recon:*', forMs: 12 * 3_600_000, reason: 'scanner' }, { now: Date.now(), createdBy: 'alice' });
 */
export async function addMute(store: Pick<MuteStore, 'addMute'>, request: MuteRequest, context: MuteActionContext): Promise<MuteRule> {
  checkMuteRequest(request);
  const rule: MuteRule = {
    id: (context.newId ?? newMuteId)(),
    type: request.type,
    account: request.account,
    resourceType: request.resourceType,
    findingId: request.findingId,
    reason: request.reason,
    createdBy: context.createdBy,
    ...(context.origin === undefined ? {} : { origin: context.origin }),
    createdAt: context.now,
    expiresAt: context.now + request.forMs,
  };
  await store.addMute(rule);
  return rule;
}

/** Removes a stored rule; MuteNotFoundError when there is none with this id. */
export async function removeMute(store: Pick<MuteStore, 'removeMute'>, id: string): Promise<void> {
  if (!(await store.removeMute(id))) throw new MuteNotFoundError(id);
}

/**
 * The one way Slack removes a mute (Undo mute): only a rule that a click on this message made — the same destination
 * and finding in its `origin` — never an operator's `mute add` rule, a config mute, or another message's. false when
 * there is no such rule (gone, expired, or not this message's).
 */
export async function removeMuteMadeFrom(store: Pick<MuteStore, 'listMutes' | 'removeMute'>, id: string, from: { destination: string; findingId?: string }, now: number): Promise<boolean> {
  const rule = (await store.listMutes(now)).find((r) => r.id === id);
  const origin = rule?.origin;
  if (origin === undefined || origin.via !== 'slack' || origin.destination !== from.destination || origin.findingId !== from.findingId) return false;
  return store.removeMute(id);
}

/** Stored rules still in force at `now`. */
export async function listMutes(store: Pick<MuteStore, 'listMutes'>, now: number): Promise<MuteRule[]> {
  return store.listMutes(now);
}

/** What a rule matches, for a list: `type Recon:*, account 123456789012`. */
export function describeMuteScope(rule: MuteRule): string {
  return [
    rule.type && `type ${rule.type}`,
    rule.account && `account ${rule.account}`,
    rule.resourceType && `resource ${rule.resourceType}`,
    rule.findingId && `finding ${rule.findingId}`,
  ]
    .filter(Boolean)
    .join(', ');
}

function newMuteId(): string {
  return `m-${randomUUID().slice(0, 8)}`;
}
