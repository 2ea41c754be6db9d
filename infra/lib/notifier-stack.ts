import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Arn, ArnFormat, Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALARM_PERIOD, AlarmTopic } from './alarm-topic.js';
import type { InfraConfig } from './config.js';
import { FindingRules } from './finding-rules.js';
import { buildFunctionEnvironment, METRICS_NAMESPACE, SERVICE_NAME } from './function-environment.js';
import { TABLE_INDEXES, TABLE_KEYS } from './table-keys.js';
import { RespondResources } from './respond-resources.js';
import { SlackActions } from './slack-actions.js';

/** The repository root (infra/lib/ → ../../), where package-lock.json and src/ are. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_ENTRY = fileURLToPath(new URL('../../src/entry/lambda.ts', import.meta.url));

/**
 * Runs `import { createRequire } from 'node:module'` ahead of the bundle, so CommonJS dependencies bundled into an
 * ES module can still `require()` Node's built-ins (esbuild's `__require` shim looks for a global `require`).
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __gdnCreateRequire } from 'node:module'; const require = __gdnCreateRequire(import.meta.url);";

/**
 * The DynamoDB item actions the store (src/state/dynamodb-store.ts) calls; nothing on the table's configuration,
 * streams or backups. infra/test/bundle-wiring.test.ts checks this against the commands the bundle imports.
 */
export const TABLE_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

export interface NotifierStackProps extends StackProps {
  config: InfraConfig;
  /** The handler source; default src/entry/lambda.ts. */
  entry?: string;
}

/**
 * One region's notifier: EventBridge rule(s) → SQS queue (+ DLQ) → the notifier function → Slack / SNS, state in
 * DynamoDB, Slack credentials in Secrets Manager, alarms to an SNS topic.
 */
/** What each destination type keeps in its secret (the created secret's description says it). */
const SECRET_WHAT = {
  'slack-webhook': 'Slack webhook URL',
  'slack-api': 'Slack bot token',
  'teams-workflow': 'Teams Workflows URL (its sig parameter is a key)',
  pagerduty: 'PagerDuty Events API v2 routing key',
} as const;

export class NotifierStack extends Stack {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly table: Table;
  readonly fn: NodejsFunction;
  readonly alarmTopic: AlarmTopic;
  readonly rules: FindingRules;
  /** The Slack actions function, its Function URL and queue (with `interact:`). */
  readonly slackActions?: SlackActions;

