import type { Config, RespondTargetConfig } from '../config/schema.js';
import { createGuardDutyClient } from '../sources/guardduty-client.js';
import { roleFor } from '../daemon/poll-config.js';
import { arnParts, createNetworkFirewallClient, createWafv2Client } from '../respond/targets/aws-clients.js';
import { awsErrorText, fail, isAccessDenied, isCredentialsProblem, pass, type CheckResult } from './check-result.js';

/**
 * `doctor`'s AWS checks, read-only calls each: who the credentials are (sts:GetCallerIdentity), GuardDuty in every
 * polled region (ListDetectors, through the poller's own client: its role, its endpoint), and every respond target
 * (Network Firewall DescribeRuleGroup, WAF GetIPSet).
 */

/** Few attempts: a doctor says what is wrong now, it does not wait out an outage. */
const DOCTOR_MAX_ATTEMPTS = 2;

function credentialsFix(error: unknown): string {
  return isCredentialsProblem(error)
    ? `no usable AWS credentials (${awsErrorText(error)}): configure them (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, instance role)`
    : awsErrorText(error);
}

export async function checkAwsIdentity(region: string, options: { timeoutMs: number }): Promise<CheckResult> {
  const label = 'AWS credentials';
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const client = new STSClient({ region, maxAttempts: DOCTOR_MAX_ATTEMPTS, requestHandler: { requestTimeout: options.timeoutMs, connectionTimeout: options.timeoutMs } });
  try {
    const who = await client.send(new GetCallerIdentityCommand({}));
    return pass(label, `${who.Arn ?? '?'} (account ${who.Account ?? '?'})`);
  } catch (error) {
    return fail(label, `sts:GetCallerIdentity: ${credentialsFix(error)}`);
  } finally {
    client.destroy();
  }
}

/** One line per polled region: a detector to poll (the poller reads the first one's findings). */
export async function checkGuardDutyRegion(config: Config, region: string, options: { timeoutMs: number; env: NodeJS.ProcessEnv }): Promise<CheckResult> {
  const label = `GuardDuty ${region}`;
  const { ListDetectorsCommand } = await import('@aws-sdk/client-guardduty');
  const role = roleFor(config.poll, region);
  const client = createGuardDutyClient({ region, env: options.env, maxAttempts: DOCTOR_MAX_ATTEMPTS, requestTimeoutMs: options.timeoutMs, ...(role === undefined ? {} : { assumeRole: role }) });
  try {
    const out = await client.send(new ListDetectorsCommand({ MaxResults: 50 }));
    const ids = out.DetectorIds ?? [];
    if (ids.length === 0) return fail(label, `no detector: GuardDuty is not enabled in ${region}; enable it there, or remove ${region} from poll.regions`);
    return pass(label, `detector ${ids[0]}${role === undefined ? '' : ` (as ${role})`}`);
  } catch (error) {
    if (isAccessDenied(error)) {
      return fail(label, `these credentials${role === undefined ? '' : ` (as ${role})`} may not guardduty:ListDetectors in ${region} (${awsErrorText(error)}); the poller needs guardduty:ListDetectors, ListFindings and GetFindings`);
    }
    return fail(label, `ListDetectors in ${region}: ${credentialsFix(error)}`);
  } finally {
    client.destroy();
  }
}

async function describeRuleGroup(target: Extract<RespondTargetConfig, { type: 'network-firewall' }>, options: { timeoutMs: number; env: NodeJS.ProcessEnv }): Promise<CheckResult> {
  const label = `respond target ${target.name} (network-firewall)`;
  const { DescribeRuleGroupCommand } = await import('@aws-sdk/client-network-firewall');
  const client = await createNetworkFirewallClient({ region: arnParts(target.ruleGroupArn).region, env: options.env, maxAttempts: DOCTOR_MAX_ATTEMPTS });
  try {
    const out = await client.send(new DescribeRuleGroupCommand({ RuleGroupArn: target.ruleGroupArn }));
    const r = out.RuleGroupResponse;
    if (r?.Type !== undefined && r.Type !== 'STATELESS') return fail(label, `${target.ruleGroupArn} is a ${r.Type} rule group; respond needs a STATELESS one`);
    return pass(label, `rule group ${r?.RuleGroupName ?? target.ruleGroupArn} readable (capacity ${r?.Capacity ?? '?'}, ${r?.RuleGroupStatus ?? '?'})`);
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (name === 'ResourceNotFoundException') return fail(label, `${target.ruleGroupArn} does not exist: create it or fix ruleGroupArn`);
    if (isAccessDenied(error)) return fail(label, `these credentials may not network-firewall:DescribeRuleGroup on ${target.ruleGroupArn} (${awsErrorText(error)})`);
    return fail(label, `DescribeRuleGroup: ${credentialsFix(error)}`);
  } finally {
    client.destroy();
  }
}

/** `arn:aws:wafv2:REGION:ACCOUNT:(regional|global)/ipset/NAME/ID` → GetIPSet's Name, Id and Scope. */
function ipSetKey(arn: string): { Name: string; Id: string; Scope: 'REGIONAL' | 'CLOUDFRONT'; region: string } {
  const parts = arnParts(arn);
  const [scope = '', , name = '', id = ''] = parts.resource.split('/');
  // CLOUDFRONT-scope sets are managed through us-east-1 (https://docs.aws.amazon.com/waf/latest/APIReference/API_GetIPSet.html).
  return scope === 'global' ? { Name: name, Id: id, Scope: 'CLOUDFRONT', region: 'us-east-1' } : { Name: name, Id: id, Scope: 'REGIONAL', region: parts.region };
}

async function getIpSets(target: Extract<RespondTargetConfig, { type: 'waf-ip-set' }>, options: { timeoutMs: number; env: NodeJS.ProcessEnv }): Promise<CheckResult> {
  const label = `respond target ${target.name} (waf-ip-set)`;
  const { GetIPSetCommand } = await import('@aws-sdk/client-wafv2');
  const arns = [target.ipv4SetArn, target.ipv6SetArn].filter((a): a is string => a !== undefined);
  const seen: string[] = [];
  for (const arn of arns) {
    const { region, ...key } = ipSetKey(arn);
    const client = await createWafv2Client({ region, env: options.env, maxAttempts: DOCTOR_MAX_ATTEMPTS });
    try {
      const out = await client.send(new GetIPSetCommand(key));
      seen.push(`${out.IPSet?.Name ?? key.Name} (${out.IPSet?.IPAddressVersion ?? '?'}, ${out.IPSet?.Addresses?.length ?? 0} addresses)`);
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (name === 'WAFNonexistentItemException') return fail(label, `${arn} does not exist: create the IP set or fix the ARN`);
      if (isAccessDenied(error)) return fail(label, `these credentials may not wafv2:GetIPSet on ${arn} (${awsErrorText(error)})`);
      return fail(label, `GetIPSet ${arn}: ${credentialsFix(error)}`);
    } finally {
      client.destroy();
    }
  }
  return pass(label, `IP set ${seen.join(' and ')} readable`);
}

export function checkRespondTarget(target: RespondTargetConfig, options: { timeoutMs: number; env: NodeJS.ProcessEnv }): Promise<CheckResult> {
  return target.type === 'network-firewall' ? describeRuleGroup(target, options) : getIpSets(target, options);
}
