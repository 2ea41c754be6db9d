import * as z from 'zod/mini';
import { parseCidr } from '../core/ip-address.js';
import { parseDuration } from '../core/duration.js';

/**
 * `respond:` — blocking a finding's remote addresses in AWS Network Firewall or WAF IP sets (issue E). Every key is
 * documented in docs/blocking.md. The schema is built by {@link createRespondSchema} from the main
 * schema's `match` and duration schemas, so that a rule's `match` is exactly a route's and this file does not import
 * schema.ts back (no cycle).
 */

/** Config names of targets and rules: also part of CloudWatch dimension values, which allow `[a-zA-Z0-9-_ ]`. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Network Firewall stateless rule group ARN. Name pattern `^[a-zA-Z0-9-]+$`, 1–128:
 * https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_RuleGroupResponse.html
 */
export const RULE_GROUP_ARN = /^arn:aws[a-z-]*:network-firewall:[a-z]{2}(-[a-z0-9]+)+:\d{12}:stateless-rulegroup\/[A-Za-z0-9-]{1,128}$/;

/**
 * WAFv2 IP set ARN: `arn:aws:wafv2:REGION:ACCOUNT:(regional|global)/ipset/NAME/ID`; Name `^[\w\-]+$` 1–128, Id
 * `^[0-9a-f\-]+$` 1–36: https://docs.aws.amazon.com/waf/latest/APIReference/API_IPSet.html
 */
export const IP_SET_ARN = /^arn:aws[a-z-]*:wafv2:[a-z]{2}(-[a-z0-9]+)+:\d{12}:(regional|global)\/ipset\/[A-Za-z0-9_-]{1,128}\/[0-9a-f-]{1,36}$/;

/**
 * Stateless rule priorities are 1–65535 and we own `[priority, priority + 99]`:
 * https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_StatelessRule.html
 */
export const PRIORITY_SPAN = 100;
export const MAX_RULE_PRIORITY = 65_535;

export const RESPOND_DEFAULTS = {
  mode: 'dry-run',
  maxActive: 500,
  maxNewPerHour: 50,
  maxFor: 7 * 86_400_000,
  direction: 'both',
  syncInterval: 5 * 60_000,
} as const;

/** A stateless rule group holds at most 30,000 capacity units (each blocked address costs one per direction). */
const MAX_ACTIVE_LIMIT = 30_000;
const PRIORITY_MESSAGE = `expected 1 to ${MAX_RULE_PRIORITY - PRIORITY_SPAN + 1}: we own priority to priority + ${PRIORITY_SPAN - 1}, and stateless rule priorities end at ${MAX_RULE_PRIORITY}`;
const MIN_SYNC_INTERVAL_MS = 30_000;

const cidrSchema = z.string().check(
  z.refine((value) => !('problem' in parseCidr(value)), {
    error: (issue) => {
      const parsed = typeof issue.input === 'string' ? parseCidr(issue.input) : undefined;
      return parsed && 'problem' in parsed ? parsed.problem : 'expected a CIDR block like 203.0.113.0/24 or 2001:db8::/32';
    },
  }),
);

const nameSchema = (what: string) => z.string().check(z.regex(NAME, `a ${what} name uses letters, digits, "-" or "_" (at most 64)`));

/**
 * @example
 * const respondSchema = createRespondSchema({ match: matchSchema, duration: durationSchema });
 */
export function createRespondSchema<M extends z.ZodMiniType, D extends z.ZodMiniType<number, unknown>>(parts: { match: M; duration: D }) {
  const targetSchema = z.discriminatedUnion('type', [
    z.strictObject({
      name: nameSchema('target'),
      type: z.literal('network-firewall'),
      ruleGroupArn: z
        .string()
        .check(z.regex(RULE_GROUP_ARN, 'expected a stateless rule group ARN: arn:aws:network-firewall:REGION:ACCOUNT:stateless-rulegroup/NAME')),
      /** We own `[priority, priority + 99]` of the group; rules outside it are never touched. */
      priority: z.int().check(
        z.gte(1, PRIORITY_MESSAGE),
        z.lte(MAX_RULE_PRIORITY - PRIORITY_SPAN + 1, PRIORITY_MESSAGE),
      ),
    }),
    z.strictObject({
      name: nameSchema('target'),
      type: z.literal('waf-ip-set'),
      ipv4SetArn: z.string().check(z.regex(IP_SET_ARN, 'expected a WAF IP set ARN: arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/NAME/ID')),
      ipv6SetArn: z.optional(
        z.string().check(z.regex(IP_SET_ARN, 'expected a WAF IP set ARN: arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/NAME/ID')),
      ),
    }),
  ]);

  const ruleSchema = z.strictObject({
    name: nameSchema('rule'),
    match: z._default(parts.match, {} as never),
    /** How long a block lasts; a recurrence or escalation extends it, up to `maxFor` from its start. */
    for: parts.duration,
    maxFor: z._default(parts.duration, RESPOND_DEFAULTS.maxFor as never),
    direction: z._default(z.enum(['source', 'destination', 'both']), RESPOND_DEFAULTS.direction),
    targets: z.array(z.string().check(z.minLength(1))).check(z.minLength(1, 'a rule needs at least one target')),
  });

  return z.strictObject({
    /** dry-run (default): decide, record and announce "would block"; enforce: also write the targets. */
    mode: z._default(z.enum(['dry-run', 'enforce']), RESPOND_DEFAULTS.mode),
    /** Never blocked, on top of the built-in never-block ranges. */
    allow: z._default(z.array(cidrSchema), []),
    /** Blocks in force at once, per target. */
    maxActive: z._default(z.int().check(z.gte(1), z.lte(MAX_ACTIVE_LIMIT)), RESPOND_DEFAULTS.maxActive),
    /** New blocks per hour, per target; over it a block is refused with reason `rate`. */
    maxNewPerHour: z._default(z.int().check(z.gte(1), z.lte(MAX_ACTIVE_LIMIT)), RESPOND_DEFAULTS.maxNewPerHour),
    targets: z.array(targetSchema).check(z.minLength(1, 'respond needs at least one target')),
    /** First match wins; same `match` keys as routes. */
    rules: z._default(z.array(ruleSchema), []),
    /** How often the daemon converges every target (the Lambda uses its 5-minute schedule). */
    syncInterval: z._default(parts.duration, RESPOND_DEFAULTS.syncInterval as never),
  });
}

