import type { RespondConfig } from '../../config/schema.js';
import type { Logger } from '../../core/logger.js';
import type { RespondClientOptions } from './aws-clients.js';
import { createNetworkFirewallTarget } from './network-firewall.js';
import type { BlockTarget } from './target.js';
import { createWafIpSetTarget } from './waf-ip-set.js';

/**
 * One {@link BlockTarget} per `respond.targets` entry, by name: what the Lambda, the daemon and `block sync` converge.
 *
 * @example
 * const targets = createBlockTargets(config.respond, { logger });
 * for (const target of targets.values()) await target.reconcile(() => loadRows(target.name));
 */
export function createBlockTargets(
  respond: Pick<RespondConfig, 'targets'>,
  options: Partial<Omit<RespondClientOptions, 'region'>> & { logger?: Logger; now?: () => number } = {},
): Map<string, BlockTarget> {
  const targets = new Map<string, BlockTarget>();
  for (const target of respond.targets) {
    if (target.type === 'network-firewall') {
      targets.set(target.name, createNetworkFirewallTarget({ ...options, name: target.name, ruleGroupArn: target.ruleGroupArn, priority: target.priority }));
    } else {
      targets.set(
        target.name,
        createWafIpSetTarget({
          ...options,
          name: target.name,
          ipv4SetArn: target.ipv4SetArn,
          ...(target.ipv6SetArn !== undefined ? { ipv6SetArn: target.ipv6SetArn } : {}),
        }),
      );
    }
  }
  return targets;
}
