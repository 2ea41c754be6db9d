import { z } from 'zod';

/**
 * `respond:` in the deployment config: the notifier's own `respond:` section (docs/blocking.md; validated
 * by the notifier's schema when the stack hands it to the function as GDN_CONFIG), with one addition for Network
 * Firewall targets: `create: true` (or `create: { name }`) instead of `ruleGroupArn` makes the stack create the
 * stateless rule group — capacity sized from `maxActive`, our placeholder rule at `priority` — and give its ARN to the
 * function. Everything else passes through unchanged.
 */

/** Stateless rule group capacity is fixed at creation, at most 30,000 units (Network Firewall quotas). */
export const MAX_RULE_GROUP_CAPACITY = 30_000;
/** The notifier's default (src/config/respond-schema.ts RESPOND_DEFAULTS.maxActive). */
const DEFAULT_MAX_ACTIVE = 500;
/** What the notifier writes when nothing is blocked (src/respond/targets/rule-group-layout.ts PLACEHOLDER_DESTINATION). */
export const PLACEHOLDER_DESTINATION = '127.0.0.1/32';
/** Rule group names: `^[a-zA-Z0-9-]+$`, 1–128 (https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_RuleGroupResponse.html). */
const RULE_GROUP_NAME = /^[a-zA-Z0-9-]{1,128}$/;

const createSchema = z.union([z.literal(true), z.strictObject({ name: z.string().regex(RULE_GROUP_NAME, 'letters, digits and "-", at most 128').optional() })]);

export const infraRespondSchema = z.looseObject({
  maxActive: z.number().int().min(1).max(MAX_RULE_GROUP_CAPACITY).optional(),
  targets: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        type: z.string(),
        /** The stack creates the rule group (instead of `ruleGroupArn`). */
        create: createSchema.optional(),
        ruleGroupArn: z.string().optional(),
        priority: z.number().int().optional(),
      }),
    )
    .min(1, 'respond needs at least one target'),
  rules: z.array(z.looseObject({ direction: z.string().optional(), targets: z.array(z.string()).optional() })).optional(),
});
export type InfraRespond = z.infer<typeof infraRespondSchema>;

/** A rule group the stack creates for a target. */
export interface RuleGroupToCreate {
  target: string;
  name: string;
  priority: number;
  capacity: number;
}

/**
 * Capacity for `maxActive` blocks: a block costs one unit per direction it drops (source rule, destination rule), so
 * two when some rule for the target blocks both ways (the default) or rules block it one way each; one otherwise
 * (https://docs.aws.amazon.com/network-firewall/latest/developerguide/nwfw-rule-group-capacity.html).
 */
export function ruleGroupCapacity(respond: InfraRespond, target: string): number {
  const directions = new Set((respond.rules ?? []).filter((r) => r.targets?.includes(target)).map((r) => r.direction ?? 'both'));
  const perBlock = directions.has('both') || (directions.has('source') && directions.has('destination')) || directions.size === 0 ? 2 : 1;
  return Math.max(1, (respond.maxActive ?? DEFAULT_MAX_ACTIVE) * perBlock);
}

export function ruleGroupsToCreate(respond: InfraRespond | undefined, stackName: string): RuleGroupToCreate[] {
  if (!respond) return [];
  return respond.targets.flatMap((t) => {
    if (t.type !== 'network-firewall' || t.create === undefined) return [];
    const name = (t.create === true ? undefined : t.create.name) ?? `${stackName}-${t.name}`.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 128);
    return [{ target: t.name, name, priority: t.priority ?? 0, capacity: ruleGroupCapacity(respond, t.name) }];
  });
}

/** Problems only the deployment config can have: `create` and `ruleGroupArn` together or neither, capacity past 30,000. */
export function checkInfraRespond(respond: InfraRespond | undefined): Array<{ path: string; message: string }> {
  if (!respond) return [];
  const problems: Array<{ path: string; message: string }> = [];
  respond.targets.forEach((t, i) => {
    if (t.type === 'network-firewall') {
      if (t.create !== undefined && t.ruleGroupArn !== undefined) {
        problems.push({ path: `respond.targets[${i}]`, message: 'give ruleGroupArn (a group you have) or create (the stack makes one), not both' });
      } else if (t.create === undefined && t.ruleGroupArn === undefined) {
        problems.push({ path: `respond.targets[${i}].ruleGroupArn`, message: 'missing: name an existing stateless rule group, or set create: true' });
      }
      if (t.create !== undefined) {
        const capacity = ruleGroupCapacity(respond, t.name);
        if (capacity > MAX_RULE_GROUP_CAPACITY) {
          problems.push({
            path: 'respond.maxActive',
            message: `${respond.maxActive} blocks in both directions need ${capacity} capacity units, over the ${MAX_RULE_GROUP_CAPACITY} a rule group may have: lower maxActive to ${MAX_RULE_GROUP_CAPACITY / 2}`,
          });
        }
      }
    } else if (t.create !== undefined) {
      problems.push({ path: `respond.targets[${i}].create`, message: 'only a network-firewall target can be created by the stack' });
    }
  });
  return problems;
}

/**
 * The notifier's `respond:` for GDN_CONFIG: `create` replaced by the rule group's ARN (`arnOf(target)`, a CloudFormation
 * token in the stack, a placeholder of the same shape when only validating).
 */
export function respondToApp(respond: InfraRespond, arnOf: (group: RuleGroupToCreate) => string, stackName: string): Record<string, unknown> {
  const created = new Map(ruleGroupsToCreate(respond, stackName).map((g) => [g.target, g]));
  return {
    ...respond,
    targets: respond.targets.map((t) => {
      const { create, ...rest } = t;
      const group = created.get(t.name);
      return create !== undefined && group ? { ...rest, ruleGroupArn: arnOf(group) } : rest;
    }),
  };
}
