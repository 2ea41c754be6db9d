import { fileURLToPath } from 'node:url';
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, FunctionUrlAuthType, Runtime, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ALARM_PERIOD, type AlarmTopic } from './alarm-topic.js';
import type { InfraConfig } from './config.js';
import type { InfraInteract } from './interact-config.js';
import { TABLE_INDEXES } from './table-keys.js';

/**
 * Acting from Slack in AWS (docs/slack-actions.md), added to the notifier stack when the config has `interact:`:
 *
 *   Slack ─▶ Function URL (auth NONE) ─▶ SlackActionsFunction: verify, authorise, answer 200 ─▶ ActionsQueue
 *   ActionsQueue ─▶ SlackActionsFunction: ArchiveFindings / respond / mutes, chat.update, audit ─▶ (3 tries) ActionsDeadLetterQueue
 *
 * One function, two triggers (src/entry/lambda-actions.ts, src/lambda/actions-handler.ts), the same source tree as the notifier function. Its own
 * function rather than a second handler on the notifier's: the notifier's reserved concurrency is kept small for
 * Slack's webhook rate limit and is spent on finding batches, while a click must be answered within 3 seconds.
 *
 * **The Function URL has auth type NONE, on purpose:** Slack cannot sign requests with SigV4, so an IAM-authenticated
 * URL could never be called by it. The authentication is Slack's own request signature (HMAC-SHA256 with the app's
 * signing secret over the timestamp and the raw body), checked in constant time before anything reads the request,
 * with a 5-minute window and replays refused through the state table. Lambda requires a public resource policy for
 * NONE: CDK adds `lambda:InvokeFunctionUrl` (FunctionUrlAuthType NONE) and, as required for new function URLs since
 * October 2025, `lambda:InvokeFunction` (InvokedViaFunctionUrl) (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html).
 *
 * **A public URL must not starve the account:** the function has a reserved concurrency of its own
 * (`interact.concurrency`, default 5; the job queue takes at most 2 of it), an alarm on its throttles, and answers a
 * request that is not signed 401 before it opens the table or reads any secret but the signing secret
 * (src/lambda/actions-handler.ts).
 */

export const ACTIONS_ENTRY = fileURLToPath(new URL('../../src/entry/lambda-actions.ts', import.meta.url));
/** The path Slack posts to, after the Function URL (which ends in `/`). */
export const SLACK_ACTIONS_URL_PATH = 'slack/actions';
/** What the function may call to archive: `ListDetectors` only for a member's finding (guardduty-archiver.ts). */
export const ARCHIVE_ACTIONS = ['guardduty:ArchiveFindings'] as const;
/** A job that failed this many times goes to the dead-letter queue (its ids make each try idempotent). */
const MAX_JOB_RECEIVES = 3;
/** The worker's budget: a firewall write with its retries, ArchiveFindings, two Slack calls. */
const FUNCTION_TIMEOUT = Duration.seconds(60);
/** Concurrent job batches: 2 is the smallest maximum concurrency an SQS event source accepts (Lambda developer guide, "Configuring maximum concurrency for Amazon SQS event sources"). */
const JOB_CONCURRENCY = 2;

export interface SlackActionsProps {
  config: InfraConfig & { interact: InfraInteract };
  table: Table;
  /** The notifier function's environment (GDN_CONFIG, STATE_TABLE, …): the same config, read the same way. */
  environment: Record<string, string>;
  /** DynamoDB item actions of the store (the notifier's TABLE_ITEM_ACTIONS). */
  tableItemActions: readonly string[];
  /** respond's statements (rule groups, IP sets): Block IP converges the targets right after storing the block. */
  respondStatements: readonly PolicyStatement[];
  alarmTopic: AlarmTopic;
  /** The IAM resource of a secret by name or ARN (notifier-stack.ts secretResourceArn). */
  secretResource: (secret: string) => string;
  /** The require banner and externals the notifier function is bundled with. */
  bundling: { banner: string; externalModules: string[]; projectRoot: string; depsLockFilePath: string };
  logRetention: RetentionDays;
  entry?: string;
}

