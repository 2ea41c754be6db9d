import { Validations } from 'aws-cdk-lib';
const acks: string[] = [];
(Validations.prototype as any).acknowledge = function (...rules: any[]) { for (const r of rules) acks.push(r.id); };
const { AwsSolutionsChecks } = await import('cdk-nag');
const { synth, testConfig } = await import('../test/support/synth.js');
const c = testConfig({
  sources: { guardDuty: true, securityHub: true },
  organizations: { enabled: true, managementAccountId: '999988887777', organizationId: 'o-a1b2c3d4e5' },
  destinations: [
    { name: 'a', type: 'slack-webhook', secret: 'gd/a', createSecret: true, secretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd-1234' },
    { name: 'b', type: 'slack-api', secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gd/b-AbCdEf', channel: 'C1' },
  ],
  alarms: { email: 'a@example.com', encryptTopic: true },
});
const s = synth(c);
const report = new AwsSolutionsChecks(s.app).validateScope(s.app);
console.log(acks);
console.log(report.violations.map(v => `${v.severity} ${v.ruleName} ${v.violatingResources.map(x => x.constructPath)}`));
