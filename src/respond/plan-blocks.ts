import type { RespondConfig, RespondRuleConfig, RespondTargetConfig } from '../config/schema.js';
import type { Finding, RemoteAddress } from '../finding/finding.js';
import { matchesFinding } from '../policy/match.js';
import type { BlockIntent, BlockRefusal, RefusalReason } from './block-intent.js';
import { blockKey, widerDirection, type BlockDirection, type BlockRecord } from './block-record.js';
import { classifyAddress, createAllowList, type AllowList } from './ip-safety.js';
import { ownAddressListOf, remoteAddressesOf } from './remote-addresses.js';
import { findingRefusal, fullDetail } from './block-rules.js';
import { blockCost, type TargetRoom } from './target-room.js';

/**
 * Which remote addresses of a finding to block, extend or refuse — pure: the caller reads the store, we decide
 * (like policy/decide.ts). The checks, in order, are the policy:
 *
 * 1. The first `respond.rules` entry whose `match` matches the finding (same keys as routes) applies; none → nothing.
 * 2. A sample finding ("Generate sample findings") or an archived one blocks nothing: every address is refused with
 *    `sample` / `archived`, whatever the rule says.
 * 3. Each remote address (never the resource's own) is judged alone, on its normalised forms (ip-safety.ts):
 *    unparseable → `invalid`; not globally reachable per the IANA registries → `private` / `reserved` /
 *    `documentation`; the allow list → `allow-list`; one of the resource's own addresses → `own-address`.
 * 4. Per target of the rule: an address already blocked there is extended by a recurrence or escalation (to `now +
 *    for`, never beyond `since + maxFor`), or refused `already-blocked` when nothing would change (a re-publication of
 *    the same activity); a new one is refused `cap` at `maxActive` blocks (or when the target's reported room is
 *    used up) and `rate` at `maxNewPerHour` new blocks in the last hour.
 *
 * In dry-run every row is `dry-run`: recorded and announced, counted against the caps (so that a week of dry-run
 * shows what enforce would have refused), never written to a target. An address blocked for real is left alone.
 */

export interface BlockPlanInput {
  readonly finding: Finding;
  readonly respondConfig: RespondConfig;
  /** Default: `respondConfig.rules`. */
  readonly rules?: readonly RespondRuleConfig[];
  /** The store's standing rows (active and dry-run, every target). Rows whose `until` has passed are ignored. */
  readonly activeBlocks: readonly BlockRecord[];
  /** Per target: new blocks made in the hour before `now` (removed and expired ones included). */
  readonly recentNewCount: ReadonlyMap<string, number>;
  readonly now: number;
  /** Per target: room left as the last reconcile reported it (rule group capacity, IP set size); absent: unknown. */
  readonly room?: ReadonlyMap<string, TargetRoom>;
  /** The compiled `respondConfig.allow` (compiled here when absent; pass it to plan many findings). */
  readonly allow?: AllowList;
}

/**
 * @example
 * const intents = planBlocks({ finding, respondConfig: config.respond, activeBlocks: await store.standingBlocks(now),
 *   recentNewCount: await store.newBlocksSince(now - 3_600_000), now });
 */
export function planBlocks(input: BlockPlanInput): BlockIntent[] {
  const state = createPlanState(input);
  return planOne(input.finding, input.rules ?? input.respondConfig.rules, input.respondConfig, state, input.now);
}

export interface BatchPlanInput extends Omit<BlockPlanInput, 'finding'> {
  readonly findings: readonly Finding[];
}

export interface BatchPlan {
  /** In the order of `findings`. */
  readonly perFinding: ReadonlyArray<{ readonly finding: Finding; readonly intents: readonly BlockIntent[] }>;
  /** Every intent, in order. */
  readonly intents: readonly BlockIntent[];
}

/**
 * Plans a batch: each finding sees the blocks and counts the earlier ones planned, so one batch cannot exceed a cap
 * that a finding at a time would respect, and one address named by two findings is blocked once and extended once.
 */
export function planBlocksForFindings(input: BatchPlanInput): BatchPlan {
  const state = createPlanState(input);
  const rules = input.rules ?? input.respondConfig.rules;
  const perFinding = input.findings.map((finding) => ({
    finding,
    intents: planOne(finding, rules, input.respondConfig, state, input.now),
  }));
  return { perFinding, intents: perFinding.flatMap((p) => p.intents) };
}

