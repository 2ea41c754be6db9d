import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { parseDuration } from '../core/duration.js';
import { createRespondSchema } from './respond-schema.js';
import { createInteractSchema } from './interact-schema.js';

/**
 * The one configuration schema. The same keys in the YAML file, in Lambda's GDN_CONFIG and in the CDK config.
 * Every key is documented in docs/configuration.md.
 *
 * Written with `zod/mini` (functional checks instead of chained methods) because it tree-shakes: the Lambda bundle,
 * which validates GDN_CONFIG at every cold start, carries ~20 KB of zod instead of ~190 KB with the classic API.
 * English messages for zod's own checks (mini ships none by default).
 */
z.config(en());

const nonEmpty = () => z.string().check(z.minLength(1));
const matching = (pattern: RegExp, message: string) => z.string().check(z.regex(pattern, message));
const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
/** Names of environment variables as shells write them (POSIX XBD 8.1, https://pubs.opengroup.org/onlinepubs/9799919799/basedefs/V1_chap08.html). */
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `90s`, `10m`, `12h`, `7d` (or a number of seconds) → milliseconds. */
export const durationSchema = z.pipe(
  z.union([z.string(), z.number().check(z.nonnegative())]).check(
    z.refine((value) => typeof value === 'number' || parseDuration(value) !== undefined, {
      error: (issue) => `expected a duration like 90s, 10m, 12h or 7d, got "${String(issue.input)}"`,
    }),
  ),
  z.transform((value: string | number) => (typeof value === 'number' ? value * 1000 : (parseDuration(value) ?? 0))),
);

/** A secret: a literal string, `{ env: NAME }` or `{ secretArn: arn:aws:secretsmanager:... }` (optionally with `key` for JSON secrets). */
export const secretRefSchema = z.union([
  nonEmpty(),
  z.strictObject({
    // A name, never the secret: an invalid one is refused without being repeated (it may be the webhook URL itself).
    env: matching(
      ENV_VAR_NAME,
      'not an environment variable name (letters, digits and _, not starting with a digit); put the secret itself in the environment and its name here',
    ),
  }),
  z.strictObject({
    secretArn: matching(/^arn:aws[a-z-]*:secretsmanager:|^[A-Za-z0-9/_+=.@-]+$/, 'expected a Secrets Manager ARN or secret name'),
    key: z.optional(z.string()),
  }),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

const severitySchema = z.number().check(z.gte(0), z.lte(10));

const rateSchema = z.strictObject({
  perSecond: z._default(z.number().check(z.positive(), z.lte(100)), 1),
  burst: z._default(z.int().check(z.gte(1), z.lte(100)), 3),
});

/** The Events API v2 `payload.severity` values (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). */
export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
const pagerDutySeveritySchema = z.enum(PAGERDUTY_SEVERITIES);

/**
 * The Slack mentions an escalation may carry, and only these: `<!here>`, `<!channel>`, a user group `<!subteam^S…>`, a
 * user `<@U…>` / `<@W…>` (https://docs.slack.dev/messaging/formatting-message-text#mentioning-users). Mentions come
 * from the config only, never from a finding.
 */
export const SLACK_MENTION = /^(<!here>|<!channel>|<!subteam\^S[A-Z0-9]{2,20}>|<@[UW][A-Z0-9]{2,20}>)$/;
const mentionSchema = z.string().check(
  z.regex(SLACK_MENTION, 'expected a Slack mention: <!here>, <!channel>, <!subteam^S0123ABCD> or <@U0123ABCD>'),
);

const destinationBase = {
  name: matching(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, "-", "_" or "."'),
  /** Findings below this severity never reach this destination. */
  minSeverity: z.optional(severitySchema),
  rate: z.optional(rateSchema),
};

export const destinationSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...destinationBase, type: z.literal('slack-webhook'), url: secretRefSchema }),
  z.strictObject({
    ...destinationBase,
    type: z.literal('slack-api'),
    token: secretRefSchema,
    channel: nonEmpty(),
    /** Slack Web API base URL (tests point it at the stand-in). */
    apiUrl: z.optional(z.url()),
  }),
  /** Microsoft Teams: a Workflows flow "When a Teams webhook request is received"; `url` is its trigger URL (docs/microsoft-teams.md). */
  z.strictObject({ ...destinationBase, type: z.literal('teams-workflow'), url: secretRefSchema }),
  z.strictObject({
    ...destinationBase,
    type: z.literal('sns'),
    topicArn: matching(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/, 'expected an SNS topic ARN'),
  }),
  z.strictObject({
    ...destinationBase,
    type: z.literal('pagerduty'),
    /** The Events API v2 integration key (a secret: it lets anyone open incidents on the service). */
    routingKey: secretRefSchema,
    /** Events API host; default https://events.pagerduty.com (EU: https://events.eu.pagerduty.com). We POST `<apiUrl>/v2/enqueue`. */
    apiUrl: z.optional(z.url()),
    /** The V3 webhook subscription's signing secret: enables `POST /pagerduty/webhook` (acknowledgements from PagerDuty). */
    webhookSecret: z.optional(secretRefSchema),
    /** PagerDuty severity per band; defaults critical→critical, high→error, medium→warning, low→info. */
    severities: z.optional(
      z.strictObject({
        critical: z.optional(pagerDutySeveritySchema),
        high: z.optional(pagerDutySeveritySchema),
        medium: z.optional(pagerDutySeveritySchema),
        low: z.optional(pagerDutySeveritySchema),
      }),
    ),
  }),
  z.strictObject({ ...destinationBase, type: z.literal('stdout') }),
  z.strictObject({ ...destinationBase, type: z.literal('file'), path: nonEmpty() }),
]);
export type DestinationConfig = z.infer<typeof destinationSchema>;