/** Raw config value → ms, as the duration schema reads it; undefined when it is not a duration. */
function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value === 'string') return parseDuration(value);
  return undefined;
}

const show = (value: unknown) => (typeof value === 'string' ? value : `${String(value)}s`);

/**
 * Cross-field checks of `respond:` that zod cannot express per key, run on the raw document so that one run lists
 * them alongside the schema's problems: unique target and rule names, known targets, durations that make sense,
 * directions a WAF can enforce, priority ranges that do not overlap in one rule group, CLOUDFRONT sets in us-east-1.
 */
export function checkRespondReferences(document: unknown): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const doc = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  const respond = doc.respond;
  if (typeof respond !== 'object' || respond === null) return problems;
  const r = respond as Record<string, unknown>;
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const field = (value: unknown, key: string): unknown =>
    typeof value === 'object' && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;

  const targetTypes = new Map<string, unknown>();
  const ranges: Array<{ name: string; arn: string; from: number }> = [];
  list(r.targets).forEach((target, i) => {
    const name = field(target, 'name');
    if (typeof name === 'string') {
      if (targetTypes.has(name)) problems.push({ path: `respond.targets[${i}].name`, message: `duplicate target name "${name}"` });
      else targetTypes.set(name, field(target, 'type'));
    }
    const arn = field(target, 'ruleGroupArn');
    const priority = field(target, 'priority');
    if (typeof arn === 'string' && typeof priority === 'number' && Number.isInteger(priority)) {
      const clash = ranges.find((other) => other.arn === arn && Math.abs(other.from - priority) < PRIORITY_SPAN);
      if (clash) {
        problems.push({
          path: `respond.targets[${i}].priority`,
          message: `overlaps the priorities of target "${clash.name}" (${clash.from}–${clash.from + PRIORITY_SPAN - 1}) in the same rule group`,
        });
      } else ranges.push({ name: typeof name === 'string' ? name : `#${i}`, arn, from: priority });
    }
    for (const key of ['ipv4SetArn', 'ipv6SetArn'] as const) {
      const setArn = field(target, key);
      if (typeof setArn === 'string' && IP_SET_ARN.test(setArn)) {
        const [, , , region, , resource] = setArn.split(':');
        if (resource?.startsWith('global/') && region !== 'us-east-1') {
          problems.push({ path: `respond.targets[${i}].${key}`, message: 'a global (CloudFront) IP set lives in us-east-1' });
        }
      }
    }
  });

  const known = [...targetTypes.keys()].join(', ');
  const ruleNames = new Set<string>();
  list(r.rules).forEach((rule, i) => {
    const name = field(rule, 'name');
    if (typeof name === 'string') {
      if (ruleNames.has(name)) problems.push({ path: `respond.rules[${i}].name`, message: `duplicate rule name "${name}"` });
      ruleNames.add(name);
    }
    const direction = field(rule, 'direction') ?? RESPOND_DEFAULTS.direction;
    list(field(rule, 'targets')).forEach((targetName, j) => {
      if (typeof targetName !== 'string') return;
      if (!targetTypes.has(targetName)) {
        problems.push({ path: `respond.rules[${i}].targets[${j}]`, message: `unknown target "${targetName}" (known: ${known})` });
      } else if (targetTypes.get(targetName) === 'waf-ip-set' && direction === 'destination') {
        problems.push({
          path: `respond.rules[${i}].direction`,
          message: `"${targetName}" is a WAF IP set, which matches request sources only: use source or both`,
        });
      }
    });
    const rawFor = field(rule, 'for');
    const forMs = durationMs(rawFor);
    const rawMaxFor = field(rule, 'maxFor');
    const maxForMs = rawMaxFor === undefined ? RESPOND_DEFAULTS.maxFor : durationMs(rawMaxFor);
    if (forMs !== undefined && forMs <= 0) {
      problems.push({ path: `respond.rules[${i}].for`, message: 'a block must last longer than 0' });
    } else if (forMs !== undefined && maxForMs !== undefined && forMs > maxForMs) {
      problems.push({
        path: `respond.rules[${i}].for`,
        message: `${show(rawFor)} is longer than maxFor (${rawMaxFor === undefined ? '7d, the default' : show(rawMaxFor)})`,
      });
    }
  });

  const sync = durationMs(r.syncInterval);
  if (sync !== undefined && sync < MIN_SYNC_INTERVAL_MS) {
    // WAF allows about one write per second per account (DESIGN, facts of the field); a tighter loop only throttles.
    problems.push({ path: 'respond.syncInterval', message: 'must be at least 30s' });
  }
  return problems;
}