interface PlanState {
  readonly standing: Map<string, BlockRecord>;
  /** Rows counted against `maxActive`, per target (enforce: active; dry-run: active and dry-run). */
  readonly held: Map<string, number>;
  readonly fresh: Map<string, number>;
  readonly room: Map<string, { units?: number; v4?: number; v6?: number }>;
  /** Per target: the blocks it held at its last reconcile (for "N of N in use"). */
  readonly inForce: ReadonlyMap<string, number>;
  readonly allow: AllowList;
  readonly targets: ReadonlyMap<string, RespondTargetConfig>;
  readonly dryRun: boolean;
}

function createPlanState(input: Omit<BlockPlanInput, 'finding'>): PlanState {
  const dryRun = input.respondConfig.mode !== 'enforce';
  const standing = new Map<string, BlockRecord>();
  const held = new Map<string, number>();
  for (const record of input.activeBlocks) {
    if (record.until <= input.now || (record.state !== 'active' && record.state !== 'dry-run')) continue;
    const key = blockKey(record);
    const other = standing.get(key);
    // Two rows for one key should not exist; if they do, the real block wins over a dry-run one.
    if (other && other.state === 'active' && record.state !== 'active') continue;
    standing.set(key, record);
  }
  for (const record of standing.values()) {
    if (record.state === 'active' || dryRun) held.set(record.target, (held.get(record.target) ?? 0) + 1);
  }
  const room = new Map<string, { units?: number; v4?: number; v6?: number }>();
  const inForce = new Map<string, number>();
  for (const [target, r] of input.room ?? []) {
    room.set(target, { ...r });
    if (r.inForce !== undefined) inForce.set(target, r.inForce);
  }
  return {
    standing,
    held,
    fresh: new Map(input.recentNewCount),
    room,
    inForce,
    allow: input.allow ?? createAllowList(input.respondConfig.allow),
    targets: new Map(input.respondConfig.targets.map((t) => [t.name, t])),
    dryRun,
  };
}

/** Attacker-controlled text kept in a refusal: bounded. */
const MAX_SHOWN_TEXT = 64;

function activityTime(finding: Finding): number | undefined {
  const times = [finding.lastSeen, finding.updatedAt].map((t) => (t === undefined ? Number.NaN : Date.parse(t))).filter(Number.isFinite);
  return times.length === 0 ? undefined : Math.max(...times);
}

function planOne(finding: Finding, rules: readonly RespondRuleConfig[], config: RespondConfig, state: PlanState, now: number): BlockIntent[] {
  const rule = rules.find((r) => matchesFinding(r.match, finding));
  if (!rule) return [];
  const intents: BlockIntent[] = [];
  const refuse = (ip: string, reason: RefusalReason, extra: Partial<BlockRefusal> = {}): void => {
    intents.push({ kind: 'refuse', reason, ip, rule: rule.name, findingId: finding.id, dryRun: state.dryRun, ...extra });
  };

  const seen = new Set<string>();
  const own = ownAddressListOf(finding);
  for (const address of remoteAddressesOf(finding)) {
    const raw = typeof address.ip === 'string' ? address.ip : String(address.ip);
    const verdict = classifyAddress(raw, state.allow, own);
    const shown = verdict.address?.address ?? raw.slice(0, MAX_SHOWN_TEXT);
    if (seen.has(shown)) continue;
    seen.add(shown);

    const notFromThis = findingRefusal(finding);
    if (notFromThis !== undefined) {
      refuse(shown, notFromThis.reason, { detail: notFromThis.detail });
      continue;
    }
    if (!verdict.blockable) {
      refuse(shown, verdict.reason, verdict.label === undefined ? {} : { detail: verdict.label });
      continue;
    }
    for (const targetName of rule.targets) {
      const target = state.targets.get(targetName);
      if (!target) continue; // config validation names every target; nothing to do for one that is not there
      const intent = planForTarget({ finding, rule, config, state, now, target, address, cidr: verdict.cidr, ip: verdict.address });
      intents.push(intent);
    }
  }
  return intents;
}

