import type { Config, MatchConfig } from '../config/schema.js';
import type { Finding } from '../finding/finding.js';
import { matchesFinding } from './match.js';

/** A mute rule a user added (from Slack or `mute add`), as the store keeps it. Config mutes are not stored. */
export interface MuteRule {
  id: string;
  /** Type glob, e.g. `Recon:*`. */
  type?: string;
  account?: string;
  resourceType?: string;
  /** Exact finding id. */
  findingId?: string;
  reason: string;
  createdBy?: string;
  /** Made by a click on a Slack message (its destination and finding): only an Undo on that message removes it. */
  origin?: { via: 'slack'; destination: string; findingId?: string };
  createdAt: number;
  /** Epoch ms; the rule no longer applies from then on. */
  expiresAt: number;
}

/**
 * A mute in force, whichever place it came from: the config file (`mutes:`, permanent unless `until`) or the store
 * (added from Slack or `mute add`, always with an expiry). Like an Alertmanager silence: a human decision that
 * a matching finding should not be sent, until it expires.
 */
export interface ActiveMute {
  /** `config:<index>` for config mutes, the store's rule id otherwise. Appears in the reason `muted:<id>`. */
  id: string;
  match: MatchConfig & { findingIds?: string[] };
  reason: string;
  /** Epoch ms from which the mute no longer applies; absent = never expires. */
  expiresAt?: number;
}

/** Config mutes, ids `config:0`, `config:1`… in file order; `until` becomes `expiresAt`. */
export function mutesFromConfig(config: Pick<Config, 'mutes'>): ActiveMute[] {
  return config.mutes.map((mute, i) => {
    const active: ActiveMute = { id: `config:${i}`, match: mute.match, reason: mute.reason };
    // An unparseable `until` gives NaN, which findMute treats as expired: we would rather send than silently drop.
    if (mute.until !== undefined) active.expiresAt = Date.parse(mute.until);
    return active;
  });
}

/**
 * Store rules as mutes: `type` (a glob) → `types`, `account` → `accounts`, `resourceType` → `resourceTypes`,
 * `findingId` → `findingIds`. A rule with none of these would mute every finding; that is never what a button
 * press meant, so such a rule is left out rather than allowed to swallow everything.
 */
export function mutesFromStore(rules: readonly MuteRule[]): ActiveMute[] {
  const mutes: ActiveMute[] = [];
  for (const rule of rules) {
    const match: ActiveMute['match'] = {};
    if (rule.type !== undefined) match.types = [rule.type];
    if (rule.account !== undefined) match.accounts = [rule.account];
    if (rule.resourceType !== undefined) match.resourceTypes = [rule.resourceType];
    if (rule.findingId !== undefined) match.findingIds = [rule.findingId];
    if (Object.keys(match).length === 0) continue;
    mutes.push({ id: rule.id, match, reason: rule.reason, expiresAt: rule.expiresAt });
  }
  return mutes;
}

/** The first mute in force at `now` that matches the finding. A mute is over from `expiresAt` on. */
export function findMute(finding: Finding, mutes: readonly ActiveMute[], now: number): ActiveMute | undefined {
  return mutes.find((mute) => isInForce(mute, now) && muteMatches(mute, finding));
}

function isInForce(mute: ActiveMute, now: number): boolean {
  // `now < NaN` is false, so a mute with an unreadable expiry never applies.
  return mute.expiresAt === undefined || now < mute.expiresAt;
}

function muteMatches(mute: ActiveMute, finding: Finding): boolean {
  const { findingIds, ...match } = mute.match;
  if (findingIds && !findingIds.includes(finding.id)) return false;
  return matchesFinding(match, finding);
}