/** What a route or a mute rule matches on. Every present key must match; lists match any of their items. */
export const matchSchema = z.strictObject({
  minSeverity: z.optional(severitySchema),
  maxSeverity: z.optional(severitySchema),
  /** Type globs: `*` any run of characters, e.g. `Recon:*`, `*:EC2/*`, `CryptoCurrency:EC2/BitcoinTool.B!DNS`. */
  types: z.optional(z.array(nonEmpty())),
  accounts: z.optional(z.array(matching(ACCOUNT_ID, 'expected a 12-digit AWS account id'))),
  regions: z.optional(z.array(nonEmpty())),
  /** GuardDuty resource types: Instance, AccessKey, S3Bucket, EKSCluster, ECSCluster, Lambda, RDSDBInstance, ... */
  resourceTypes: z.optional(z.array(nonEmpty())),
  sample: z.optional(z.boolean()),
  /** Products: GuardDuty, Inspector, Macie, Security Hub, … (Security Hub forwards them all); case-insensitive. */
  products: z.optional(z.array(nonEmpty())),
  /** Resource tags that must all be present with these values (`"*"` = any value). */
  tags: z.optional(z.record(z.string(), z.string())),
});
export type MatchConfig = z.infer<typeof matchSchema>;

/** How a route's unacknowledged messages escalate (see docs/pagerduty.md, "Escalation"). */
export const escalateSchema = z.strictObject({
  /** Not acknowledged this long after the message was committed: escalate. */
  after: durationSchema.check(z.refine((ms: number) => ms >= 1000, { error: 'must be at least 1s, like 15m' })),
  /** Destinations that get the escalation: a page (pagerduty) or a message (chat). */
  to: z._default(z.array(nonEmpty()), []),
  /** Slack mentions posted with the escalation (config only, never finding content). */
  mention: z._default(z.array(mentionSchema).check(z.maxLength(10)), []),
  /** Owner mentions: the resource's tag `tag`, looked up in `map`; a value not in the map mentions nobody. */
  mentionByTag: z.optional(
    z.strictObject({
      tag: nonEmpty(),
      map: z.record(z.string(), mentionSchema),
    }),
  ),
  /** Escalate again this long after each escalation, until acknowledged or `times` is reached. */
  repeat: z.optional(durationSchema.check(z.refine((ms: number) => ms >= 1000, { error: 'must be at least 1s, like 30m' }))),
  /** At most this many escalations: default 1, or 3 with `repeat`. */
  times: z.optional(z.int().check(z.gte(1), z.lte(20))),
});
export type EscalateConfig = z.infer<typeof escalateSchema>;

export const routeSchema = z.strictObject({
  name: z.optional(z.string()),
  match: z._default(matchSchema, {}),
  to: z.array(nonEmpty()).check(z.minLength(1, 'a route needs at least one destination')),
  /** Keep evaluating later routes after this one matched. */
  continue: z._default(z.boolean(), false),
  /** Remind about a finding still active after this long (like Alertmanager's repeat_interval). Off by default. */
  repeatAfter: z.optional(durationSchema),
  /** Runbook URL templates by type glob; `{type}`, `{id}`, `{account}`, `{region}` are filled in (URL-encoded). */
  runbooks: z.optional(z.record(z.string(), z.url())),
  /** A message of this route nobody acknowledged within `after` escalates (docs/pagerduty.md). */
  escalate: z.optional(escalateSchema),
});
export type RouteConfig = z.infer<typeof routeSchema>;

