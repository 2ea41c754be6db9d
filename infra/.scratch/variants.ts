import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synth, testConfig } from '../test/support/synth.js';
const c = testConfig({
  sources: { guardDuty: true, securityHub: true },
  organizations: { enabled: true },
  destinations: [
    { name: 'a', type: 'slack-webhook', secret: 'gd/a', createSecret: true, secretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd-1234' },
    { name: 'b', type: 'slack-api', secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gd/b-AbCdEf', channel: 'C1' },
    { name: 'p', type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:pager' },
  ],
  alarms: { email: 'a@example.com', encryptTopic: true },
  regions: { home: 'eu-west-1', forward: ['us-east-1'], independent: ['ap-southeast-2'] },
});
const s = synth(c);
const report = new AwsSolutionsChecks(s.app, { verbose: false }).validateScope(s.app);
console.log(JSON.stringify(report.violations.map(v => ({ r: v.ruleName, s: v.severity, res: v.violatingResources.map(x => x.constructPath) })), null, 1));
for (const st of s.stacks.all) { const t = Template.fromStack(st).toJSON(); console.log(st.stackName, Object.keys(t.Resources).length); }
console.log(JSON.stringify(s.home.findResources('AWS::IAM::Policy'), null, 1));
