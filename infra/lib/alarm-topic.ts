import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Rule } from 'aws-cdk-lib/aws-events';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { InfraConfig } from './config.js';

export interface AlarmTopicProps {
  alarms: InfraConfig['alarms'];
}

export interface AlarmOptions {
  description: string;
  metric: IMetric;
  threshold: number;
  /** Periods of the metric that must breach; default 1. */
  evaluationPeriods?: number;
}

/**
 * The SNS topic every alarm of a stack notifies (alarms can only notify a topic in their own region), with the
 * configured e-mail subscribed. Each alarm sends ALARM and OK, so the e-mail thread says when it is over.
 */
export class AlarmTopic extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    let masterKey: Key | undefined;
    if (props.alarms.encryptTopic) {
      masterKey = new Key(this, 'Key', {
        description: 'Encrypts the guardduty-notifier alarm topic',
        enableKeyRotation: true,
      });
      // CloudWatch must be able to use the key to publish to an encrypted topic; the AWS managed aws/sns key
      // cannot be shared with it, hence a customer managed key (CloudWatch user guide, "Using Amazon SNS to
      // send alarm notifications", encrypted topics).
      masterKey.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'], // In a key policy `*` means "this key".
        }),
      );
    }
    this.topic = new Topic(this, 'Topic', {
      displayName: 'guardduty-notifier alarms',
      enforceSSL: true,
      ...(masterKey && { masterKey }),
    });
    if (props.alarms.email) this.topic.addSubscription(new EmailSubscription(props.alarms.email));
  }

  /** An alarm on `metric >= threshold` that notifies the topic on ALARM and on OK. Missing data is not breaching. */
  alarm(id: string, options: AlarmOptions): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }

  /**
   * One alarm per rule on EventBridge's `FailedInvocations`: events the rule matched but could not deliver to its target.
   * Source: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
   */
  ruleFailureAlarms(rules: readonly Rule[], describe: (ruleNumber: number) => string): void {
    rules.forEach((rule, i) => {
      this.alarm(`RuleFailedInvocations${i === 0 ? '' : i + 1}`, {
        description: describe(i + 1),
        metric: new Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: { RuleName: rule.ruleName },
          period: Duration.minutes(5),
          statistic: 'Sum',
        }),
        threshold: 1,
      });
    });
  }
}

/** The period alarms look at. SQS and Lambda publish 1-minute metrics. */
export const ALARM_PERIOD = Duration.minutes(1);
