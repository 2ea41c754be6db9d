import type { Config } from '../config/schema.js';
import { formatDuration } from '../core/duration.js';
import { safeForTerminal } from '../core/terminal-text.js';
import type { MuteRule } from '../policy/mute.js';
import type { MuteRuleError } from './errors.js';
import { describeMuteScope } from './mutes.js';

/** `mute add`'s line for a new rule: `<id>\tmuted for 12h (until …)`. */
export function formatMuteAdded(rule: MuteRule, forMs: number): string {
  return `${rule.id}\tmuted for ${formatDuration(forMs)} (until ${new Date(rule.expiresAt).toISOString()})\n`;
}

/**
 * `mute list`'s text: the store's rules (terminal-safe: their fields come from users and Slack), then the config
 * file's, or `No mute rules.` when there are none of either.
 */
export function formatMuteList(rules: readonly MuteRule[], configMutes: Config['mutes']): string {
  const out: string[] = [];
  if (rules.length === 0 && configMutes.length === 0) out.push('No mute rules.\n');
  for (const r of rules) {
    out.push(
      `${safeForTerminal(r.id)}\t${safeForTerminal(describeMuteScope(r))}\tuntil ${new Date(r.expiresAt).toISOString()}\t${safeForTerminal(r.reason)}${r.createdBy ? ` (by ${safeForTerminal(r.createdBy)})` : ''}\n`,
    );
  }
  configMutes.forEach((m, i) => out.push(`config:${i}\t${JSON.stringify(m.match)}\t${m.until ? `until ${m.until}` : 'no expiry'}\t${m.reason} (config file)\n`));
  return out.join('');
}

/** `mute add`'s words for a refused rule, in terms of its flags. */
export function muteAddUsage(error: MuteRuleError): string {
  if (error.details.code === 'mute_invalid_account') {
    return `mute add: --account: expected a 12-digit AWS account id, got "${error.details.value ?? ''}"`;
  }
  return 'mute add: give at least one of --type, --account, --resource-type, --finding (a mute of everything is not allowed)';
}