function planForTarget(args: {
  finding: Finding;
  rule: RespondRuleConfig;
  config: RespondConfig;
  state: PlanState;
  now: number;
  target: RespondTargetConfig;
  address: RemoteAddress;
  cidr: string;
  ip: { address: string; family: 4 | 6 };
}): BlockIntent {
  const { finding, rule, config, state, now, target, address, cidr, ip } = args;
  const base = { ip: ip.address, target: target.name, rule: rule.name, findingId: finding.id, dryRun: state.dryRun } as const;
  const refusal = (reason: RefusalReason, extra: Partial<BlockRefusal> = {}): BlockRefusal => ({ kind: 'refuse', reason, ...base, ...extra });

  if (target.type === 'waf-ip-set' && ip.family === 6 && target.ipv6SetArn === undefined) {
    return refusal('unsupported', { detail: `${target.name} has no IPv6 IP set (ipv6SetArn)` });
  }
  // A WAF IP set only ever matches the request's source address.
  const direction: BlockDirection = target.type === 'waf-ip-set' ? 'source' : rule.direction;
  const key = blockKey({ target: target.name, cidr });
  const existing = state.standing.get(key);
  const seenAt = activityTime(finding);
  const state_ = state.dryRun ? ('dry-run' as const) : ('active' as const);

  if (existing && state.dryRun && existing.state === 'active') {
    return refusal('already-blocked', { existing, detail: 'blocked for real; dry-run leaves it alone' });
  }
  if (existing && existing.state === state_) {
    const sameActivity =
      existing.findingId === finding.id && seenAt !== undefined && existing.seenAt !== undefined && seenAt <= existing.seenAt;
    if (sameActivity) return refusal('already-blocked', { existing });
    let wider = widerDirection(existing.direction, direction);
    if (wider !== existing.direction && !takeRoom(state, target, ip.family, blockCost(target.type, wider) - blockCost(target.type, existing.direction))) {
      wider = existing.direction;
    }
    const until = Math.max(existing.until, Math.min(now + rule.for, existing.since + rule.maxFor));
    if (until === existing.until && wider === existing.direction) {
      return refusal('already-blocked', { existing });
    }
    const record: BlockRecord = {
      ...existing,
      until,
      direction: wider,
      updatedAt: now,
      extensions: existing.extensions + 1,
      ...(seenAt !== undefined ? { seenAt: Math.max(seenAt, existing.seenAt ?? seenAt) } : {}),
    };
    state.standing.set(key, record);
    return { kind: 'extend', record, previous: existing, address, dryRun: state.dryRun };
  }

  const held = state.held.get(target.name) ?? 0;
  if (held >= config.maxActive) {
    return refusal('cap', { detail: `${fullDetail(target.name, held, config.maxActive)} (respond.maxActive)` });
  }
  const fresh = state.fresh.get(target.name) ?? 0;
  if (fresh >= config.maxNewPerHour) {
    return refusal('rate', { detail: `${fresh} new blocks in ${target.name} in the last hour (respond.maxNewPerHour ${config.maxNewPerHour})` });
  }
  if (!takeRoom(state, target, ip.family, blockCost(target.type, direction))) {
    const inUse = state.inForce.get(target.name) ?? held;
    return refusal('cap', { detail: `${fullDetail(target.name, inUse, inUse)} (${target.type === 'waf-ip-set' ? 'IP set size' : 'rule group capacity'})` });
  }
  const record: BlockRecord = {
    ip: ip.address,
    cidr,
    family: ip.family,
    target: target.name,
    since: now,
    until: now + rule.for,
    findingId: finding.id,
    rule: rule.name,
    direction,
    state: state_,
    reason: finding.type,
    updatedAt: now,
    ...(seenAt !== undefined ? { seenAt } : {}),
    extensions: 0,
  };
  state.standing.set(key, record);
  state.held.set(target.name, held + 1);
  state.fresh.set(target.name, fresh + 1);
  return { kind: 'block', record, address, dryRun: state.dryRun };
}

/** Takes `cost` from the target's reported room; true when it fits (or the room is unknown). */
function takeRoom(state: PlanState, target: RespondTargetConfig, family: 4 | 6, cost: number): boolean {
  if (cost <= 0) return true;
  const room = state.room.get(target.name);
  if (!room) return true;
  const key = target.type === 'waf-ip-set' ? (family === 4 ? 'v4' : 'v6') : 'units';
  const left = room[key];
  if (left === undefined) return true;
  if (left < cost) return false;
  room[key] = left - cost;
  return true;
}
