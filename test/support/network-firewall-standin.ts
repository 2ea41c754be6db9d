import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { AwsJsonError, startAwsJsonServer, type AwsJsonServer } from './aws-json-server.js';

/**
 * A local AWS Network Firewall for the two operations the respond target calls, over awsJson1_0 as the real
 * `@aws-sdk/client-network-firewall` speaks it (`X-Amz-Target: NetworkFirewall_20201112.DescribeRuleGroup` /
 * `.UpdateRuleGroup`), so tests point the real client at it with `endpoint` or `AWS_ENDPOINT_URL_NETWORK_FIREWALL`.
 *
 * Semantics it holds, from the API reference (API_DescribeRuleGroup.html, API_UpdateRuleGroup.html, API_StatelessRule.html,
 * API_CustomAction.html, API_Dimension.html, nwfw-rule-group-capacity.html):
 * - every describe and update returns an `UpdateToken`; an update with any other token than the current one fails
 *   with `InvalidTokenException` and changes nothing (optimistic locking);
 * - UpdateRuleGroup replaces the whole rule group;
 * - a stateless group needs at least one rule; priorities are unique and within 1–65535; each rule has exactly one
 *   standard action (`aws:pass`, `aws:drop`, `aws:forward_to_sfe`) and may add custom actions defined in the group;
 *   custom action names match `^[a-zA-Z0-9]+$` and dimension values `^[a-zA-Z0-9-_ ]+$`; addresses are CIDR blocks;
 * - the capacity is fixed at creation: a rule costs sources × destinations × source ports × destination ports ×
 *   protocols × TCP flags (an empty setting counts 1), and an update over the capacity fails;
 * - invalid requests answer `InvalidRequestException` (HTTP 400) with a message naming the problem.
 * The exact message texts are ours: the API reference documents the error names, not their messages.
 */

interface Address {
  AddressDefinition?: string;
}
export interface WireStatelessRule {
  Priority?: number;
  RuleDefinition?: {
    MatchAttributes?: {
      Sources?: Address[];
      Destinations?: Address[];
      SourcePorts?: unknown[];
      DestinationPorts?: unknown[];
      Protocols?: number[];
      TCPFlags?: unknown[];
    };
    Actions?: string[];
  };
}
export interface WireCustomAction {
  ActionName?: string;
  ActionDefinition?: { PublishMetricAction?: { Dimensions?: Array<{ Value?: string }> } };
}
export interface WireRuleGroup {
  RulesSource?: { StatelessRulesAndCustomActions?: { StatelessRules?: WireStatelessRule[]; CustomActions?: WireCustomAction[] } };
  RuleVariables?: unknown;
}

interface StoredGroup {
  arn: string;
  name: string;
  id: string;
  capacity: number;
  type: 'STATELESS' | 'STATEFUL';
  ruleGroup: WireRuleGroup;
  description?: string;
  updateToken: string;
  lastModified: number;
  /** How many successful updates. */
  version: number;
}

export interface NetworkFirewallStandin extends Omit<AwsJsonServer, 'close'> {
  /** Creates a stateless rule group with these rules (at least one, as the service requires). */
  createRuleGroup(input: {
    name: string;
    capacity: number;
    rules: WireStatelessRule[];
    customActions?: WireCustomAction[];
    description?: string;
    region?: string;
    account?: string;
    type?: 'STATELESS' | 'STATEFUL';
  }): string;
  /** A copy of the group as stored (rules sorted by priority). */
  ruleGroup(arn: string): { rules: WireStatelessRule[]; customActions: WireCustomAction[]; updateToken: string; version: number; description?: string };
  /** A hand edit (console, another tool): replaces the rules/actions and rotates the token, like an update would. */
  editRuleGroup(arn: string, edit: (group: { rules: WireStatelessRule[]; customActions: WireCustomAction[] }) => void): void;
  /** Capacity the group's current rules consume. */
  consumedCapacity(arn: string): number;
  close(): Promise<void>;
}

const STANDARD_ACTIONS = new Set(['aws:pass', 'aws:drop', 'aws:forward_to_sfe']);
const ACTION_NAME = /^[a-zA-Z0-9]+$/;
const DIMENSION_VALUE = /^[a-zA-Z0-9-_ ]+$/;

export function ruleCapacity(rule: WireStatelessRule): number {
  const m = rule.RuleDefinition?.MatchAttributes ?? {};
  const n = (list: readonly unknown[] | undefined) => Math.max(1, list?.length ?? 0);
  return n(m.Sources) * n(m.Destinations) * n(m.SourcePorts) * n(m.DestinationPorts) * n(m.Protocols) * n(m.TCPFlags);
}

function invalid(message: string): AwsJsonError {
  return new AwsJsonError(400, 'InvalidRequestException', message);
}

