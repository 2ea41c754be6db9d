import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { toAppConfig, type InfraConfig } from '../lib/config.js';
import { synth, testConfig, TEST_ACCOUNT } from './support/synth.js';
import { awsCallsOfBundle } from './support/bundle-aws-calls.js';

/**
 * The Slack actions part of the stack (`interact:` in the deployment config): a Function URL with auth type NONE (the
 * Slack signature is the authentication), its output to paste into the Slack app, the actions queue and its DLQ, and a
 * role that allows exactly the AWS calls the function's bundle can make.
 */

const REGION = 'eu-west-1';
const GROUP_ARN = `arn:aws:network-firewall:${REGION}:${TEST_ACCOUNT}:stateless-rulegroup/guardduty-blocks`;

const withInteract = (extra: Partial<Parameters<typeof testConfig>[0]> = {}): InfraConfig =>
  testConfig({
    destinations: [{ name: 'sec', type: 'slack-api', secret: 'guardduty-notifier/slack-bot', channel: 'C0SECOPS' }],
    respond: { mode: 'enforce', targets: [{ name: 'edge', type: 'network-firewall', ruleGroupArn: GROUP_ARN, priority: 30000 }] },
    interact: {
      signingSecret: 'guardduty-notifier/slack-signing',
      allow: { acknowledge: ['*'], archive: ['S0SECOPS'], mute: ['S0SECOPS'], block: ['U012ONCALL'] },
    },
    ...extra,
  });

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

describe('interact: in the deployment config', () => {
  it('reaches the function as the notifier\'s interact:, secrets by name, and validates with it', () => {
    const app = toAppConfig(withInteract());
    expect(app.interact).toEqual({
      signingSecret: { secretArn: 'guardduty-notifier/slack-signing' },
      allow: { acknowledge: ['*'], archive: ['S0SECOPS'], mute: ['S0SECOPS'], block: ['U012ONCALL'] },
    });
    expect(parseConfig(app, 'test').interact?.allow.block).toEqual(['U012ONCALL']);
  });

  it('refuses createSecrets with an ARN, and a bad allow entry, with their paths', () => {
    expect(() => withInteract({ interact: { signingSecret: `arn:aws:secretsmanager:${REGION}:${TEST_ACCOUNT}:secret:x-AbCdEf`, createSecrets: true } })).toThrow(
      /interact\.signingSecret: createSecrets needs a secret name, not an ARN/,
    );
    expect(() => withInteract({ interact: { signingSecret: 'gd/signing', allow: { block: ['dana'] } } })).toThrow(/interact\.allow\.block\[0\]: expected a Slack user id/);
  });
});

