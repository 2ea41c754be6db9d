import type { BlockIntent, BlockRefusal } from './block-intent.js';
import type { BlockDirection, BlockRecord } from './block-record.js';

/**
 * One line per block decision, for the finding's message or thread and for the CLI: plain text, pure. The address of
 * an `invalid` refusal and a record's `reason` are attacker-influenced: the renderer escapes them for its medium
 * (mrkdwn, terminal) like every other finding field.
 *
 * "Blocked 185.220.101.1 for 12 h in edge (source and destination)" / "Would block … (dry-run)" /
 * "Not blocked: 10.1.2.3 is a private address"
 */

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1_000],
] as const;

/** `43_200_000` → `12 h`; `129_600_000` → `1 d 12 h`; at most two units, for people. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000) * 1_000;
  for (const [unit, size] of UNITS) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    } else if (parts.length > 0) {
      break;
    }
  }
  return parts.join(' ');
}

/** `2024-05-02 06:33 UTC` */
export function humanTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export const DIRECTION_TEXT = {
  source: 'source',
  destination: 'destination',
  both: 'source and destination',
} as const satisfies Record<BlockDirection, string>;

const REFUSAL_TEXT = {
  private: (r) => `${r.ip} is a private address${paren(r.detail)}`,
  reserved: (r) => `${r.ip} is a reserved address${paren(r.detail)}`,
  documentation: (r) => `${r.ip} is a documentation address${paren(r.detail)}`,
  'allow-list': (r) => `${r.ip} is on the allow list${paren(r.detail)}`,
  'own-address': (r) => `${r.ip} is the resource's own address`,
  sample: (r) => `${r.ip} comes from a sample finding`,
  archived: (r) => `${r.ip} comes from an archived finding`,
  invalid: (r) => `"${r.ip}" is not an IP address`,
  cap: (r) => `${r.ip}: ${r.detail ?? `${r.target ?? 'the target'} is at its cap`}`,
  rate: (r) => `${r.ip}: ${r.detail ?? 'too many new blocks in the last hour'}`,
  unsupported: (r) => `${r.ip}: ${r.detail ?? `${r.target ?? 'the target'} cannot hold it`}`,
  'already-blocked': (r) => `${r.ip} is already blocked`,
} as const satisfies Record<BlockRefusal['reason'], (r: BlockRefusal) => string>;

function paren(detail: string | undefined): string {
  return detail === undefined ? '' : ` (${detail})`;
}

/** The line for one intent. */
export function announceIntent(intent: BlockIntent): string {
  const dry = intent.dryRun ? ' (dry-run)' : '';
  if (intent.kind === 'block') {
    const r = intent.record;
    return `${intent.dryRun ? 'Would block' : 'Blocked'} ${r.ip} for ${humanDuration(r.until - r.since)} in ${r.target} (${DIRECTION_TEXT[r.direction]})${dry}`;
  }
  if (intent.kind === 'extend') {
    const r = intent.record;
    return (
      `${intent.dryRun ? 'Would extend' : 'Extended'} the block of ${r.ip} in ${r.target} to ${humanDuration(r.until - r.since)} in all, ` +
      `until ${humanTime(r.until)} (${DIRECTION_TEXT[r.direction]})${dry}`
    );
  }
  if (intent.reason === 'already-blocked') {
    const e = intent.existing;
    const where = intent.target === undefined ? '' : ` in ${intent.target}`;
    return `Already blocked: ${intent.ip}${where}${e ? ` until ${humanTime(e.until)}` : ''}${intent.detail ? ` (${intent.detail})` : ''}`;
  }
  return `Not blocked: ${REFUSAL_TEXT[intent.reason](intent)}`;
}

/**
 * The end of a block: "Released 185.220.101.1 in edge (expired after 12 h)" (prune) / "Unblocked 185.220.101.1 in edge
 * by alice" (`block remove`, Undo; "(removed by hand)" when nobody is named).
 */
export function announceUnblock(record: BlockRecord, cause: 'expired' | 'removed', actor?: string): string {
  if (cause === 'expired') return `Released ${record.ip} in ${record.target} (expired after ${humanDuration(Math.max(0, record.until - record.since))})`;
  const by = actor === undefined || actor.trim() === '' ? ' (removed by hand)' : ` by ${actor.trim()}`;
  return `Unblocked ${record.ip} in ${record.target}${by}`;
}

/**
 * A person's block (`block add`, the Slack menu) as its channel reads it: the line of {@link announceIntent} with who
 * asked and why — "Blocked 185.220.101.1 for 1 d in edge (source and destination) by alice — SSH brute force".
 */
export function announceManualIntent(intent: BlockIntent, asked: { readonly actor: string; readonly reason: string }): string {
  const actor = asked.actor.trim();
  const reason = asked.reason.trim();
  return `${announceIntent(intent)}${actor === '' ? '' : ` by ${actor}`}${reason === '' ? '' : ` — ${reason}`}`;
}

/** One line of respond's news for one destination, before lines are grouped into messages. */
export interface DestinationLine {
  readonly destination: string;
  readonly line: string;
  /** The finding the line is about: its message is a reply in that finding's thread (slack-api). */
  readonly finding?: { readonly id: string; readonly type: string };
  /** What makes the line unique (a message's outbox id is derived from these). */
  readonly idParts: readonly string[];
}

export interface GroupedLines {
  readonly destination: string;
  readonly lines: readonly string[];
  readonly finding?: { readonly id: string; readonly type: string };
  readonly idParts: readonly string[];
}

/**
 * One message per destination, not one per address: its lines in input order; about a finding (its thread) only when
 * every line of that destination is about the same finding. A prune that ends 40 blocks is one message a channel.
 *
 * @example
 * const messages = oneMessagePerDestination(ended.map((r) => ({ destination: 'sec', line: announceUnblock(r, 'expired'), idParts: [r.cidr] })));
 */
export function oneMessagePerDestination(items: readonly DestinationLine[]): GroupedLines[] {
  const byDestination = new Map<string, DestinationLine[]>();
  for (const item of items) {
    const list = byDestination.get(item.destination);
    if (list) list.push(item);
    else byDestination.set(item.destination, [item]);
  }
  const out: GroupedLines[] = [];
  for (const [destination, list] of byDestination) {
    const first = list[0]?.finding;
    const oneFinding = first !== undefined && list.every((i) => i.finding?.id === first.id);
    out.push({
      destination,
      lines: list.map((i) => i.line),
      ...(oneFinding ? { finding: first } : {}),
      idParts: list.flatMap((i) => [...i.idParts, i.finding?.id ?? '']),
    });
  }
  return out;
}
