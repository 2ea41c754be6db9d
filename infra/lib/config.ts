import { readFileSync } from 'node:fs';
import { isMap } from 'yaml';
import { z } from 'zod';
import { durationSchema, matchSchema, routeSchema, muteConfigSchema, type ConfigInput } from '../../src/config/schema.js';
import { formatPath, parseConfig } from '../../src/config/load.js';
import { checkReferences } from '../../src/config/validate.js';
import { checkRespondReferences } from '../../src/config/respond-schema.js';
import { describeIssue } from '../../src/config/plain-issues.js';
import { parseYamlDocument } from '../../src/config/yaml-syntax.js';
import { ConfigError } from '../../src/config/errors.js';
import { checkInfraRespond, infraRespondSchema, respondToApp, type RuleGroupToCreate } from './respond-config.js';
import { checkInfraInteract, infraInteractSchema, interactToApp } from './interact-config.js';

/**
 * The deployment config (infra/config.yaml): where to deploy, which secrets hold the Slack credentials, and the
 * notifier's own settings (routes, minimum severity, digest, ...) that the stack hands to the function as GDN_CONFIG.
 * infra/config.example.yaml documents every key line by line.
 */

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const regionSchema = z.string().regex(REGION, 'expected an AWS region like eu-west-1');

/** Secrets Manager: a secret name (letters, digits and /_+=.@-) or a full secret ARN. */
const secretIdSchema = z
  .string()
  .min(1)
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$|^[A-Za-z0-9/_+=.@-]{1,512}$/,
    'expected a Secrets Manager secret name (e.g. guardduty-notifier/slack) or a full secret ARN',
  );

const kmsKeyArnSchema = z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'expected a KMS key ARN');

const rateSchema = z.strictObject({ perSecond: z.number().positive().max(100).optional(), burst: z.number().int().min(1).max(100).optional() });

const secretFields = {
  /** Name or full ARN of the secret that holds the webhook URL / bot token. Never the value itself. */
  secret: secretIdSchema,
  /** When the secret is a JSON object: the key whose value is the URL / token. */
  secretKey: z.string().min(1).optional(),
  /** The stack creates an empty secret of this name (you put the value in after deploy). Needs a name, not an ARN. */
  createSecret: z.boolean().default(false),
  /** A customer managed KMS key the secret is encrypted with (kms:Decrypt via Secrets Manager is granted on it). */
  secretKmsKeyArn: kmsKeyArnSchema.optional(),
};

const destinationBase = {
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, "-", "_" or "."'),
  minSeverity: z.number().min(0).max(10).optional(),
  rate: rateSchema.optional(),
};

export const infraDestinationSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...destinationBase, type: z.literal('slack-webhook'), ...secretFields }),
  /** Microsoft Teams: `secret` holds the Workflows trigger URL (docs/microsoft-teams.md). */
  z.strictObject({ ...destinationBase, type: z.literal('teams-workflow'), ...secretFields }),
  z.strictObject({ ...destinationBase, type: z.literal('slack-api'), ...secretFields, channel: z.string().min(1) }),
  z.strictObject({
    ...destinationBase,
    type: z.literal('pagerduty'),
    /** `secret` holds the Events API v2 integration key (the routing key). */
    ...secretFields,
    /** Name or ARN of the secret that holds the V3 webhook signing secret (created with `createSecret` too): enables `POST /pagerduty/webhook`. */
    webhookSecret: secretIdSchema.optional(),
    apiUrl: z.string().url().optional(),
    severities: z.record(z.enum(['critical', 'high', 'medium', 'low']), z.enum(['critical', 'error', 'warning', 'info'])).optional(),
  }),
  z.strictObject({
    ...destinationBase,
    type: z.literal('sns'),
    topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/, 'expected an SNS topic ARN'),
    /** A customer managed KMS key the topic is encrypted with (kms:GenerateDataKey and kms:Decrypt are granted on it). */
    kmsKeyArn: kmsKeyArnSchema.optional(),
  }),
]);
export type InfraDestination = z.infer<typeof infraDestinationSchema>;

const positiveDuration = z.pipe(durationSchema, z.number().refine((ms) => ms > 0, 'must be more than 0'));

