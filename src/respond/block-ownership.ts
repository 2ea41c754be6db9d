import { canonicalCidr } from '../core/ip-address.js';
import type { BlockRecord } from './block-record.js';

/**
 * Which addresses of a WAF IP set are ours to take out. An IP set records nobody's name beside an address, and an
 * operator may put the same address there as we do, before or after us; so "ours" is not "anything we ever blocked"
 * but **what we added and still own**, recorded per (target, address) by the reconciler that writes the set:
 *
 * - `added` — not in the set when our block needed it: we wrote it, it is ours; when the block ends we take it out and
 *   forget it (after our unblock the address is nobody's of ours: an operator who adds it again keeps it);
 * - `found` — already in the set when our block needed it (an operator's): never taken out; forgotten when our block
 *   ends, the address staying where it is;
 * - `pending` — about to be written by a reconciler that read the set at `token` (the set's LockToken): recorded before
 *   the write, so no address is ever in the set from us without a record. While the set's token is still `token` the
 *   write may be in flight; once the token moved on, the write either failed or landed and was not confirmed: an
 *   address still missing is forgotten, one present is counted as `found` (never taken out: in doubt, leave an
 *   address in the set rather than remove one that may be an operator's).
 *
 * Network Firewall needs none of this: our rules live in our own priority range (targets/rule-group-layout.ts).
 * Pure: the WAF target reads the set and the records, calls {@link planIpSet}, writes, then stores what it says.
 */

export type OwnershipState = 'added' | 'found' | 'pending';

export interface BlockOwnership {
  /** Name of a `respond.targets` entry (a WAF one). */
  readonly target: string;
  /** Canonical `ip/32` or `ip/128`, as the block rows have it. */
  readonly cidr: string;
  readonly state: OwnershipState;
  /** `pending`: the LockToken of the read the write is based on; `added`: the token our write returned, when known. */
  readonly token?: string;
  /** Epoch ms of the record. */
  readonly at: number;
}

/**
 * One compare-and-set on a record: applied only while the stored record is exactly `before` (absent when undefined);
 * `after` undefined deletes it. Every store applies these atomically per record, so two reconcilers (two Lambda
 * invocations, the daemon and `block remove`) never overwrite each other's newer record.
 */
export interface OwnershipChange {
  readonly target: string;
  readonly cidr: string;
  readonly before?: BlockOwnership;
  readonly after?: BlockOwnership;
}

/** Two records are the same record (what a compare-and-set compares). */
export function sameOwnership(a: BlockOwnership | undefined, b: BlockOwnership | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.target === b.target && a.cidr === b.cidr && a.state === b.state && a.token === b.token && a.at === b.at;
}

/**
 * How long a `pending` record whose token the set has moved past is given to be confirmed (its writer stores `added`
 * right after its UpdateIPSet returns) before it is read as `found`. A reconcile takes seconds; a Lambda at most 15
 * minutes.
 */
export const PENDING_GRACE_MS = 15 * 60_000;

export interface IpSetPlanInput {
  readonly target: string;
  /** The set's addresses as GetIPSet returned them (foreign ones are written back exactly so). */
  readonly current: readonly string[];
  /** The set's LockToken of that read. */
  readonly token: string;
  /** Our rows in force for this set's family, oldest first (at the cap the newest are left out). */
  readonly inForce: readonly BlockRecord[];
  /** The ownership records of this target for this set's family, read after the set. */
  readonly records: readonly BlockOwnership[];
  /** How many addresses the set may hold. */
  readonly maxAddresses: number;
  readonly now: number;
}

export interface IpSetPlan {
  /** The list to write (foreign entries exactly as read, then ours sorted), when `changed`. */
  readonly addresses: readonly string[];
  readonly changed: boolean;
  /** Cidrs this write puts in / takes out. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Our rows in force that the set holds after the write (added by us, or found there). */
  readonly held: number;
  /** Rows in force that did not fit. */
  readonly over: readonly BlockRecord[];
  /** Room left after the write. */
  readonly left: number;
  /**
   * Records to store before the write: `pending` for every address it adds (all must apply, or the write must not
   * happen: read again), `found` for addresses already there, and records to forget (ended `found` ones, stale ones).
   */
  readonly before: readonly OwnershipChange[];
  /** After a successful write: the `pending` claims confirmed as `added` (with the write's new token), the records of the addresses it took out forgotten. */
  afterWrite(nextToken: string | undefined): readonly OwnershipChange[];
}

/**
 * @example
 * const plan = planIpSet({ target: 'alb', current: got.IPSet.Addresses, token: got.LockToken, inForce, records, maxAddresses: 10_000, now });
 */
