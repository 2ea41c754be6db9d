import { Arn, Aws, CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALARM_PERIOD, AlarmTopic } from './alarm-topic.js';
import type { InfraConfig } from './config.js';
import { FindingRules } from './finding-rules.js';

export interface ForwarderStackProps extends StackProps {
  config: InfraConfig;
  /** The region whose default event bus receives the findings (where the notifier stack is). */
  homeRegion: string;
}

/**
 * A light stack for a region that has GuardDuty but no notifier: the same rule(s) as the home stack, targeting the
 * home region's default event bus. There the home rule catches the forwarded event (source and detail-type are
 * kept), so one function and one table serve every region, and each finding is caught by exactly one rule: the one
 * in its own region. Events EventBridge cannot deliver go to a local DLQ with an alarm.
 */
export class ForwarderStack extends Stack {
  readonly rules: FindingRules;
  readonly deadLetterQueue: Queue;
  readonly homeEventBusArn: string;

  constructor(scope: Construct, id: string, props: ForwarderStackProps) {
    super(scope, id, props);
    const { config, homeRegion } = props;
    if (homeRegion === this.region) throw new Error(`A forwarder in ${homeRegion} would send findings to itself: forward only other regions.`);

    // Same account, so the home bus needs no resource policy; the target gets a role allowed events:PutEvents on it.
    this.homeEventBusArn = Arn.format({ service: 'events', region: homeRegion, resource: 'event-bus', resourceName: 'default', account: Aws.ACCOUNT_ID }, this);
    const homeBus = EventBus.fromEventBusArn(this, 'HomeEventBus', this.homeEventBusArn);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is the dead-letter queue of the forwarding rule; an alarm fires when it holds a message.',
    });

    this.rules = new FindingRules(this, 'Rules', {
      config,
      purpose: `forwarded to the default event bus in ${homeRegion} (guardduty-notifier)`,
      target: () => new EventBusTarget(homeBus, { deadLetterQueue: this.deadLetterQueue }),
    });

    const alarms = new AlarmTopic(this, 'Alarms', { alarms: config.alarms });
    alarms.alarm('DeadLetterQueueNotEmpty', {
      description: `Findings from ${this.region} could not be forwarded to ${homeRegion}: they are in this region's forwarder DLQ.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
      threshold: 1,
    });
    alarms.ruleFailureAlarms(this.rules.rules, (n) => `EventBridge could not forward findings from rule ${n} to ${homeRegion}.`);

    new CfnOutput(this, 'HomeEventBusArn', { value: this.homeEventBusArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
  }
}
