import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_INDEX, TABLE_KEYS } from '../lib/table-keys.js';
import { exampleConfig, synth, testConfig, type Synthesized } from './support/synth.js';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

function onlyResource(template: Template, type: string): { id: string; props: Record<string, unknown> } {
  // Finding rules only: the outbox drain schedule is a rule too, without an event pattern.
  const found = Object.entries(resourcesOf(template, type)).filter(
    ([, r]) => type !== 'AWS::Events::Rule' || r.Properties?.ScheduleExpression === undefined,
  );
  expect(found, `one ${type}`).toHaveLength(1);
  const [id, resource] = found[0]!;
  return { id, props: resource.Properties ?? {} };
}

function statementsOf(template: Template): Array<Record<string, unknown>> {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap(
    (p) => ((p.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement),
  );
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

let example: Synthesized;
let home: Template;

beforeAll(() => {
  example = synth(exampleConfig());
  home = example.home;
});

describe('the EventBridge rule', () => {
  it('matches GuardDuty findings at or above the minimum severity', () => {
    home.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.guardduty'],
        'detail-type': ['GuardDuty Finding'],
        detail: { severity: [{ numeric: ['>=', 4] }] },
      },
      State: 'ENABLED',
    });
  });

  it('drains the outbox on a schedule, invoking the function without retries', () => {
    const { home: t } = synth(testConfig({}));
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
  });

  it('leaves severity out of the pattern when filterInPattern is false', () => {
    const { home: t } = synth(testConfig({ filterInPattern: false }));
    const rule = onlyResource(t, 'AWS::Events::Rule');
    expect(rule.props.EventPattern).toEqual({ source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] });
  });

  it('adds a Security Hub rule for GuardDuty findings imported by Security Hub when asked', () => {
    const { home: t } = synth(testConfig({ sources: { guardDuty: true, securityHub: true }, minSeverity: 7 }));
    t.resourceCountIs('AWS::Events::Rule', 3); // GuardDuty, Security Hub, and the outbox drain schedule
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.securityhub'],
        'detail-type': ['Security Hub Findings - Imported'],
        detail: { findings: { ProductName: ['GuardDuty'], Severity: { Label: ['HIGH', 'CRITICAL'] } } },
      },
    });
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ detail: { severity: [{ numeric: ['>=', 7] }] } }) });
    // Both rules may send to the queue, each only as itself.
    const queuePolicy = Object.values(resourcesOf(t, 'AWS::SQS::QueuePolicy')).find((p) =>
      JSON.stringify(p.Properties?.Queues).includes('FindingsQueue'),
    );
    const allows = ((queuePolicy?.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement).filter((s) => s.Effect === 'Allow');
    expect(allows.map((s) => JSON.stringify(s.Condition))).toEqual([
      expect.stringContaining('RulesGuardDutyFindings'),
      expect.stringContaining('RulesSecurityHubGuardDutyFindings'),
    ]);
  });

  it('targets the findings queue, with the DLQ for events it cannot deliver', () => {
    const rule = onlyResource(home, 'AWS::Events::Rule');
    const queue = onlyQueueWithRedrive(home);
    expect(rule.props.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [queue.id, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue.dlqId, 'Arn'] } },
      }),
    ]);
  });
});

function onlyQueueWithRedrive(t: Template): { id: string; dlqId: string; props: Record<string, unknown> } {
  const queues = Object.entries(resourcesOf(t, 'AWS::SQS::Queue'));
  const withRedrive = queues.filter(([, q]) => q.Properties?.RedrivePolicy);
  expect(withRedrive).toHaveLength(1);
  const [id, queue] = withRedrive[0]!;
  const redrive = queue.Properties?.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': [string, string] } };
  return { id, dlqId: redrive.deadLetterTargetArn['Fn::GetAtt'][0], props: queue.Properties ?? {} };
}

describe('the queue', () => {
  it('is encrypted, and redrives to a 14-day DLQ after 5 receives', () => {
    home.resourceCountIs('AWS::SQS::Queue', 2);
    const queue = onlyQueueWithRedrive(home);
    expect(queue.props).toMatchObject({ SqsManagedSseEnabled: true, RedrivePolicy: { maxReceiveCount: 5 } });
    const dlq = resourcesOf(home, 'AWS::SQS::Queue')[queue.dlqId];
    expect(dlq?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
  });

  it('has a visibility timeout of at least 6 × the function timeout', () => {
    const fn = onlyResource(home, 'AWS::Lambda::Function');
    const queue = onlyQueueWithRedrive(home);
    expect(queue.props.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (fn.props.Timeout as number));
  });

  it('lets only the rule send to it, and only over TLS', () => {
    const queue = onlyQueueWithRedrive(home);
    const rule = onlyResource(home, 'AWS::Events::Rule');
    const policy = Object.values(resourcesOf(home, 'AWS::SQS::QueuePolicy')).find((p) => JSON.stringify(p.Properties?.Queues) === JSON.stringify([{ Ref: queue.id }]));
    const statements = (policy?.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule.id, 'Arn'] } } },
      }),
    ]);
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });
});