  constructor(scope: Construct, id: string, props: NotifierStackProps) {
    super(scope, id, props);
    const { config } = props;
    const entry = props.entry ?? DEFAULT_ENTRY;
    if (!existsSync(entry)) {
      throw new Error(`The Lambda handler ${entry} does not exist: the stack bundles it with esbuild at synth time.`);
    }

    // --- State --------------------------------------------------------------------------------------------------
    this.table = new Table(this, 'StateTable', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // The function writes the expiry; DynamoDB's TTL deletes the rows (the code never calls UpdateTimeToLive).
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.state.deletionProtection,
      removalPolicy: config.state.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of TABLE_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType[index.projection],
      });
    }

    // --- Queue ----------------------------------------------------------------------------------------------------
    const timeout = Duration.millis(config.lambda.timeout);
    const batchWindow = Duration.millis(config.lambda.batchWindow);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14), // the SQS maximum
    });
    this.queue = new Queue(this, 'FindingsQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // AWS: set the visibility timeout to at least six times the function timeout, plus the batch window
      // (Lambda developer guide, "Configuring a queue to use with Lambda").
      visibilityTimeout: Duration.seconds(6 * timeout.toSeconds() + Math.ceil(batchWindow.toSeconds({ integral: false }))),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    // --- Rules: only these may send to the queue --------------------------------------------------------------------
    // SqsQueue adds one queue-policy statement per rule: events.amazonaws.com may SendMessage if aws:SourceArn is
    // that rule. Events EventBridge cannot deliver go to the DLQ as well, so nothing is dropped silently.
    this.rules = new FindingRules(this, 'Rules', {
      config,
      purpose: 'to the guardduty-notifier queue',
      target: () => new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) }),
    });

    // --- Function -----------------------------------------------------------------------------------------------------
    const logGroup = new LogGroup(this, 'FunctionLogs', {
      retention: retentionDays(config.lambda.logRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'guardduty-notifier function: least privilege, see infra/lib/notifier-stack.ts',
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on *): write to this one log group only.
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));

    // respond: the rule groups the stack creates (their ARNs go into GDN_CONFIG) and the targets the function writes.
    const respond = new RespondResources(this, 'Respond', { config });
    const environment = buildFunctionEnvironment(config, this.table.tableName, { ruleGroupArn: respond.arnOf });
    this.fn = new NodejsFunction(this, 'NotifierFunction', {
      description: 'guardduty-notifier: GuardDuty findings from SQS to Slack / SNS',
      entry,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: config.lambda.memorySize,
      timeout,
      // Small on purpose: each concurrent instance has its own per-webhook rate limiter, and Slack allows about one
      // message per second per webhook (Slack API docs, "Rate limits": incoming webhooks).
      reservedConcurrentExecutions: config.lambda.concurrency,
      role,
      logGroup,
      environment,
      bundling: {
        // Offline and fast: the esbuild devDependency, never Docker.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        // The nodejs22.x runtime ships AWS SDK v3 (and its @smithy packages). The SQLite store (the daemon's) is only
        // ever imported dynamically and never in Lambda: keeping the module itself external keeps its static
        // `import 'better-sqlite3'` (native, not in the bundle) from being hoisted into the bundle's top level,
        // where it would fail the cold start. scripts/build-lambda.mjs does the same with a plugin.
        externalModules: ['@aws-sdk/*', '@smithy/*', 'better-sqlite3', '*/sqlite-store.js'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
      },
    });
    this.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: config.lambda.batchSize,
        // A burst (one "Generate sample findings" press is hundreds) lands in one batch and becomes a digest.
        maxBatchingWindow: batchWindow,
        reportBatchItemFailures: true,
        // Equal to the reserved concurrency, so the poller never invokes into a throttle (which would count
        // against maxReceiveCount and push good messages into the DLQ).
        maxConcurrency: config.lambda.concurrency,
      }),
    );

    // Messages committed while Slack was unreachable wait in the outbox; this drain delivers them even when no new
    // finding (and so no SQS batch) arrives. The handler only drains on a Scheduled Event.
    new Rule(this, 'OutboxDrainSchedule', {
      description: config.respond
        ? 'Drains the guardduty-notifier outbox (messages kept while Slack or SNS was unreachable), ends expired blocks and converges the respond targets.'
        : 'Drains the guardduty-notifier outbox (messages kept while Slack or SNS was unreachable).',
      // Every minute when a route escalates: an escalation then leaves at most a minute after its deadline.
      schedule: Schedule.rate(Duration.minutes(config.routes.some((r) => r.escalate !== undefined) ? 1 : 5)),
      targets: [new LambdaFunction(this.fn, { retryAttempts: 0 })],
    });

    this.grantFunctionAccess(role, config);
    // Exactly the targets it converges: DescribeRuleGroup/UpdateRuleGroup, GetIPSet/UpdateIPSet on those ARNs.
    for (const statement of respond.statements()) role.addToPolicy(statement);

    // --- Alarms -----------------------------------------------------------------------------------------------------
    this.alarmTopic = new AlarmTopic(this, 'Alarms', { alarms: config.alarms });
    this.alarmTopic.alarm('DeadLetterQueueNotEmpty', {
      description:
        'Findings the notifier could not process (5 attempts) or EventBridge could not deliver are in the dead-letter queue. Read the function logs, fix, then redrive the DLQ.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
      threshold: 1,
    });
    this.alarmTopic.alarm('OldestMessageAge', {
      description: `A finding has waited more than ${Math.round(config.alarms.maxMessageAge / 1000)} s in the queue: the function is failing, throttled or too slow.`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period: ALARM_PERIOD, statistic: 'Maximum' }),
      threshold: Math.round(config.alarms.maxMessageAge / 1000),
      evaluationPeriods: 3,
    });
    this.alarmTopic.alarm('FunctionErrors', {
      description: 'The notifier function failed (an error outside the per-message handling, a timeout or a crash).',
      metric: this.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
    });
    this.alarmTopic.alarm('FunctionThrottles', {
      description: 'The notifier function was throttled: its reserved concurrency is below what the event source asks for.',
      metric: this.fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
    });
    this.alarmTopic.alarm('OutboxBacklog', {
      description:
        'A message has waited more than 15 minutes in the outbox: Slack or SNS has been unreachable or rate-limiting that long. Nothing is lost; it is sent when the destination answers again.',
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'OutboxOldestPendingAge',
        dimensionsMap: { service: SERVICE_NAME },
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 900,
    });
    this.alarmTopic.alarm('OutboxFailures', {
      description: 'Messages failed permanently (invalid_payload, channel_not_found, revoked token, ...) and were kept in the outbox. See the function logs.',
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'OutboxFailures',
        // Powertools Metrics adds the `service` dimension to every metric it emits.
        dimensionsMap: { service: SERVICE_NAME },
        period: Duration.minutes(5),
        statistic: 'Sum',
      }),
      threshold: 1,
    });
    if (config.destinations.some((d) => d.type === 'pagerduty')) {
      this.alarmTopic.alarm('PagerDutySendFailures', {
        description:
          'A PagerDuty event could not be sent (400: refused, kept as failed with PagerDuty\'s errors; 429 or 5xx: kept and retried). A page may be late or missing: check the routing key and `guardduty-notifier status`.',
        metric: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'PagerDutySendFailures',
          dimensionsMap: { service: SERVICE_NAME },
          period: Duration.minutes(5),
          statistic: 'Sum',
        }),
        threshold: 1,
      });
    }
    if (config.respond) {
      this.alarmTopic.alarm('BlockWriteFailures', {
        description:
          'A respond target (Network Firewall rule group, WAF IP set) could not be read or written: blocks decided are not in force. ' +
          'The function logs and a Slack message say what to do (permissions, capacity, the ARN); the 5-minute sync retries on its own.',
        metric: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'BlockWriteFailures',
          dimensionsMap: { service: SERVICE_NAME },
          period: Duration.minutes(5),
          statistic: 'Sum',
        }),
        threshold: 1,
      });
    }
    this.alarmTopic.ruleFailureAlarms(this.rules.rules, (n) => `EventBridge could not deliver findings from rule ${n} to the queue (they are in the DLQ).`);

    // --- Slack actions (interact:): the Function URL Slack posts clicks to, its queue and function -------------------
    const { interact } = config;
    if (interact) {
      this.slackActions = new SlackActions(this, 'SlackActions', {
        config: { ...config, interact },
        table: this.table,
        environment,
        tableItemActions: TABLE_ITEM_ACTIONS,
        respondStatements: respond.statements(),
        alarmTopic: this.alarmTopic,
        secretResource: (secret) => secretResourceArn(this, secret),
        bundling: {
          banner: ESM_REQUIRE_BANNER,
          externalModules: ['@aws-sdk/*', '@smithy/*', 'better-sqlite3', '*/sqlite-store.js'],
          projectRoot: REPO_ROOT,
          depsLockFilePath: `${REPO_ROOT}package-lock.json`,
        },
        logRetention: retentionDays(config.lambda.logRetentionDays),
      });
    }

    // --- cdk-nag acknowledgements for choices the issue fixes --------------------------------------------------------
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is the Lambda runtime this project targets (its bundle is built for node20+ and tested on the Node.js the suite runs on); moving to a newer one is a deliberate upgrade.',
    });

    new CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl, description: 'Findings queue' });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl, description: 'Dead-letter queue (redrive from here)' });
    new CfnOutput(this, 'DeadLetterQueueArn', { value: this.deadLetterQueue.queueArn });
    new CfnOutput(this, 'FindingsQueueArn', { value: this.queue.queueArn });
    new CfnOutput(this, 'FunctionName', { value: this.fn.functionName });
    new CfnOutput(this, 'LogGroupName', { value: logGroup.logGroupName });
    new CfnOutput(this, 'StateTableName', { value: this.table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topic.topicArn });
  }

  /** Least privilege: exactly the calls the function makes, on exactly the resources it makes them on. */
  private grantFunctionAccess(role: Role, config: InfraConfig): void {
    role.addToPolicy(
      new PolicyStatement({
        sid: 'StateTableItems',
        actions: [...TABLE_ITEM_ACTIONS],
        // The table and each of its indexes by name (Query on the outbox index), not `index/*`.
        resources: [this.table.tableArn, ...TABLE_INDEXES.map((index) => `${this.table.tableArn}/index/${index.indexName}`)],
      }),
    );

    const secretArns: string[] = [];
    const secretKeys = new Set<string>();
    config.destinations.forEach((destination) => {
      if (destination.type === 'sns') return;
      if (destination.createSecret) {
        // The construct id predates Teams; it stays, so that existing Slack secrets are not replaced.
        const secret = new Secret(this, `SlackSecret-${destination.name}`, {
          secretName: destination.secret,
          description: `guardduty-notifier ${SECRET_WHAT[destination.type]} for destination "${destination.name}": put the value in with aws secretsmanager put-secret-value`,
          removalPolicy: RemovalPolicy.RETAIN,
        });
        Validations.of(secret).acknowledge({
          id: 'AwsSolutions-SMG4',
          reason: 'Slack issues webhook URLs and bot tokens, Teams Workflows their trigger URLs; no rotation function can mint new ones. Rotate them there and put the new value in the secret.',
        });
        secretArns.push(secret.secretArn);
      } else {
        secretArns.push(secretResourceArn(this, destination.secret));
      }
      if (destination.secretKmsKeyArn) secretKeys.add(destination.secretKmsKeyArn);
    });
    if (secretArns.length > 0) {
      role.addToPolicy(new PolicyStatement({ sid: 'ReadSlackSecrets', actions: ['secretsmanager:GetSecretValue'], resources: [...new Set(secretArns)] }));
    }
    if (secretKeys.size > 0) {
      role.addToPolicy(
        new PolicyStatement({
          sid: 'DecryptSlackSecrets',
          actions: ['kms:Decrypt'],
          resources: [...secretKeys],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
        }),
      );
    }

    const topics = config.destinations.flatMap((d) => (d.type === 'sns' ? [d] : []));
    if (topics.length > 0) {
      role.addToPolicy(new PolicyStatement({ sid: 'PublishToTopics', actions: ['sns:Publish'], resources: [...new Set(topics.map((t) => t.topicArn))] }));
      const topicKeys = [...new Set(topics.flatMap((t) => (t.kmsKeyArn ? [t.kmsKeyArn] : [])))];
      if (topicKeys.length > 0) {
        role.addToPolicy(new PolicyStatement({ sid: 'EncryptForTopics', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: topicKeys }));
      }
    }

    if (config.organizations.enabled) {
      const { managementAccountId, organizationId, assumeRole } = config.organizations;
      if (assumeRole) {
        // DescribeAccount is called with the assumed role (in the management account or an Organizations delegated
        // administrator); the function itself only needs to assume it.
        role.addToPolicy(new PolicyStatement({ sid: 'AssumeAccountNamesRole', actions: ['sts:AssumeRole'], resources: [assumeRole] }));
      } else if (managementAccountId && organizationId) {
        role.addToPolicy(
          new PolicyStatement({
            sid: 'AccountNames',
            actions: ['organizations:DescribeAccount'],
            // An account's ARN: arn:aws:organizations::<management account>:account/<org id>/<account id>.
            resources: [`arn:${Aws.PARTITION}:organizations::${managementAccountId}:account/${organizationId}/*`],
          }),
        );
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::${managementAccountId}:account/${organizationId}/*]`,
          reason: 'Any account of this one organization: the function names whichever member account a finding comes from.',
        });
      } else {
        // organizations:DescribeAccount accepts an account ARN, but that ARN holds the management account id and the
        // organization id, which the config does not give; without them AWS offers no narrower resource than `*`.
        role.addToPolicy(new PolicyStatement({ sid: 'AccountNames', actions: ['organizations:DescribeAccount'], resources: ['*'] }));
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'organizations:DescribeAccount, read-only, for account names. Scoping it needs organizations.managementAccountId and organizations.organizationId in the config; with them the resource is the organization\'s account ARNs.',
        });
      }
    }
  }
}

/**
 * The IAM resource for a secret referenced by name or ARN. A full ARN is used as is. A name is matched with
 * `<name>-??????`: Secrets Manager appends six random characters to every secret's ARN, and `?` matches exactly
 * one character, so this matches that secret and not `<name>-more` (Secrets Manager user guide, "Secret ARN").
 */
export function secretResourceArn(stack: Stack, secret: string): string {
  if (secret.startsWith('arn:')) return secret;
  return Arn.format({ service: 'secretsmanager', resource: 'secret', resourceName: `${secret}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack);
}

/** CloudWatch Logs accepts a fixed set of retention periods: the smallest one that keeps logs at least `days`. */
function retentionDays(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays)
    .filter((v): v is RetentionDays => typeof v === 'number' && v !== RetentionDays.INFINITE)
    .sort((a, b) => a - b);
  return allowed.find((v) => v >= days) ?? RetentionDays.TEN_YEARS;
}
