import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnRuleGroup } from 'aws-cdk-lib/aws-networkfirewall';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { InfraConfig } from './config.js';
import { PLACEHOLDER_DESTINATION, ruleGroupsToCreate, type RuleGroupToCreate } from './respond-config.js';

/**
 * What `respond:` needs in AWS: the stateless rule groups the stack creates (`create: true`), and the function's
 * permission to read and write exactly the targets it converges — `network-firewall:DescribeRuleGroup` and
 * `UpdateRuleGroup` on the rule groups, `wafv2:GetIPSet` and `UpdateIPSet` on the IP sets, nothing else
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsnetworkfirewall.html,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awswafv2.html: both actions take the
 * resource's own ARN). Attaching a rule group to a firewall policy is the user's step, never ours.
 */

export const RESPOND_NETWORK_FIREWALL_ACTIONS = ['network-firewall:DescribeRuleGroup', 'network-firewall:UpdateRuleGroup'] as const;
export const RESPOND_WAF_ACTIONS = ['wafv2:GetIPSet', 'wafv2:UpdateIPSet'] as const;

export class RespondResources extends Construct {
  /** Rule groups created here, by target name. */
  readonly ruleGroups = new Map<string, CfnRuleGroup>();
  /** Every rule group ARN the function writes (created and existing). */
  readonly ruleGroupArns: string[] = [];
  /** Every IP set ARN the function writes. */
  readonly ipSetArns: string[] = [];

  constructor(scope: Construct, id: string, props: { config: InfraConfig }) {
    super(scope, id);
    const respond = props.config.respond;
    if (!respond) return;
    const stack = Stack.of(this);
    for (const group of ruleGroupsToCreate(respond, props.config.stackName)) {
      const ruleGroup = new CfnRuleGroup(this, `RuleGroup-${group.target}`, {
        ruleGroupName: group.name,
        type: 'STATELESS',
        // Fixed at creation: sized for respond.maxActive blocks (one unit per direction each).
        capacity: group.capacity,
        description:
          `guardduty-notifier blocks for respond target "${group.target}": the notifier writes priorities ${group.priority}-${group.priority + 99} ` +
          '(drop rules with a CloudWatch custom action); add this group to your firewall policy.',
        ruleGroup: {
          rulesSource: {
            statelessRulesAndCustomActions: {
              // A stateless group needs a rule: the notifier's own placeholder (drop to 127.0.0.1/32, never a destination
              // on a VPC wire), so the first converge finds exactly what it would write.
              statelessRules: [
                {
                  priority: group.priority,
                  ruleDefinition: { matchAttributes: { destinations: [{ addressDefinition: PLACEHOLDER_DESTINATION }] }, actions: ['aws:drop'] },
                },
              ],
            },
          },
        },
      });
      // A group your firewall policy references cannot be deleted; and the function rewrites its rules (CloudFormation
      // only sets them at creation), so deleting the stack keeps it.
      ruleGroup.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.ruleGroups.set(group.target, ruleGroup);
      new CfnOutput(stack, `RespondRuleGroupArn${group.target.replace(/[^A-Za-z0-9]/g, '')}`, {
        value: ruleGroup.attrRuleGroupArn,
        description: `Stateless rule group of respond target "${group.target}": attach it to your firewall policy (your step)`,
      });
    }
    for (const target of respond.targets) {
      if (target.type === 'network-firewall') {
        const created = this.ruleGroups.get(target.name);
        const arn = created ? created.attrRuleGroupArn : target.ruleGroupArn;
        if (arn !== undefined) this.ruleGroupArns.push(arn);
      } else if (target.type === 'waf-ip-set') {
        for (const key of ['ipv4SetArn', 'ipv6SetArn'] as const) {
          const arn = (target as Record<string, unknown>)[key];
          if (typeof arn === 'string') this.ipSetArns.push(arn);
        }
      }
    }
  }

  /** For GDN_CONFIG: a created group's ARN (a token). */
  arnOf = (group: RuleGroupToCreate): string => {
    const created = this.ruleGroups.get(group.target);
    if (!created) throw new Error(`no rule group was created for respond target ${group.target}`);
    return created.attrRuleGroupArn;
  };

  /** The function's statements: only when there is something to converge. */
  statements(): PolicyStatement[] {
    const out: PolicyStatement[] = [];
    if (this.ruleGroupArns.length > 0) {
      out.push(new PolicyStatement({ sid: 'RespondRuleGroups', actions: [...RESPOND_NETWORK_FIREWALL_ACTIONS], resources: [...new Set(this.ruleGroupArns)] }));
    }
    if (this.ipSetArns.length > 0) {
      out.push(new PolicyStatement({ sid: 'RespondIpSets', actions: [...RESPOND_WAF_ACTIONS], resources: [...new Set(this.ipSetArns)] }));
    }
    return out;
  }
}
