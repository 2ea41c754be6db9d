import type { RemoteAddress } from '../finding/finding.js';
import type { BlockRecord } from './block-record.js';

/**
 * Why an address was not blocked. The first ten are the contract of issue E; `unsupported` extends it (an IPv6
 * address for a WAF target without `ipv6SetArn`), and `own-address` (an address of the affected resource itself).
 */
export const REFUSAL_REASONS = [
  'allow-list',
  'private',
  'reserved',
  'documentation',
  'sample',
  'archived',
  'cap',
  'rate',
  'already-blocked',
  'invalid',
  'unsupported',
  'own-address',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** A new block: `record` is the row to commit (state `active`, or `dry-run` in dry-run mode). */
export interface BlockNew {
  readonly kind: 'block';
  readonly record: BlockRecord;
  readonly address: RemoteAddress;
  readonly dryRun: boolean;
}

/** A block already standing, carried further by a recurrence or escalation: `record` replaces `previous`. */
export interface BlockExtend {
  readonly kind: 'extend';
  readonly record: BlockRecord;
  readonly previous: BlockRecord;
  readonly address: RemoteAddress;
  readonly dryRun: boolean;
}

export interface BlockRefusal {
  readonly kind: 'refuse';
  readonly reason: RefusalReason;
  /** The address as the finding gave it (attacker-controlled text, at most 64 characters), canonical when it parsed. */
  readonly ip: string;
  /** The target it would have gone to; absent when the address is refused for every target (safety, sample…). */
  readonly target?: string;
  readonly rule: string;
  readonly findingId: string;
  /** For people: the range that contains it, the cap that was reached… */
  readonly detail?: string;
  /** `already-blocked`: the standing block. */
  readonly existing?: BlockRecord;
  readonly dryRun: boolean;
}

export type BlockIntent = BlockNew | BlockExtend | BlockRefusal;

/** The rows an intent commits (none for a refusal). */
export function recordsToCommit(intents: readonly BlockIntent[]): BlockRecord[] {
  return intents.flatMap((intent) => (intent.kind === 'refuse' ? [] : [intent.record]));
}