describe('the function', () => {
  it('runs nodejs22.x on arm64 with a small reserved concurrency and a log group with retention', () => {
    const fn = onlyResource(home, 'AWS::Lambda::Function');
    expect(fn.props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', ReservedConcurrentExecutions: 2, Timeout: 60 });
    const logGroup = onlyResource(home, 'AWS::Logs::LogGroup');
    expect(fn.props.LoggingConfig).toEqual({ LogGroup: { Ref: logGroup.id } });
    expect(logGroup.props.RetentionInDays).toBe(30);
  });

  it('consumes the queue in batches, reporting partial batch failures', () => {
    const queue = onlyQueueWithRedrive(home);
    home.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue.id, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 10,
      // Never more pollers than reserved instances: no throttles, no good messages pushed into the DLQ.
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('gets the environment the function reads', () => {
    const fn = onlyResource(home, 'AWS::Lambda::Function');
    const table = onlyResource(home, 'AWS::DynamoDB::Table');
    const variables = (fn.props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({
      STATE_TABLE: { Ref: table.id },
      POWERTOOLS_SERVICE_NAME: 'guardduty-notifier',
      POWERTOOLS_METRICS_NAMESPACE: 'GuardDutyNotifier',
      LOG_LEVEL: 'INFO',
      STATE_TTL: '90d',
    });
    const config = JSON.parse(variables.GDN_CONFIG as string) as { destinations: unknown[] };
    expect(config.destinations).toContainEqual(expect.objectContaining({ url: { secretArn: 'guardduty-notifier/slack-security' } }));
  });
});

describe('the function environment', () => {
  it('refuses a config that would not fit in Lambda\'s 4 KB of environment, saying what to shorten', () => {
    const accounts = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [String(100000000000 + i), `account-with-a-long-name-${i}`]));
    expect(() => synth(testConfig({ accounts }))).toThrow(/over Lambda's 4096-byte limit: GDN_CONFIG is \d+ bytes/);
  });
});

describe('the state table', () => {
  it('is on-demand with the store\'s keys, TTL, point-in-time recovery and deletion protection', () => {
    home.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttlAttribute, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('can be deleted with the stack when deletion protection is off', () => {
    const { home: t } = synth(testConfig({ state: { deletionProtection: false } }));
    t.hasResource('AWS::DynamoDB::Table', { Properties: { DeletionProtectionEnabled: false }, DeletionPolicy: 'Delete' });
  });

  it('has the outbox index the DynamoDB store queries, and the function may query it by name', () => {
    home.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        {
          IndexName: OUTBOX_INDEX.indexName,
          KeySchema: [
            { AttributeName: OUTBOX_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: OUTBOX_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: OUTBOX_INDEX.projection },
        },
      ],
    });
    const table = onlyResource(home, 'AWS::DynamoDB::Table');
    const items = statementsOf(home).find((s) => s.Sid === 'StateTableItems');
    expect(items?.Resource).toEqual([
      { 'Fn::GetAtt': [table.id, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table.id, 'Arn'] }, `/index/${OUTBOX_INDEX.indexName}`]] },
    ]);
  });
});