export const muteConfigSchema = z.strictObject({
  match: matchSchema,
  reason: nonEmpty(),
  /** ISO date-time after which the mute no longer applies; omit for a permanent config mute. */
  until: z.optional(z.iso.datetime({ offset: true })),
});

/**
 * Where the state lives. `ttl` (DynamoDB, Lambda: `STATE_TTL`): how long the ledger remembers a finding after it was
 * last seen (default 90 days, GuardDuty's own retention); after it, the finding counts as new again.
 */
export const stateSchema = z.union([
  z.strictObject({ sqlite: nonEmpty() }),
  z.strictObject({
    dynamodb: nonEmpty(),
    ttl: z.optional(durationSchema.check(z.refine((ms: number) => ms > 0, { error: 'must be more than 0, like 90d' }))),
  }),
]);

export const configSchema = z.strictObject({
  /** Account names by id; AWS Organizations fills in the rest when `organizations.enabled`. */
  accounts: z._default(z.record(matching(ACCOUNT_ID, 'expected a 12-digit AWS account id'), nonEmpty()), {}),
  organizations: z._default(
    z.strictObject({
      enabled: z._default(z.boolean(), false),
      cacheTtl: z._default(durationSchema, 3_600_000),
      timeout: z._default(durationSchema, 1_500),
      /** A role (management account or Organizations delegated administrator) to call DescribeAccount with. */
      assumeRole: z.optional(matching(ROLE_ARN, 'expected an IAM role ARN')),
    }),
    { enabled: false, cacheTtl: 3_600_000, timeout: 1_500 },
  ),
  state: z._default(stateSchema, { sqlite: './guardduty-notifier.db' }),
  destinations: z.array(destinationSchema).check(z.minLength(1, 'at least one destination is needed')),
  /** Evaluated in order; first match wins unless `continue: true`. With no routes, every destination gets every finding. */
  routes: z._default(z.array(routeSchema), []),
  /** Where findings that match no route go; none by default. */
  defaultRoute: z.optional(z.strictObject({ to: z.array(nonEmpty()).check(z.minLength(1)), repeatAfter: z.optional(durationSchema) })),
  /** Findings below this severity are dropped before routing (per destination `minSeverity` can raise it). */
  minSeverity: z._default(severitySchema, 0),
  /** Drop findings made by "Generate sample findings" (service.additionalInfo.sample). */
  dropSamples: z._default(z.boolean(), false),
  mutes: z._default(z.array(muteConfigSchema), []),
  digest: z._default(
    z.strictObject({
      /** More than this many messages due for one destination in one batch/window become one digest. */
      threshold: z._default(z.int().check(z.gte(1)), 5),
      /** Daemon: how long to gather findings before deciding (group wait). */
      window: z._default(durationSchema, 10_000),
      /** How many findings the digest lists by name (the worst first). */
      top: z._default(z.int().check(z.gte(1), z.lte(20)), 10),
    }),
    { threshold: 5, window: 10_000, top: 10 },
  ),
  /** Blocking a finding's remote addresses in Network Firewall / WAF (see respond-schema.ts). Off when absent. */
  respond: z.optional(createRespondSchema({ match: matchSchema, duration: durationSchema })),
  /** Acting on findings from Slack: signed, authorised, audited buttons (see interact-schema.ts). Off when absent. */
  interact: z.optional(createInteractSchema({ secretRef: secretRefSchema })),
  poll: z.optional(
    z.strictObject({
      regions: z.optional(z.array(matching(/^[a-z]{2}(-[a-z0-9]+)+$/, 'expected an AWS region like us-east-1')).check(z.minLength(1))),
      interval: z._default(durationSchema, 60_000),
      overlap: z._default(durationSchema, 600_000),
      includeArchived: z._default(z.boolean(), false),
      assumeRole: z.optional(matching(ROLE_ARN, 'expected an IAM role ARN')),
      /** Per-region overrides, e.g. a different role per region. */
      regionRoles: z.optional(z.record(z.string(), matching(ROLE_ARN, 'expected an IAM role ARN'))),
      /** Health and metrics listener, `host:port`, or `off`. */
      listen: z._default(
        matching(/^(off|(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5})$/, 'expected host:port, e.g. 127.0.0.1:9464, or off'),
        '127.0.0.1:9464',
      ),
    }),
  ),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type RespondConfig = NonNullable<Config['respond']>;
export type RespondTargetConfig = RespondConfig['targets'][number];
export type RespondRuleConfig = RespondConfig['rules'][number];
export type InteractConfig = NonNullable<Config['interact']>;
