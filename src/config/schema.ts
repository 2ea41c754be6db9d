import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * The one configuration schema. The same keys in the YAML file, in Lambda's GDN_CONFIG and in the CDK config.
 * Every key is documented in the README ("Configuration").
 */

/** `90s`, `10m`, `12h`, `7d` → milliseconds. */
export const durationSchema = z
  .union([z.string(), z.number().nonnegative()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value * 1000;
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 90s, 10m, 12h or 7d, got "${value}"` });
      return z.NEVER;
    }
    return ms;
  });

/** A secret: a literal string, `{ env: NAME }` or `{ secretArn: arn:aws:secretsmanager:... }` (optionally with `key` for JSON secrets). */
export const secretRefSchema = z.union([
  z.string().min(1),
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({
    secretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:|^[A-Za-z0-9/_+=.@-]+$/, 'expected a Secrets Manager ARN or secret name'),
    key: z.string().optional(),
  }),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

const severitySchema = z.number().min(0).max(10);

const rateSchema = z.strictObject({
  perSecond: z.number().positive().max(100).default(1),
  burst: z.number().int().min(1).max(100).default(3),
});

const destinationBase = {
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, "-", "_" or "."'),
  /** Findings below this severity never reach this destination. */
  minSeverity: severitySchema.optional(),
  rate: rateSchema.optional(),
};

export const destinationSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...destinationBase, type: z.literal('slack-webhook'), url: secretRefSchema }),
  z.strictObject({
    ...destinationBase,
    type: z.literal('slack-api'),
    token: secretRefSchema,
    channel: z.string().min(1),
    /** Slack Web API base URL (tests point it at the stand-in). */
    apiUrl: z.string().url().optional(),
  }),
  z.strictObject({
    ...destinationBase,
    type: z.literal('sns'),
    topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/, 'expected an SNS topic ARN'),
  }),
  z.strictObject({ ...destinationBase, type: z.literal('stdout') }),
  z.strictObject({ ...destinationBase, type: z.literal('file'), path: z.string().min(1) }),
]);
export type DestinationConfig = z.infer<typeof destinationSchema>;

/** What a route or a mute rule matches on. Every present key must match; lists match any of their items. */
export const matchSchema = z.strictObject({
  minSeverity: severitySchema.optional(),
  maxSeverity: severitySchema.optional(),
  /** Type globs: `*` any run of characters, e.g. `Recon:*`, `*:EC2/*`, `CryptoCurrency:EC2/BitcoinTool.B!DNS`. */
  types: z.array(z.string().min(1)).optional(),
  accounts: z.array(z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id')).optional(),
  regions: z.array(z.string().min(1)).optional(),
  /** GuardDuty resource types: Instance, AccessKey, S3Bucket, EKSCluster, ECSCluster, Lambda, RDSDBInstance, ... */
  resourceTypes: z.array(z.string().min(1)).optional(),
  sample: z.boolean().optional(),
  /** Resource tags that must all be present with these values (`"*"` = any value). */
  tags: z.record(z.string(), z.string()).optional(),
});
export type MatchConfig = z.infer<typeof matchSchema>;

export const routeSchema = z.strictObject({
  name: z.string().optional(),
  match: matchSchema.default({}),
  to: z.array(z.string().min(1)).min(1, 'a route needs at least one destination'),
  /** Keep evaluating later routes after this one matched. */
  continue: z.boolean().default(false),
  /** Remind about a finding still active after this long (like Alertmanager's repeat_interval). Off by default. */
  repeatAfter: durationSchema.optional(),
  /** Runbook URL templates by type glob; `{type}`, `{id}`, `{account}`, `{region}` are filled in (URL-encoded). */
  runbooks: z.record(z.string(), z.string().url()).optional(),
});
export type RouteConfig = z.infer<typeof routeSchema>;

export const muteConfigSchema = z.strictObject({
  match: matchSchema,
  reason: z.string().min(1),
  /** ISO date-time after which the mute no longer applies; omit for a permanent config mute. */
  until: z.string().datetime({ offset: true }).optional(),
});

export const configSchema = z.strictObject({
  /** Account names by id; AWS Organizations fills in the rest when `organizations.enabled`. */
  accounts: z.record(z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'), z.string().min(1)).default({}),
  organizations: z
    .strictObject({
      enabled: z.boolean().default(false),
      cacheTtl: durationSchema.default(3_600_000),
      timeout: durationSchema.default(1_500),
    })
    .default({ enabled: false, cacheTtl: 3_600_000, timeout: 1_500 }),
  state: z
    .union([z.strictObject({ sqlite: z.string().min(1) }), z.strictObject({ dynamodb: z.string().min(1) })])
    .default({ sqlite: './guardduty-notifier.db' }),
  destinations: z.array(destinationSchema).min(1, 'at least one destination is needed'),
  /** Evaluated in order; first match wins unless `continue: true`. With no routes, every destination gets every finding. */
  routes: z.array(routeSchema).default([]),
  /** Where findings that match no route go; none by default. */
  defaultRoute: z.strictObject({ to: z.array(z.string().min(1)).min(1), repeatAfter: durationSchema.optional() }).optional(),
  /** Findings below this severity are dropped before routing (per destination `minSeverity` can raise it). */
  minSeverity: severitySchema.default(0),
  /** Drop findings made by "Generate sample findings" (service.additionalInfo.sample). */
  dropSamples: z.boolean().default(false),
  mutes: z.array(muteConfigSchema).default([]),
  digest: z
    .strictObject({
      /** More than this many messages due for one destination in one batch/window become one digest. */
      threshold: z.number().int().min(1).default(5),
      /** Daemon: how long to gather findings before deciding (group wait). */
      window: durationSchema.default(10_000),
      /** How many findings the digest lists by name (the worst first). */
      top: z.number().int().min(1).max(20).default(10),
    })
    .default({ threshold: 5, window: 10_000, top: 10 }),
  poll: z
    .strictObject({
      regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z0-9]+)+$/, 'expected an AWS region like us-east-1')).min(1).optional(),
      interval: durationSchema.default(60_000),
      overlap: durationSchema.default(600_000),
      includeArchived: z.boolean().default(false),
      assumeRole: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'expected an IAM role ARN').optional(),
      /** Per-region overrides, e.g. a different role per region. */
      regionRoles: z.record(z.string(), z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'expected an IAM role ARN')).optional(),
      /** Health and metrics listener, `host:port` (`false`-like `off` disables it). */
      listen: z
        .string()
        .regex(/^(off|(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5})$/, 'expected host:port, e.g. 127.0.0.1:9464, or off')
        .default('127.0.0.1:9464'),
    })
    .optional(),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
