import { coversDestination, coversSource, type BlockDirection } from './block-record.js';

/**
 * Room a target has left beyond the blocks it holds, as its last reconcile measured it: a Network Firewall rule
 * group's capacity is fixed at creation (units); a WAF IP set holds at most 10,000 addresses, IPv4 and IPv6 in
 * separate sets. The planner refuses a new block with reason `cap` when it would not fit, instead of the write failing.
 */
export interface TargetRoom {
  /** Network Firewall: capacity units left for our rules. */
  readonly units?: number;
  /** WAF: addresses left in the IPv4 set. */
  readonly v4?: number;
  /** WAF: addresses left in the IPv6 set (0 when there is none). */
  readonly v6?: number;
  /** Our blocks the target held at that reconcile (for people: "edge is full — 3 of 3 in use"). */
  readonly inForce?: number;
}

/**
 * Capacity a block uses. Network Firewall: our rules match one address list each (a source rule and a destination
 * rule), so an address costs one unit per direction (a stateless rule costs sources × destinations × ports ×
 * protocols: https://docs.aws.amazon.com/network-firewall/latest/developerguide/nwfw-rule-group-capacity.html).
 * WAF: one address in its family's set.
 */
export function blockCost(targetType: 'network-firewall' | 'waf-ip-set', direction: BlockDirection): number {
  if (targetType === 'waf-ip-set') return 1;
  return (coversSource(direction) ? 1 : 0) + (coversDestination(direction) ? 1 : 0);
}