export function planIpSet(input: IpSetPlanInput): IpSetPlan {
  const { target, token, now } = input;
  const currentCanonical = new Set<string>();
  for (const text of input.current) currentCanonical.add(canonicalCidr(text) ?? text);
  const inSet = (cidr: string) => currentCanonical.has(cidr);

  const records = new Map(input.records.map((r) => [r.cidr, r]));
  // One change per address, always from the record as stored: a later decision for the same address replaces an earlier one.
  const changes = new Map<string, OwnershipChange>();
  const change = (cidr: string, after: BlockOwnership | undefined) => {
    const stored = records.get(cidr);
    if (stored === undefined && after === undefined) changes.delete(cidr);
    else changes.set(cidr, { target, cidr, ...(stored ? { before: stored } : {}), ...(after ? { after } : {}) });
  };

  /** Every address a row in force wants (at the cap some will not fit: still wanted, so not forgotten). */
  const wanted = new Set(input.inForce.map((r) => r.cidr));
  /** Ours in the set now: taken out when no row wants them. */
  const owned = new Set<string>();
  /** Records as they will be once `before` applied. */
  const effective = new Map<string, BlockOwnership>();
  for (const r of input.records) {
    if (r.state === 'added' && inSet(r.cidr)) {
      owned.add(r.cidr);
      effective.set(r.cidr, r);
    } else if (r.state === 'pending' && r.token === token) {
      effective.set(r.cidr, r); // another reconciler's write at this very token: in flight
    } else if (r.state === 'pending' && inSet(r.cidr) && now - r.at < PENDING_GRACE_MS) {
      effective.set(r.cidr, r); // written, its writer is confirming it: leave it (not ours to take out meanwhile)
    } else if (r.state === 'pending' && inSet(r.cidr)) {
      // Written long ago and never confirmed: in doubt, not ours. Forgotten at once when no block wants it.
      const found: BlockOwnership = { target, cidr: r.cidr, state: 'found', at: now };
      if (wanted.has(r.cidr)) effective.set(r.cidr, found);
      change(r.cidr, wanted.has(r.cidr) ? found : undefined);
    } else if (r.state === 'found' && wanted.has(r.cidr)) {
      effective.set(r.cidr, r);
    } else if (r.state === 'added' && wanted.has(r.cidr)) {
      effective.set(r.cidr, r); // ours, taken out of the set by hand: written again below
    } else {
      // A failed write (pending, missing), our block ended (found: the address stays), ours gone from the set (added):
      // forgotten — whoever adds the address next owns it.
      change(r.cidr, undefined);
    }
  }

  const seen = new Set<string>();
  const keep: string[] = [];
  const over: BlockRecord[] = [];
  const pending = new Map<string, BlockOwnership>();
  let left = input.maxAddresses - [...currentCanonical].filter((c) => !owned.has(c)).length;
  for (const row of input.inForce) {
    if (seen.has(row.cidr)) continue;
    seen.add(row.cidr);
    const r = effective.get(row.cidr);
    if (inSet(row.cidr) && !owned.has(row.cidr)) {
      // Already there and not ours (an operator's, or an unconfirmed write): it stays, and stays not ours.
      if (r === undefined) change(row.cidr, { target, cidr: row.cidr, state: 'found', at: now });
      continue;
    }
    if (left <= 0) {
      over.push(row);
      continue;
    }
    left -= 1;
    keep.push(row.cidr);
    if (inSet(row.cidr)) continue; // ours, already there
    if (r?.state === 'pending' && r.token === token) continue; // another reconciler's write at this very token: ours too
    const claim: BlockOwnership = { target, cidr: row.cidr, state: 'pending', token, at: now };
    pending.set(row.cidr, claim);
    change(row.cidr, claim);
  }

  const foreign = input.current.filter((text) => !owned.has(canonicalCidr(text) ?? text));
  const next = new Set([...foreign.map((t) => canonicalCidr(t) ?? t), ...keep]);
  const added = keep.filter((c) => !inSet(c)).sort();
  const removed = [...owned].filter((c) => !wanted.has(c)).sort();

  return {
    addresses: [...foreign, ...keep.slice().sort()],
    changed: added.length > 0 || removed.length > 0,
    added,
    removed,
    held: [...seen].filter((c) => next.has(c)).length,
    over,
    left: Math.max(0, left),
    before: [...changes.values()],
    afterWrite(nextToken) {
      const confirmed = (cidr: string): BlockOwnership => ({ target, cidr, state: 'added', ...(nextToken !== undefined ? { token: nextToken } : {}), at: now });
      return [
        ...added.map((cidr) => {
          const claim = pending.get(cidr) ?? effective.get(cidr);
          return { target, cidr, ...(claim ? { before: claim } : {}), after: confirmed(cidr) };
        }),
        ...removed.map((cidr) => ({ target, cidr, ...(records.get(cidr) ? { before: records.get(cidr) } : {}) })),
      ];
    },
  };
}

/** `ip/32` → 4, `ip/128` → 6. */
export function cidrFamily(cidr: string): 4 | 6 {
  return cidr.includes(':') ? 6 : 4;
}

/**
 * Applies one compare-and-set to records kept in a map keyed by `target|cidr` (the in-memory store, a WAF target used
 * without a store). True when it applied.
 */
export function applyOwnershipChange(records: Map<string, BlockOwnership>, change: OwnershipChange): boolean {
  const key = `${change.target}|${change.cidr}`;
  if (!sameOwnership(records.get(key), change.before)) return false;
  if (change.after === undefined) records.delete(key);
  else records.set(key, { ...change.after, target: change.target, cidr: change.cidr });
  return true;
}