describe('the Slack actions function', () => {
  const { home, stacks } = synth(withInteract());
  const functions = home.findResources('AWS::Lambda::Function') as Resources;
  const [actionsId, actionsFn] = Object.entries(functions).find(([id]) => id.startsWith('SlackActions'))!;

  it('has a Function URL with auth type NONE, public by resource policy (both permissions since October 2025)', () => {
    home.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [actionsId, 'Arn'] } });
    home.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' });
    home.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true });
  });

  it('outputs the Request URL to paste into the Slack app: the Function URL + slack/actions', () => {
    const outputs = home.findOutputs('SlackActionsUrl');
    const value = JSON.stringify(Object.values(outputs)[0]?.Value);
    expect(value).toContain('FunctionUrl');
    expect(value).toContain('slack/actions');
  });

  it('reads its jobs from its own queue (with a DLQ), which it alone may send to', () => {
    const queueUrl = (actionsFn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.ACTIONS_QUEUE_URL;
    expect(JSON.stringify(queueUrl)).toContain('ActionsQueue');
    home.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: actionsId },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SlackActionsActionsQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    home.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: Match.anyValue() } });
    // Same config as the notifier function: GDN_CONFIG and STATE_TABLE.
    const notifier = Object.entries(functions).find(([id]) => id.startsWith('NotifierFunction'))![1];
    const env = (fn: typeof notifier) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env(actionsFn).GDN_CONFIG).toEqual(env(notifier).GDN_CONFIG);
    expect(env(actionsFn).STATE_TABLE).toEqual(env(notifier).STATE_TABLE);
  });

  it('may read exactly the signing secret and the bot token (the slack-api destination\'s), and archive on its own detectors', () => {
    const statements = Object.values(home.findResources('AWS::IAM::Policy') as Resources)
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('SlackActionsRole'))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<{ Sid?: string; Action: string | string[]; Resource: unknown }> }).Statement);
    const secrets = statements.find((s) => s.Sid === 'ReadSlackSecrets');
    expect(JSON.stringify(secrets?.Resource)).toContain('guardduty-notifier/slack-signing-??????');
    expect(JSON.stringify(secrets?.Resource)).toContain('guardduty-notifier/slack-bot-??????');
    expect(JSON.stringify(statements.find((s) => s.Sid === 'ArchiveFindings')?.Resource)).toContain(':detector/*');
    expect(statements.find((s) => s.Sid === 'RespondRuleGroups')?.Resource).toEqual(GROUP_ARN);
  });

  it('has a reserved concurrency of its own (interact.concurrency, default 5), jobs at most 2 of it, and an alarm on its throttles', () => {
    expect(actionsFn.Properties.ReservedConcurrentExecutions).toBe(5);
    home.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: actionsId }, ScalingConfig: { MaximumConcurrency: 2 } });
    home.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: actionsId } }],
      Threshold: 1,
    });
    const custom = synth(withInteract({ interact: { signingSecret: 'gd/signing', concurrency: 8 } }));
    const [, fn] = Object.entries(custom.home.findResources('AWS::Lambda::Function') as Resources).find(([id]) => id.startsWith('SlackActions'))!;
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(8);
    expect(() => withInteract({ interact: { signingSecret: 'gd/signing', concurrency: 2 } })).toThrow(/interact\.concurrency/);
  });

  it('is not there without interact:', () => {
    const plain = synth(testConfig());
    expect(Object.keys(plain.home.findResources('AWS::Lambda::Url'))).toEqual([]);
    expect(Object.keys(plain.home.findOutputs('SlackActionsUrl'))).toEqual([]);
  });

  it('passes cdk-nag with every acknowledgement reasoned', () => {
    const { app } = synth(withInteract({ interact: { signingSecret: 'gd/signing', token: 'gd/bot', createSecrets: true, allow: { acknowledge: ['*'] } } }));
    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(app);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    void stacks;
  });
});

/** What the SQS event source mapping itself calls with the function's role (not the code). */
const EVENT_SOURCE_ACTIONS = new Set(['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']);

describe('the Slack actions bundle and its role', () => {
  const INFRA_DIR = fileURLToPath(new URL('../', import.meta.url));
  mkdirSync(join(INFRA_DIR, 'cdk.out'), { recursive: true });
  const outdir = mkdtempSync(join(INFRA_DIR, 'cdk.out', 'test-actions-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('is allowed exactly the AWS calls the bundle can make (with respond and a WAF target), and no more', { timeout: 120_000 }, () => {
    const config = withInteract({
      respond: {
        mode: 'enforce',
        targets: [
          { name: 'edge', type: 'network-firewall', ruleGroupArn: GROUP_ARN, priority: 30000 },
          { name: 'alb', type: 'waf-ip-set', ipv4SetArn: `arn:aws:wafv2:${REGION}:${TEST_ACCOUNT}:regional/ipset/guardduty-v4/a1b2c3d4-5678-90ab-cdef-000000000001` },
        ],
      },
    });
    const { app, stacks } = synth(config, { bundle: true, outdir });
    const template = app.synth().getStackByName(stacks.home.stackName).template as { Resources: Resources };
    const [, fn] = Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('SlackActions'))!;
    const code = readFileSync(join(outdir, `asset.${(fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '')}`, 'index.mjs'), 'utf8');
    const { calls: needed, unknownModules } = awsCallsOfBundle(code);
    expect(unknownModules, 'SDK packages with no IAM prefix in bundle-aws-calls.ts').toEqual([]);
    expect(needed.size).toBeGreaterThan(0);
    const allowed = new Set(
      Object.values(template.Resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes('SlackActionsRole'))
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement)
        .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
        .filter((action) => !action.startsWith('logs:') && !EVENT_SOURCE_ACTIONS.has(action)),
    );
    // The guardduty client module can assume a role for the daemon's poll.assumeRole; the Lambda never configures one.
    needed.delete('sts:AssumeRole');
    expect([...needed].sort()).toEqual([...allowed].sort());
  });
});