export const infraConfigSchema = z.strictObject({
  /** Prefix of the CloudFormation stack names: `<stackName>-<region>` and `<stackName>-forwarder-<region>`. */
  stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,80}$/, 'letters, digits and "-", starting with a letter').default('GuardDutyNotifier'),
  /** The AWS account to deploy to; default: the account of the credentials `cdk` runs with (CDK_DEFAULT_ACCOUNT). */
  account: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id').optional(),
  regions: z.strictObject({
    /** Where the notifier lives: queue, function, table, secrets, alarms. */
    home: regionSchema,
    /** Regions whose findings are forwarded to the home region's default event bus by a light forwarder stack. */
    forward: z.array(regionSchema).default([]),
    /** Regions that get a notifier of their own (own queue, function, table), e.g. for data residency. */
    independent: z.array(regionSchema).default([]),
  }),
  sources: z
    .strictObject({
      /** The rule on `source: aws.guardduty`, `detail-type: GuardDuty Finding`. */
      guardDuty: z.boolean().default(true),
      /** A second rule on `Security Hub Findings - Imported` events whose product is GuardDuty. */
      securityHub: z.boolean().default(false),
      /** A rule on the new Security Hub's `Findings Imported V2` events (OCSF) of the products in securityHubV2Products. */
      securityHubV2: z.boolean().default(false),
      /** `metadata.product.name` values the V2 rule takes; GuardDuty only by default (Inspector, Macie, Security Hub, …). */
      securityHubV2Products: z.array(z.string().min(1)).min(1, 'name at least one product').default(['GuardDuty']),
      /** A rule on `GuardDuty Malware Protection Object Scan Result` events (Malware Protection for S3). */
      malwareScanResults: z.boolean().default(false),
      /**
       * A rule on GuardDuty's detector health events (Runtime Monitoring coverage, Malware Protection plan status,
       * post-scan action failures), read as notices of types `Health:*` (docs/finding-shapes.md).
       */
      health: z.boolean().default(false),
    })
    .default({ guardDuty: true, securityHub: false, securityHubV2: false, securityHubV2Products: ['GuardDuty'], malwareScanResults: false, health: false }),
  /** Findings below this severity are dropped: by the EventBridge pattern (unless filterInPattern is false) and by the function. */
  minSeverity: z.number().min(0).max(10).default(4),
  /** Put minSeverity into the event pattern too, so low findings never reach the queue (cheaper, quieter). */
  filterInPattern: z.boolean().default(true),
  accounts: z.record(z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'), z.string().min(1)).default({}),
  organizations: z
    .strictObject({
      enabled: z.boolean().default(false),
      cacheTtl: z.optional(durationSchema),
      timeout: z.optional(durationSchema),
      /**
       * A role to call DescribeAccount with: in the management account, or an Organizations delegated administrator.
       * The function gets sts:AssumeRole on it; the role must trust the function's role and allow DescribeAccount.
       */
      assumeRole: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'expected an IAM role ARN').optional(),
      /** With both ids, organizations:DescribeAccount is scoped to this organization's accounts instead of `*`. */
      managementAccountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id').optional(),
      organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'expected an organization id like o-a1b2c3d4e5').optional(),
    })
    .default({ enabled: false }),
  destinations: z.array(infraDestinationSchema).min(1, 'at least one destination is needed'),
  routes: z.array(routeSchema).default([]),
  defaultRoute: z.strictObject({ to: z.array(z.string().min(1)).min(1), repeatAfter: z.optional(durationSchema) }).optional(),
  dropSamples: z.boolean().default(false),
  mutes: z.array(muteConfigSchema).default([]),
  digest: z
    .strictObject({
      threshold: z.number().int().min(1).optional(),
      top: z.number().int().min(1).max(20).optional(),
    })
    .optional(),
  state: z
    .strictObject({
      /** How long the function keeps a finding's ledger row after it was last seen (DynamoDB TTL does the deleting). */
      ttl: positiveDuration.default(90 * 86_400_000),
      /** DynamoDB deletion protection; also keeps the table when the stack is deleted. Turn off to tear down fully. */
      deletionProtection: z.boolean().default(true),
    })
    .default({ ttl: 90 * 86_400_000, deletionProtection: true }),
  lambda: z
    .strictObject({
      /** Function timeout; the queue's visibility timeout is 6 × this + the batch window (AWS's guidance). */
      timeout: positiveDuration.default(60_000),
      memorySize: z.number().int().min(128).max(10_240).default(512),
      /**
       * Reserved concurrency, also the event source's maximum concurrency (so SQS never hits a throttle). Slack takes
       * about 1 message per second per webhook: each concurrent function has its own limiter, so keep this small.
       * 2 is the smallest maximum concurrency an SQS event source accepts.
       */
      concurrency: z.number().int().min(2, 'an SQS event source needs a maximum concurrency of at least 2').max(50).default(2),
      /** Messages per invocation (SQS allows up to 10 000 with a batch window). */
      batchSize: z.number().int().min(1).max(10_000).default(100),
      /** How long SQS gathers messages before invoking: a burst becomes one batch, hence one digest. Max 5m. */
      batchWindow: z._default(z.pipe(durationSchema, z.number().refine((ms) => ms <= 300_000, 'at most 5m')), 10_000),
      logRetentionDays: z.number().int().min(1).default(30),
      logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    })
    .default({ timeout: 60_000, memorySize: 512, concurrency: 2, batchSize: 100, batchWindow: 10_000, logRetentionDays: 30, logLevel: 'INFO' }),
  alarms: z
    .strictObject({
      /** Who gets the alarm e-mails (SNS e-mail subscription; confirm the e-mail AWS sends after deploy). */
      email: z.string().email().optional(),
      /** Alarm when the oldest message in the queue is older than this. */
      maxMessageAge: positiveDuration.default(900_000),
      /** Encrypt the alarm topic with a customer managed KMS key (about $1 a month per region). */
      encryptTopic: z.boolean().default(false),
    })
    .default({ maxMessageAge: 900_000, encryptTopic: false }),
  /**
   * Blocking attackers (docs/blocking.md): the notifier's `respond:` section; a network-firewall target may
   * say `create: true` instead of `ruleGroupArn` to have the stack create the rule group (infra/lib/respond-config.ts).
   */
  respond: infraRespondSchema.optional(),
  /**
   * Acting from Slack (docs/slack-actions.md): the Slack app's secrets and who may do what; the stack adds the
   * Slack actions function and its Function URL (infra/lib/interact-config.ts, infra/lib/slack-actions.ts).
   */
  interact: infraInteractSchema.optional(),
  /** Tags put on every resource. */
  tags: z.record(z.string(), z.string()).default({}),
});

