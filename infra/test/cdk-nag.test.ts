import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { InfraConfig } from '../lib/config.js';
import { addNotifierStacks } from '../lib/notifier-app.js';
import { cdkJsonContext, exampleConfig, synth, tempOutdir, testConfig, TEST_ACCOUNT } from './support/synth.js';

/** Every acknowledgement in the app, as `rule id: reason`. */
function acknowledgements(config: InfraConfig): Array<{ id: string; reason: string }> {
  const { app } = synth(config);
  return app.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id: id.replace(/^annotation::/i, ''), reason })));
}

const everything = (): InfraConfig =>
  testConfig({
    regions: { home: 'eu-west-1', forward: ['us-east-1'], independent: ['ap-southeast-2'] },
    sources: { guardDuty: true, securityHub: true },
    organizations: { enabled: true },
    destinations: [
      { name: 'a', type: 'slack-webhook', secret: 'gd/a', createSecret: true, secretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd-1234' },
      { name: 'b', type: 'slack-api', secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gd/b-AbCdEf', channel: 'C1' },
      { name: 'p', type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:pager', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/ef-56' },
    ],
    alarms: { email: 'a@example.com', encryptTopic: true },
  });

describe('cdk-nag AwsSolutionsChecks', () => {
  it.each([
    ['the example config', exampleConfig],
    ['every option switched on', everything],
    ['organizations scoped to one organization', () => testConfig({ organizations: { enabled: true, managementAccountId: '999988887777', organizationId: 'o-a1b2c3d4e5' } })],
  ])('finds no unacknowledged error or warning with %s', (_name, config) => {
    const { app } = synth(config());
    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(app);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('passes CDK\'s built-in CloudFormation template validation too (the example deployment)', () => {
    const { app } = synth(exampleConfig(), { cfnValidation: true });
    const report = JSON.parse(readFileSync(join(app.synth().directory, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
  });

  it('gives a reason for every acknowledgement', () => {
    const acks = acknowledgements(everything());
    expect(acks.map((a) => a.id).sort()).toEqual(
      ['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-L1', 'AwsSolutions-SMG4', 'AwsSolutions-SQS3'].flatMap((id) =>
        // L1 and IAM5 on both notifiers (home, independent), SMG4 on both created secrets, SQS3 on the forwarder DLQ.
        id === 'AwsSolutions-SQS3' ? [id] : [id, id],
      ).sort(),
    );
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(40);
  });

  it('runs on every synth and fails it on an unacknowledged error', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false, outdir: tempOutdir() });
    const stacks = addNotifierStacks(app, testConfig(), { account: TEST_ACCOUNT });
    // A queue without DLQ or TLS-only policy breaks SQS3 and SQS4.
    new Queue(stacks.home, 'CarelessQueue');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3|Validation failed/);
  });
});