describe('least privilege', () => {
  it('grants no wildcard action anywhere', () => {
    for (const t of [home, ...example.forwarders]) {
      for (const statement of statementsOf(t)) {
        for (const action of asArray(statement.Action)) expect(action).not.toMatch(/\*/);
      }
    }
  });

  it('grants no wildcard resource in the example deployment', () => {
    for (const t of [home, ...example.forwarders]) {
      for (const statement of statementsOf(t)) {
        for (const resource of asArray(statement.Resource)) expect(JSON.stringify(resource)).not.toMatch(/\*/);
      }
    }
  });

  it('grants exactly the calls the function makes, each on its own resources', () => {
    const role = onlyResource(home, 'AWS::IAM::Role');
    const policy = Object.values(resourcesOf(home, 'AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: role.id }]));
    const statements = (policy?.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    const actions = statements.flatMap((s) => asArray(s.Action)).sort();
    expect(actions).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    expect(statements.find((s) => s.Sid === 'ReadSlackSecrets')?.Resource).toEqual([
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:guardduty-notifier/slack-bot-token-??????',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:guardduty-notifier/slack-security-??????',
    ]);
    // No managed policy (AWSLambdaBasicExecutionRole would allow logs on every log group).
    expect(role.props.ManagedPolicyArns).toBeUndefined();
  });

  it('publishes only to the configured SNS topics, and scopes DescribeAccount to the organization when told how', () => {
    const { home: t } = synth(
      testConfig({
        destinations: [
          { name: 'security', type: 'slack-webhook', secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gd/slack-AbCdEf' },
          { name: 'pager', type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:pager' },
        ],
        organizations: { enabled: true, managementAccountId: '999988887777', organizationId: 'o-a1b2c3d4e5' },
      }),
    );
    const statements = statementsOf(t);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sns:Publish', Resource: 'arn:aws:sns:eu-west-1:123456789012:pager' }));
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gd/slack-AbCdEf' }),
    );
    const describeAccount = statements.find((s) => s.Action === 'organizations:DescribeAccount');
    expect(JSON.stringify(describeAccount?.Resource)).toContain(':organizations::999988887777:account/o-a1b2c3d4e5/*');
  });

  it('uses `*` only for organizations:DescribeAccount without organization ids, and says why', () => {
    const { home: t, stacks } = synth(testConfig({ organizations: { enabled: true } }));
    const wildcard = statementsOf(t).filter((s) => asArray(s.Resource).includes('*'));
    expect(wildcard).toEqual([expect.objectContaining({ Action: 'organizations:DescribeAccount' })]);
    const acknowledged = stacks.home.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'));
    expect(JSON.stringify(acknowledged)).toContain('AwsSolutions-IAM5[Resource::*]');
  });
});

describe('secrets', () => {
  it('are never in the template in clear', () => {
    const webhookUrl = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
    const { home: t } = synth(testConfig({ destinations: [{ name: 's', type: 'slack-webhook', secret: 'gd/s', createSecret: true }] }));
    const text = JSON.stringify(t.toJSON());
    expect(text).not.toMatch(/hooks\.slack\.com|xox[abpre]-/);
    expect(text).not.toContain(webhookUrl);
    // A created secret holds a generated placeholder, never a value from the config.
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'gd/s', GenerateSecretString: Match.anyValue(), SecretString: Match.absent() });
    const readSecrets = statementsOf(t).find((s) => s.Sid === 'ReadSlackSecrets');
    expect(readSecrets?.Resource).toEqual({ Ref: expect.stringMatching(/^SlackSecret/) });
  });
});

describe('alarms', () => {
  it('watch the DLQ, message age, function errors and throttles, outbox failures and rule delivery', () => {
    const alarms = Object.values(resourcesOf(home, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties ?? {});
    const byMetric = (namespace: string, name: string) => alarms.filter((a) => a.Namespace === namespace && a.MetricName === name);
    expect(byMetric('AWS/SQS', 'ApproximateNumberOfMessagesVisible')).toHaveLength(1);
    expect(byMetric('AWS/SQS', 'ApproximateAgeOfOldestMessage')).toEqual([expect.objectContaining({ Threshold: 900 })]);
    expect(byMetric('AWS/Lambda', 'Errors')).toHaveLength(1);
    expect(byMetric('AWS/Lambda', 'Throttles')).toHaveLength(1);
    expect(byMetric('AWS/Events', 'FailedInvocations')).toHaveLength(1);
    expect(byMetric('GuardDutyNotifier', 'OutboxFailures')).toEqual([
      expect.objectContaining({ Dimensions: [{ Name: 'service', Value: 'guardduty-notifier' }], Statistic: 'Sum', Threshold: 1 }),
    ]);
    const topic = onlyResource(home, 'AWS::SNS::Topic');
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic.id }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic.id }]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
  });

  it('e-mail the configured address', () => {
    home.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'secops@example.com' });
  });

  it('can use an encrypted topic that CloudWatch may publish to', () => {
    const { home: t } = synth(testConfig({ alarms: { email: 'a@example.com', encryptTopic: true } }));
    const key = onlyResource(t, 'AWS::KMS::Key');
    expect(key.props.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key.props.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] } });
  });
});

describe('regions', () => {
  it('gives each independent region a full notifier of its own', () => {
    const { stacks } = synth(testConfig({ regions: { home: 'eu-west-1', independent: ['ap-southeast-2'] } }));
    expect(stacks.all.map((s) => `${s.stackName} ${s.region}`)).toEqual(['GuardDutyNotifier-eu-west-1 eu-west-1', 'GuardDutyNotifier-ap-southeast-2 ap-southeast-2']);
    Template.fromStack(stacks.independent[0]!).resourceCountIs('AWS::Lambda::Function', 1);
  });
});
