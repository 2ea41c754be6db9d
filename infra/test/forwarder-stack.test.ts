import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { exampleConfig, synth, type Synthesized } from './support/synth.js';

let example: Synthesized;
let forwarder: Template;

beforeAll(() => {
  example = synth(exampleConfig());
  forwarder = example.forwarders[0]!;
});

/** The default bus of the home region, in the deploying account. */
const HOME_BUS = { 'Fn::Join': ['', ['arn:aws:events:eu-west-1:', { Ref: 'AWS::AccountId' }, ':event-bus/default']] };

describe('the forwarder stacks', () => {
  it('are one per forward region, deployed after the home stack', () => {
    expect(example.stacks.forwarders.map((s) => [s.stackName, s.region])).toEqual([
      ['GuardDutyNotifier-forwarder-us-east-1', 'us-east-1'],
      ['GuardDutyNotifier-forwarder-eu-central-1', 'eu-central-1'],
    ]);
    for (const stack of example.stacks.forwarders) expect(stack.dependencies).toContain(example.stacks.home);
  });

  it('send the same findings the home rule matches to the home region\'s default event bus', () => {
    const homeRule = Object.values(example.home.findResources('AWS::Events::Rule'))[0]?.Properties as Record<string, unknown>;
    const rules = Object.values(forwarder.findResources('AWS::Events::Rule')).map((r) => r.Properties as Record<string, unknown>);
    expect(rules).toHaveLength(1);
    expect(rules[0]?.EventPattern).toEqual(homeRule.EventPattern);
    expect(rules[0]?.Targets).toEqual([
      expect.objectContaining({ Arn: HOME_BUS, RoleArn: expect.anything(), DeadLetterConfig: expect.anything() }),
    ]);
  });

  it('may only put events on the home bus', () => {
    forwarder.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: HOME_BUS }] },
    });
  });

  it('hold no function, queue consumer or table: one function and one table serve every region', () => {
    for (const t of example.forwarders) {
      for (const type of ['AWS::Lambda::Function', 'AWS::Lambda::EventSourceMapping', 'AWS::DynamoDB::Table']) t.resourceCountIs(type, 0);
    }
  });

  it('keep undeliverable events in an encrypted DLQ with an alarm', () => {
    forwarder.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    forwarder.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' });
    forwarder.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Events', MetricName: 'FailedInvocations' });
    forwarder.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'secops@example.com' });
  });

  it('never catch a finding twice: each region has exactly one rule per source', () => {
    const regions = example.stacks.all.map((s) => s.region);
    expect(new Set(regions).size).toBe(regions.length);
    // The home stack's own rule only sees its own region's events plus the forwarded ones; no forwarder in home.
    expect(regions.filter((r) => r === 'eu-west-1')).toHaveLength(1);
  });
});
