import type { CustomAction, StatelessRule, StatelessRulesAndCustomActions } from '@aws-sdk/client-network-firewall';
import { canonicalCidr } from '../../core/ip-address.js';
import { coversDestination, coversSource, type BlockRecord } from '../block-record.js';
import { byAge } from './target.js';

/**
 * Our part of a Network Firewall **stateless** rule group, computed from the rows in force — pure, so the layout is
 * tested without a service. We own the priorities `[priority, priority + 99]`:
 *
 * - `priority + 0 … + 49`: "drop packets from" rules, `Sources` = blocked addresses, at most
 *   {@link ADDRESSES_PER_RULE} each;
 * - `priority + 50 … + 99`: "drop packets to" rules, `Destinations` = blocked addresses.
 *
 * Each rule's actions are `aws:drop` plus a custom action that publishes a CloudWatch metric (PublishMetricAction;
 * Network Firewall names the dimension `CustomAction`, we give the value), one for our source rules and one for our
 * destination rules, as aws-samples/aws-networkfirewall-guardduty does, so dropped packets can be graphed per rule.
 *
 * A stateless group must keep at least one rule. When nothing is blocked and no foreign rule remains, we keep a
 * placeholder at `priority`: drop packets **to 127.0.0.1/32**, the seed's choice. Loopback is never a legitimate
 * destination on a VPC wire (a host never sends its 127/8 traffic out; RFC 1122 §3.2.1.3 calls such packets
 * martians), so the rule cannot drop real traffic, and it costs one capacity unit. It carries no custom action, so it
 * adds nothing to the metrics.
 *
 * Rules outside the range are never changed; foreign custom actions stay; capacity is the group's, fixed at
 * creation: foreign rules' cost is subtracted first, and rows that do not fit are left out (newest first) and reported.
 */

/** Priorities we own from `priority` on. */
export const OWNED_PRIORITIES = 100;
const DESTINATION_OFFSET = 50;
/**
 * Addresses per rule. The API documents no per-rule limit besides capacity; smaller rules keep each request and the
 * console readable, and 50 rules × 1,000 covers the 30,000-unit maximum group capacity.
 */
export const ADDRESSES_PER_RULE = 1_000;
export const PLACEHOLDER_DESTINATION = '127.0.0.1/32';
const DROP = 'aws:drop';

/** Custom action names: `^[a-zA-Z0-9]+$`, 1–128 (https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_CustomAction.html). */
export function customActionNames(priority: number): { source: string; destination: string } {
  return { source: `GuardDutyNotifier${priority}Source`, destination: `GuardDutyNotifier${priority}Destination` };
}

/**
 * CloudWatch dimension values (`CustomAction` = …) of our rules' metrics: `guardduty-notifier-<target>-source` and
 * `…-destination`. Pattern `^[a-zA-Z0-9-_ ]+$`, 1–128 (https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_Dimension.html).
 */
export function metricDimensionValues(target: string): { source: string; destination: string } {
  return { source: `guardduty-notifier-${target}-source`, destination: `guardduty-notifier-${target}-destination` };
}

/**
 * Capacity of one stateless rule: the product of its match settings' sizes, a setting with no criteria counting 1
 * (https://docs.aws.amazon.com/network-firewall/latest/developerguide/nwfw-rule-group-capacity.html).
 */
export function statelessRuleCost(rule: StatelessRule): number {
  const m = rule.RuleDefinition?.MatchAttributes ?? {};
  const size = (list: readonly unknown[] | undefined) => Math.max(1, list?.length ?? 0);
  return size(m.Sources) * size(m.Destinations) * size(m.SourcePorts) * size(m.DestinationPorts) * size(m.Protocols) * size(m.TCPFlags);
}

export function isOurs(rule: StatelessRule, priority: number): boolean {
  const p = rule.Priority ?? 0;
  return p >= priority && p < priority + OWNED_PRIORITIES;
}