export type InfraConfig = z.infer<typeof infraConfigSchema>;
export type InfraConfigInput = z.input<typeof infraConfigSchema>;

/** Secret values look like this; they belong in Secrets Manager, never in the config file or the template. */
const SECRET_VALUE = /https:\/\/hooks\.slack\.com\/(services|workflows|triggers)\/|\bxox[abpre]-[A-Za-z0-9-]+/;

const SECRET_IN_FILE = {
  path: '(file)',
  message: 'contains a Slack webhook URL or token: put it in Secrets Manager and name the secret in destinations[].secret',
};

/** Checks across keys of a well-shaped config: regions unique, secrets creatable, sources that can deliver. */
function checkInfraConfig(config: InfraConfig): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const seen = new Map<string, string>([[config.regions.home, 'regions.home']]);
  for (const key of ['forward', 'independent'] as const) {
    config.regions[key].forEach((region, i) => {
      const where = seen.get(region);
      if (where) problems.push({ path: `regions.${key}[${i}]`, message: `${region} is already in ${where}: each region gets exactly one stack` });
      else seen.set(region, `regions.${key}[${i}]`);
    });
  }
  config.destinations.forEach((d, i) => {
    if ((d.type === 'slack-webhook' || d.type === 'slack-api' || d.type === 'teams-workflow' || d.type === 'pagerduty') && d.createSecret && d.secret.startsWith('arn:')) {
      problems.push({ path: `destinations[${i}].secret`, message: 'createSecret needs a secret name, not an ARN' });
    }
  });
  problems.push(...checkInfraRespond(config.respond));
  problems.push(...checkInfraInteract(config.interact));
  if (!config.sources.guardDuty && !config.sources.securityHub && !config.sources.securityHubV2 && !config.sources.malwareScanResults && !config.sources.health) {
    problems.push({ path: 'sources', message: 'enable at least one of guardDuty, securityHub, securityHubV2, malwareScanResults, health' });
  }
  if (config.sources.health && config.minSeverity > 4) {
    problems.push({
      path: 'sources.health',
      message: `health notices are Medium (4) when coverage drops: with minSeverity ${config.minSeverity} none would be sent; lower minSeverity or turn the rule off`,
    });
  }
  if (config.sources.malwareScanResults && config.minSeverity > 7) {
    problems.push({
      path: 'sources.malwareScanResults',
      message: `scan results are High (7) at most: with minSeverity ${config.minSeverity} none would be sent; lower minSeverity or turn the rule off`,
    });
  }
  return problems;
}

/**
 * Validates a parsed document in one pass, `source` naming it in errors: every problem is listed, each with its path,
 * the shape's and the references' together (a route naming an unknown destination is reported even while another key
 * has the wrong shape), then the notifier's own checks on the config the function will get.
 */
export function parseInfraConfig(document: unknown, source: string): InfraConfig {
  const result = infraConfigSchema.safeParse(document ?? {});
  const problems: Array<{ path: string; message: string }> = result.success
    ? []
    : result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: describeIssue(issue, document) }));
  // What can be checked on the raw document runs whatever its shape.
  problems.push(...checkReferences(document), ...checkRespondReferences(document));
  if (SECRET_VALUE.test(JSON.stringify(document ?? null))) problems.push(SECRET_IN_FILE);
  if (result.success) {
    problems.push(...checkInfraConfig(result.data));
    // The notifier's own checks (routes name known destinations, ...) run on the config the function will get.
    try {
      parseConfig(toAppConfig(result.data), source);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (unique.length > 0 || !result.success) throw new ConfigError(source, unique);
  return result.data;
}

export function parseInfraConfigText(text: string, source: string): InfraConfig {
  const doc = parseYamlDocument(text, source);
  if (!isMap(doc.contents)) throw new ConfigError(source, [{ path: '(top level)', message: 'expected a mapping (regions, destinations, ...)' }]);
  return parseInfraConfig(doc.toJS(), source);
}

export function loadInfraConfig(path: string): InfraConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [
      { path: '(file)', message: code === 'ENOENT' ? 'no such file (copy infra/config.example.yaml to infra/config.yaml and edit it)' : `cannot read (${code ?? String(error)})` },
    ]);
  }
  return parseInfraConfigText(text, path);
}