function validCidr(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  const [address = '', prefix, ...rest] = text.split('/');
  if (rest.length > 0 || prefix === undefined) return false;
  const family = isIP(address);
  const p = Number(prefix);
  return family !== 0 && prefix !== '' && Number.isInteger(p) && p >= 0 && p <= (family === 4 ? 32 : 128);
}

/** The checks UpdateRuleGroup makes on a stateless group, in the order a reader would make them. */
function validateStateless(group: WireRuleGroup, capacity: number): void {
  const source = group.RulesSource?.StatelessRulesAndCustomActions;
  if (!source) throw invalid('parameter is invalid: RulesSource must contain StatelessRulesAndCustomActions for a STATELESS rule group');
  const rules = source.StatelessRules ?? [];
  if (rules.length === 0) throw invalid('parameter is invalid: a stateless rule group must contain at least one rule');
  const actions = source.CustomActions ?? [];
  const actionNames = new Set<string>();
  for (const action of actions) {
    const name = action.ActionName ?? '';
    if (!ACTION_NAME.test(name) || name.length > 128) throw invalid(`parameter is invalid: custom action name "${name}" must match ^[a-zA-Z0-9]+$`);
    if (actionNames.has(name)) throw invalid(`parameter is invalid: duplicate custom action name "${name}"`);
    actionNames.add(name);
    const dimensions = action.ActionDefinition?.PublishMetricAction?.Dimensions ?? [];
    if (dimensions.length !== 1) throw invalid(`parameter is invalid: custom action "${name}" needs exactly one dimension`);
    for (const d of dimensions) {
      if (!DIMENSION_VALUE.test(d.Value ?? '') || (d.Value ?? '').length > 128) {
        throw invalid(`parameter is invalid: dimension value "${d.Value ?? ''}" must match ^[a-zA-Z0-9-_ ]+$`);
      }
    }
  }
  const priorities = new Set<number>();
  let cost = 0;
  for (const rule of rules) {
    const p = rule.Priority;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65_535) throw invalid(`parameter is invalid: priority ${String(p)} must be 1-65535`);
    if (priorities.has(p)) throw invalid(`parameter is invalid: priority ${p} is used by more than one rule; priorities must be unique within a rule group`);
    priorities.add(p);
    const ruleActions = rule.RuleDefinition?.Actions ?? [];
    const standard = ruleActions.filter((a) => STANDARD_ACTIONS.has(a));
    if (standard.length !== 1) throw invalid(`parameter is invalid: rule ${p} must have exactly one standard action`);
    for (const a of ruleActions) {
      if (!STANDARD_ACTIONS.has(a) && !actionNames.has(a)) throw invalid(`parameter is invalid: rule ${p} uses undefined custom action "${a}"`);
    }
    const m = rule.RuleDefinition?.MatchAttributes ?? {};
    for (const address of [...(m.Sources ?? []), ...(m.Destinations ?? [])]) {
      if (!validCidr(address.AddressDefinition)) throw invalid(`parameter is invalid: AddressDefinition "${String(address.AddressDefinition)}" is not a CIDR block`);
    }
    cost += ruleCapacity(rule);
  }
  if (cost > capacity) {
    throw invalid(`The rule group's rules require ${cost} capacity units, which exceeds the rule group capacity of ${capacity}.`);
  }
}

/**
 * @example
 * const nfw = await startNetworkFirewallStandin();
 * const arn = nfw.createRuleGroup({ name: 'guardduty-blocks', capacity: 1000, rules: [foreignRule] });
 * const client = new NetworkFirewallClient({ region: 'eu-west-1', endpoint: nfw.endpoint, credentials: DUMMY_CREDENTIALS });
 */