export interface RuleGroupLayoutInput {
  /** The group's StatelessRulesAndCustomActions as DescribeRuleGroup returned it. */
  readonly current: StatelessRulesAndCustomActions;
  /** RuleGroupResponse.Capacity (fixed at creation). */
  readonly capacity: number;
  readonly priority: number;
  readonly target: string;
  /** Rows in force for this target. */
  readonly blocks: readonly BlockRecord[];
}

export interface RuleGroupLayout {
  /** The whole StatelessRulesAndCustomActions to write: foreign rules and actions unchanged, ours recomputed. */
  readonly next: StatelessRulesAndCustomActions;
  /** Our part differs from what the group holds. */
  readonly changed: boolean;
  readonly added: string[];
  readonly removed: string[];
  readonly written: BlockRecord[];
  readonly overCapacity: BlockRecord[];
  readonly capacity: { readonly total: number; readonly foreign: number; readonly ours: number; readonly left: number };
}

/**
 * @example
 * const layout = layoutRuleGroup({ current: described.RuleGroup.RulesSource.StatelessRulesAndCustomActions,
 *   capacity: described.RuleGroupResponse.Capacity, priority: 30000, target: 'edge', blocks });
 * if (layout.changed) await client.send(new UpdateRuleGroupCommand({ ..., RuleGroup: { RulesSource: { StatelessRulesAndCustomActions: layout.next } } }));
 */
export function layoutRuleGroup(input: RuleGroupLayoutInput): RuleGroupLayout {
  const { current, capacity, priority, target } = input;
  const rules = current.StatelessRules ?? [];
  const foreignRules = rules.filter((r) => !isOurs(r, priority));
  const ourRules = rules.filter((r) => isOurs(r, priority));
  const foreignCost = foreignRules.reduce((sum, r) => sum + statelessRuleCost(r), 0);
  const names = customActionNames(priority);
  const dimensions = metricDimensionValues(target);

  // Fit the rows, oldest first: blocks already in force stay when the newest do not fit.
  const byCidr = new Map<string, BlockRecord>();
  for (const record of [...input.blocks].sort(byAge)) if (!byCidr.has(record.cidr)) byCidr.set(record.cidr, record);
  let left = capacity - foreignCost;
  const sources: string[] = [];
  const destinations: string[] = [];
  const written: BlockRecord[] = [];
  const overCapacity: BlockRecord[] = [];
  for (const record of byCidr.values()) {
    const cost = (coversSource(record.direction) ? 1 : 0) + (coversDestination(record.direction) ? 1 : 0);
    if (cost > left) {
      overCapacity.push(record);
      continue;
    }
    left -= cost;
    written.push(record);
    if (coversSource(record.direction)) sources.push(record.cidr);
    if (coversDestination(record.direction)) destinations.push(record.cidr);
  }
  sources.sort();
  destinations.sort();

  const ours: StatelessRule[] = [
    ...chunk(sources).map((list, i) => dropRule(priority + i, 'Sources', list, names.source)),
    ...chunk(destinations).map((list, i) => dropRule(priority + DESTINATION_OFFSET + i, 'Destinations', list, names.destination)),
  ];
  const placeholder = ours.length === 0 && foreignRules.length === 0;
  if (placeholder) ours.push(placeholderRule(priority));
  const ourCost = ours.reduce((sum, r) => sum + statelessRuleCost(r), 0);

  const ourActions: CustomAction[] = [];
  if (sources.length > 0) ourActions.push(metricAction(names.source, dimensions.source));
  if (destinations.length > 0) ourActions.push(metricAction(names.destination, dimensions.destination));
  const ourNames = new Set([names.source, names.destination]);
  const foreignActions = (current.CustomActions ?? []).filter((a) => !ourNames.has(a.ActionName ?? ''));
  const currentOurActions = (current.CustomActions ?? []).filter((a) => ourNames.has(a.ActionName ?? ''));

  const changed = !sameRules(ourRules, ours) || !sameActions(currentOurActions, ourActions);
  const before = addressesOf(ourRules);
  const after = new Set([...sources, ...destinations]);
  const next: StatelessRulesAndCustomActions = {
    StatelessRules: [...foreignRules, ...ours].sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0)),
    CustomActions: [...foreignActions, ...ourActions],
  };
  return {
    next,
    changed,
    added: [...after].filter((c) => !before.has(c)).sort(),
    removed: [...before].filter((c) => !after.has(c) && c !== PLACEHOLDER_DESTINATION).sort(),
    written,
    overCapacity,
    capacity: { total: capacity, foreign: foreignCost, ours: ourCost, left: Math.max(0, capacity - foreignCost - ourCost) },
  };
}