/**
 * The notifier config the function gets as GDN_CONFIG (src/config/schema.ts). Secrets are referenced by name or ARN
 * (`{ secretArn }`), never by value; `state` is left out: the function sets it from STATE_TABLE.
 */
export function toAppConfig(config: InfraConfig, options: { ruleGroupArn?: (group: RuleGroupToCreate) => string } = {}): ConfigInput {
  // A rule group the stack creates: its ARN token in the stack; for validation, an ARN of the same shape.
  const ruleGroupArn =
    options.ruleGroupArn ?? ((group: RuleGroupToCreate) => `arn:aws:network-firewall:${config.regions.home}:${config.account ?? '000000000000'}:stateless-rulegroup/${group.name}`);
  const destinations: ConfigInput['destinations'] = config.destinations.map((d) => {
    const base = { name: d.name, ...(d.minSeverity !== undefined && { minSeverity: d.minSeverity }), ...(d.rate && { rate: d.rate }) };
    switch (d.type) {
      case 'slack-webhook':
        return { ...base, type: 'slack-webhook' as const, url: { secretArn: d.secret, ...(d.secretKey && { key: d.secretKey }) } };
      case 'teams-workflow':
        return { ...base, type: 'teams-workflow' as const, url: { secretArn: d.secret, ...(d.secretKey && { key: d.secretKey }) } };
      case 'slack-api':
        return { ...base, type: 'slack-api' as const, channel: d.channel, token: { secretArn: d.secret, ...(d.secretKey && { key: d.secretKey }) } };
      case 'pagerduty':
        return {
          ...base,
          type: 'pagerduty' as const,
          routingKey: { secretArn: d.secret, ...(d.secretKey && { key: d.secretKey }) },
          ...(d.webhookSecret !== undefined && { webhookSecret: { secretArn: d.webhookSecret } }),
          ...(d.apiUrl !== undefined && { apiUrl: d.apiUrl }),
          ...(d.severities !== undefined && { severities: d.severities }),
        };
      case 'sns':
        return { ...base, type: 'sns' as const, topicArn: d.topicArn };
    }
  });
  const { enabled, cacheTtl, timeout, assumeRole } = config.organizations;
  return {
    ...(Object.keys(config.accounts).length > 0 && { accounts: config.accounts }),
    ...(enabled && {
      organizations: {
        enabled,
        ...(cacheTtl !== undefined && { cacheTtl: msToDurationText(cacheTtl) }),
        ...(timeout !== undefined && { timeout: msToDurationText(timeout) }),
        ...(assumeRole !== undefined && { assumeRole }),
      },
    }),
    destinations,
    ...(config.routes.length > 0 && { routes: config.routes.map(routeToInput) }),
    ...(config.defaultRoute && {
      defaultRoute: { to: config.defaultRoute.to, ...(config.defaultRoute.repeatAfter !== undefined && { repeatAfter: msToDurationText(config.defaultRoute.repeatAfter) }) },
    }),
    minSeverity: config.minSeverity,
    ...(config.dropSamples && { dropSamples: true }),
    ...(config.mutes.length > 0 && { mutes: config.mutes }),
    ...(config.digest && { digest: config.digest }),
    ...(config.respond && { respond: respondToApp(config.respond, ruleGroupArn, config.stackName) as ConfigInput['respond'] }),
    ...(config.interact && { interact: interactToApp(config.interact) }),
  };
}

/** Routes were parsed once already (durations are milliseconds now); give them back in the input shape. */
function routeToInput(route: z.infer<typeof routeSchema>): NonNullable<ConfigInput['routes']>[number] {
  const { repeatAfter, escalate, ...rest } = route;
  return {
    ...rest,
    match: matchSchema.parse(route.match),
    ...(repeatAfter !== undefined && { repeatAfter: msToDurationText(repeatAfter) }),
    ...(escalate !== undefined && {
      escalate: { ...escalate, after: msToDurationText(escalate.after), ...(escalate.repeat !== undefined && { repeat: msToDurationText(escalate.repeat) }) },
    }),
  };
}

/** `90d` style text for a number of milliseconds, for env vars and descriptions. */
export function msToDurationText(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