export class SlackActions extends Construct {
  readonly fn: NodejsFunction;
  readonly url: FunctionUrl;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: SlackActionsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.deadLetterQueue = new Queue(this, 'ActionsDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'ActionsQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A click's job is worth little after Slack's response_url expires (30 minutes); a day leaves room to fix a bug.
      retentionPeriod: Duration.days(1),
      // At least six times the function timeout (Lambda developer guide, "Configuring a queue to use with Lambda").
      visibilityTimeout: Duration.seconds(6 * FUNCTION_TIMEOUT.toSeconds()),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_JOB_RECEIVES },
    });

    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'guardduty-notifier Slack actions function: least privilege, see infra/lib/slack-actions.ts',
    });
    this.role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    this.grantAccess(props);

    this.fn = new NodejsFunction(this, 'Function', {
      description: 'guardduty-notifier: Slack actions (Function URL: verify and answer; actions queue: archive, block, mute, audit)',
      entry: props.entry ?? ACTIONS_ENTRY,
      handler: 'handler',
      projectRoot: props.bundling.projectRoot,
      depsLockFilePath: props.bundling.depsLockFilePath,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: FUNCTION_TIMEOUT,
      // `interact.concurrency` (default 5): a flood on the public URL throttles this function only, never the account.
      reservedConcurrentExecutions: props.config.interact.concurrency,
      role: this.role,
      logGroup,
      environment: { ...props.environment, ACTIONS_QUEUE_URL: this.queue.queueUrl },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        externalModules: props.bundling.externalModules,
        banner: props.bundling.banner,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
      },
    });
    // The fast half puts each click's job here: SendMessage only (the event source mapping has its own receive rights).
    this.role.addToPolicy(new PolicyStatement({ sid: 'QueueJobs', actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    // The jobs take at most JOB_CONCURRENCY of the reservation; the rest answers Slack (within its 3 seconds).
    this.fn.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: JOB_CONCURRENCY }));

    // The signature is the authentication (see above): Slack cannot sign with SigV4.
    this.url = this.fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

    props.alarmTopic.alarm('ActionsDeadLetterQueueNotEmpty', {
      description:
        'A Slack action (archive, block, mute) failed three times and is in the actions dead-letter queue: the clicker was not told the outcome. Read the Slack actions function logs.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
      threshold: 1,
    });
    props.alarmTopic.alarm('SlackActionsFunctionThrottles', {
      description:
        'The Slack actions function was throttled: its reserved concurrency (interact.concurrency) was all in use. Either a flood of requests on its public URL (each unsigned one is answered 401 at once) or more clicks than it holds: raise interact.concurrency if the requests are genuine.',
      metric: this.fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
    });
    props.alarmTopic.alarm('SlackActionsFunctionErrors', {
      description: 'The Slack actions function failed (outside the per-click handling, a timeout or a crash): clicks may go unanswered.',
      metric: this.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
    });

    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is the Lambda runtime this project targets (its bundle is built for node20+ and tested on the Node.js the suite runs on); moving to a newer one is a deliberate upgrade.',
    });

    new CfnOutput(stack, 'SlackActionsUrl', {
      value: Fn.join('', [this.url.url, SLACK_ACTIONS_URL_PATH]),
      description: "Paste into the Slack app: Interactivity & Shortcuts → Request URL (Slack signs every request; the function verifies it)",
    });
    new CfnOutput(stack, 'SlackActionsFunctionName', { value: this.fn.functionName });
    new CfnOutput(stack, 'ActionsDeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl, description: 'Slack actions that failed three times' });
  }

  /** Exactly what the function calls: the store, the two secrets, ArchiveFindings, respond's targets, its queue. */
  private grantAccess(props: SlackActionsProps): void {
    const { config, table } = props;
    const { interact } = config;
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'StateTableItems',
        actions: [...props.tableItemActions],
        resources: [table.tableArn, ...TABLE_INDEXES.map((index) => `${table.tableArn}/index/${index.indexName}`)],
      }),
    );

    const tokenDestination = config.destinations.find((d) => d.type === 'slack-api');
    const secrets: Array<{ id: string; name: string; what: string }> = [{ id: 'SigningSecret', name: interact.signingSecret, what: 'Slack app signing secret' }];
    if (interact.token !== undefined) secrets.push({ id: 'BotToken', name: interact.token, what: 'Slack bot token' });
    const resources: string[] = [];
    for (const secret of secrets) {
      if (interact.createSecrets) {
        const created = new Secret(this, secret.id, {
          secretName: secret.name,
          description: `guardduty-notifier ${secret.what} (Slack actions): put the value in with aws secretsmanager put-secret-value`,
          removalPolicy: RemovalPolicy.RETAIN,
        });
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-SMG4',
          reason: 'Slack issues the signing secret and the bot token; no rotation function can mint new ones. Rotate them in Slack and put the new value in the secret.',
        });
      }
      resources.push(props.secretResource(secret.name));
    }
    // Without interact.token the bot token is the slack-api destination's (chat.update, thread lines, user groups).
    if (interact.token === undefined && tokenDestination !== undefined && tokenDestination.type === 'slack-api') resources.push(props.secretResource(tokenDestination.secret));
    // PagerDuty's V3 webhook arrives on this Function URL (POST /pagerduty/webhook): its signing secrets, and the
    // routing keys the acknowledgement gate queues `acknowledge` with (sent by the notifier function's drain).
    for (const d of config.destinations) {
      if (d.type === 'pagerduty' && d.webhookSecret !== undefined) {
        if (d.createSecret && !d.webhookSecret.startsWith('arn:')) {
          const created = new Secret(this, `PagerDutyWebhookSecret-${d.name}`, {
            secretName: d.webhookSecret,
            description: `guardduty-notifier PagerDuty V3 webhook signing secret for destination "${d.name}": put the value in with aws secretsmanager put-secret-value`,
            removalPolicy: RemovalPolicy.RETAIN,
          });
          Validations.of(created).acknowledge({
            id: 'AwsSolutions-SMG4',
            reason: 'PagerDuty issues the webhook signing secret; no rotation function can mint one. Rotate it in PagerDuty and put the new value in the secret.',
          });
        }
        resources.push(props.secretResource(d.webhookSecret));
      }
    }
    this.role.addToPolicy(new PolicyStatement({ sid: 'ReadSlackSecrets', actions: ['secretsmanager:GetSecretValue'], resources: [...new Set(resources)] }));
    const keys = new Set<string>();
    if (interact.secretKmsKeyArn !== undefined) keys.add(interact.secretKmsKeyArn);
    if (interact.token === undefined && tokenDestination?.type === 'slack-api' && tokenDestination.secretKmsKeyArn !== undefined) keys.add(tokenDestination.secretKmsKeyArn);
    if (keys.size > 0) {
      this.role.addToPolicy(
        new PolicyStatement({
          sid: 'DecryptSlackSecrets',
          actions: ['kms:Decrypt'],
          resources: [...keys],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
        }),
      );
    }

    // ArchiveFindings in the finding's own region (a delegated administrator sees every region's findings), on this
    // account's detectors. ListDetectors names no detector: `*`, as the daemon's policy has it (deploy/iam-policy.json).
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'ArchiveFindings',
        actions: [...ARCHIVE_ACTIONS],
        resources: [`arn:${Aws.PARTITION}:guardduty:*:${Aws.ACCOUNT_ID}:detector/*`],
      }),
    );
    this.role.addToPolicy(new PolicyStatement({ sid: 'FindOwnDetector', actions: ['guardduty:ListDetectors'], resources: ['*'] }));
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:guardduty:*:<AWS::AccountId>:detector/*]',
      reason: "Archive is called in the finding's own region on this account's detector, whichever region and detector the finding names.",
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'guardduty:ListDetectors supports no resource-level permission; it only reads which detector this account has in a region.',
    });
    for (const statement of props.respondStatements) this.role.addToPolicy(statement);
  }
}