function chunk(list: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < list.length; i += ADDRESSES_PER_RULE) out.push(list.slice(i, i + ADDRESSES_PER_RULE));
  return out;
}

function dropRule(priority: number, side: 'Sources' | 'Destinations', cidrs: readonly string[], action: string): StatelessRule {
  return {
    Priority: priority,
    RuleDefinition: {
      MatchAttributes: { [side]: cidrs.map((AddressDefinition) => ({ AddressDefinition })) },
      Actions: [DROP, action],
    },
  };
}

function placeholderRule(priority: number): StatelessRule {
  return {
    Priority: priority,
    RuleDefinition: { MatchAttributes: { Destinations: [{ AddressDefinition: PLACEHOLDER_DESTINATION }] }, Actions: [DROP] },
  };
}

function metricAction(name: string, dimension: string): CustomAction {
  return { ActionName: name, ActionDefinition: { PublishMetricAction: { Dimensions: [{ Value: dimension }] } } };
}

/** Every address definition of these rules, canonical (AWS may print IPv6 differently than we wrote it). */
function addressesOf(rules: readonly StatelessRule[]): Set<string> {
  const out = new Set<string>();
  for (const rule of rules) {
    const m = rule.RuleDefinition?.MatchAttributes;
    for (const a of [...(m?.Sources ?? []), ...(m?.Destinations ?? [])]) {
      const c = canonicalCidr(a.AddressDefinition ?? '');
      if (c !== undefined) out.add(c);
    }
  }
  return out;
}

/**
 * A rule in comparable form: empty lists dropped (the service may return `[]` where we sent nothing), address lists
 * canonical and sorted, so that only a real difference causes a write.
 */
function normaliseRule(rule: StatelessRule): unknown {
  const m = rule.RuleDefinition?.MatchAttributes ?? {};
  const addresses = (list: readonly { AddressDefinition?: string }[] | undefined) =>
    (list ?? []).map((a) => canonicalCidr(a.AddressDefinition ?? '') ?? a.AddressDefinition ?? '').sort();
  const ports = (list: readonly { FromPort?: number; ToPort?: number }[] | undefined) =>
    (list ?? []).map((p) => `${p.FromPort ?? ''}-${p.ToPort ?? ''}`).sort();
  return {
    p: rule.Priority,
    a: [...(rule.RuleDefinition?.Actions ?? [])],
    s: addresses(m.Sources),
    d: addresses(m.Destinations),
    sp: ports(m.SourcePorts),
    dp: ports(m.DestinationPorts),
    pr: [...(m.Protocols ?? [])].sort((x, y) => x - y),
    f: (m.TCPFlags ?? []).map((f) => `${[...(f.Flags ?? [])].sort().join(',')}/${[...(f.Masks ?? [])].sort().join(',')}`).sort(),
  };
}

function sameRules(a: readonly StatelessRule[], b: readonly StatelessRule[]): boolean {
  const key = (rules: readonly StatelessRule[]) =>
    JSON.stringify([...rules].sort((x, y) => (x.Priority ?? 0) - (y.Priority ?? 0)).map(normaliseRule));
  return key(a) === key(b);
}

function sameActions(a: readonly CustomAction[], b: readonly CustomAction[]): boolean {
  const key = (actions: readonly CustomAction[]) =>
    JSON.stringify(
      [...actions]
        .map((x) => [x.ActionName, (x.ActionDefinition?.PublishMetricAction?.Dimensions ?? []).map((d) => d.Value)])
        .sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
  return key(a) === key(b);
}