export async function startNetworkFirewallStandin(options: { now?: () => number } = {}): Promise<NetworkFirewallStandin> {
  const now = options.now ?? Date.now;
  const groups = new Map<string, StoredGroup>();

  const find = (body: Record<string, unknown>): StoredGroup => {
    const arn = typeof body.RuleGroupArn === 'string' ? body.RuleGroupArn : undefined;
    const name = typeof body.RuleGroupName === 'string' ? body.RuleGroupName : undefined;
    if (arn === undefined && name === undefined) throw invalid('parameter is invalid: you must specify the ARN or the name, and you can specify both');
    const group = arn !== undefined ? groups.get(arn) : [...groups.values()].find((g) => g.name === name);
    if (!group || (name !== undefined && group.name !== name)) {
      throw new AwsJsonError(400, 'ResourceNotFoundException', `Resource not found: ${arn ?? name ?? ''}`);
    }
    const type = body.Type;
    if (type !== undefined && type !== group.type) throw invalid(`parameter is invalid: the rule group is ${group.type}, not ${String(type)}`);
    return group;
  };

  const response = (group: StoredGroup) => ({
    RuleGroupArn: group.arn,
    RuleGroupName: group.name,
    RuleGroupId: group.id,
    Type: group.type,
    Capacity: group.capacity,
    RuleGroupStatus: 'ACTIVE',
    ConsumedCapacity: consumed(group),
    NumberOfAssociations: 0,
    LastModifiedTime: group.lastModified / 1000,
    ...(group.description !== undefined ? { Description: group.description } : {}),
  });

  const consumed = (group: StoredGroup) =>
    (group.ruleGroup.RulesSource?.StatelessRulesAndCustomActions?.StatelessRules ?? []).reduce((n, r) => n + ruleCapacity(r), 0);

  const server = await startAwsJsonServer({
    targetPrefix: 'NetworkFirewall_20201112',
    jsonVersion: '1.0',
    faultErrors: {
      throttling: { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
      internal: { status: 500, type: 'InternalServerError', message: 'Internal server error' },
      unavailable: { status: 503, type: 'ServiceUnavailableException', message: 'Service unavailable' },
      'access-denied': {
        status: 400,
        type: 'AccessDeniedException',
        message: 'User: arn:aws:sts::123456789012:assumed-role/gdn/test is not authorized to perform: network-firewall:UpdateRuleGroup',
      },
    },
    handlers: {
      DescribeRuleGroup(body) {
        const group = find(body);
        return { UpdateToken: group.updateToken, RuleGroup: structuredClone(group.ruleGroup), RuleGroupResponse: response(group) };
      },
      UpdateRuleGroup(body) {
        const token = body.UpdateToken;
        if (typeof token !== 'string' || token === '') throw invalid('parameter is invalid: UpdateToken is required');
        const group = find(body);
        if (token !== group.updateToken) {
          throw new AwsJsonError(400, 'InvalidTokenException', 'Update token is invalid: the rule group was changed since you read it. Describe it again.');
        }
        if (body.Rules !== undefined) throw invalid('parameter is invalid: Rules (Suricata) applies to stateful rule groups only');
        const ruleGroup = body.RuleGroup as WireRuleGroup | undefined;
        if (!ruleGroup) throw invalid('parameter is invalid: RuleGroup is required');
        validateStateless(ruleGroup, group.capacity);
        group.ruleGroup = structuredClone(ruleGroup);
        // UpdateRuleGroup sets what it is given: a request without Description clears it.
        group.description = typeof body.Description === 'string' ? body.Description : undefined;
        group.updateToken = randomUUID();
        group.lastModified = now();
        group.version += 1;
        return { UpdateToken: group.updateToken, RuleGroupResponse: response(group) };
      },
    },
  });

  return {
    ...server,
    createRuleGroup(input) {
      const region = input.region ?? 'eu-west-1';
      const account = input.account ?? '123456789012';
      const arn = `arn:aws:network-firewall:${region}:${account}:stateless-rulegroup/${input.name}`;
      const ruleGroup: WireRuleGroup = { RulesSource: { StatelessRulesAndCustomActions: { StatelessRules: input.rules, CustomActions: input.customActions ?? [] } } };
      if ((input.type ?? 'STATELESS') === 'STATELESS') validateStateless(ruleGroup, input.capacity);
      groups.set(arn, {
        arn,
        name: input.name,
        id: randomUUID(),
        capacity: input.capacity,
        type: input.type ?? 'STATELESS',
        ruleGroup: input.type === 'STATEFUL' ? { RulesSource: {} as never } : structuredClone(ruleGroup),
        ...(input.description !== undefined ? { description: input.description } : {}),
        updateToken: randomUUID(),
        lastModified: now(),
        version: 0,
      });
      return arn;
    },
    ruleGroup(arn) {
      const group = groups.get(arn);
      if (!group) throw new Error(`stand-in: no rule group ${arn}`);
      const source = group.ruleGroup.RulesSource?.StatelessRulesAndCustomActions;
      return {
        rules: structuredClone(source?.StatelessRules ?? []).sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0)),
        customActions: structuredClone(source?.CustomActions ?? []),
        updateToken: group.updateToken,
        version: group.version,
        ...(group.description !== undefined ? { description: group.description } : {}),
      };
    },
    editRuleGroup(arn, edit) {
      const group = groups.get(arn);
      if (!group) throw new Error(`stand-in: no rule group ${arn}`);
      const source = group.ruleGroup.RulesSource?.StatelessRulesAndCustomActions ?? {};
      const draft = { rules: structuredClone(source.StatelessRules ?? []), customActions: structuredClone(source.CustomActions ?? []) };
      edit(draft);
      const next: WireRuleGroup = { ...group.ruleGroup, RulesSource: { StatelessRulesAndCustomActions: { StatelessRules: draft.rules, CustomActions: draft.customActions } } };
      validateStateless(next, group.capacity);
      group.ruleGroup = next;
      group.updateToken = randomUUID();
      group.version += 1;
    },
    consumedCapacity(arn) {
      const group = groups.get(arn);
      return group ? consumed(group) : 0;
    },
  };
}
