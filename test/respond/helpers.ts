import { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput, RespondConfig } from '../../src/config/schema.js';
import type { BlockRecord } from '../../src/respond/block-record.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry } from '../support/guardduty-standin.js';

export const T0 = Date.parse('2024-05-01T12:00:00.000Z');
export const HOUR = 3_600_000;

/** A row in force at T0 for target `edge`, with only what a test cares about overridden. */
export function makeBlock(overrides: Partial<BlockRecord> & { ip?: string } = {}): BlockRecord {
  const ip = overrides.ip ?? '185.220.101.1';
  const family = overrides.family ?? (ip.includes(':') ? 6 : 4);
  return {
    ip,
    cidr: `${ip}/${family === 4 ? 32 : 128}`,
    family,
    target: 'edge',
    since: T0,
    until: T0 + 12 * HOUR,
    findingId: 'f-1',
    rule: 'attackers',
    direction: 'both',
    state: 'active',
    reason: 'UnauthorizedAccess:EC2/SSHBruteForce',
    updatedAt: T0,
    extensions: 0,
    ...overrides,
  };
}

/** `n` distinct public IPv4 rows (from 11.0.0.1 on: not in any never-block range). */
export function manyBlocks(n: number, overrides: Partial<BlockRecord> = {}): BlockRecord[] {
  return Array.from({ length: n }, (_, i) =>
    makeBlock({ ip: `11.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${(i & 0xff) + 0}`, since: T0 + i, ...overrides }),
  );
}

export function networkFirewallClient(endpoint: string): NetworkFirewallClient {
  return new NetworkFirewallClient({ region: 'eu-west-1', endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(4) });
}

export function wafClient(endpoint: string): WAFV2Client {
  return new WAFV2Client({ region: 'eu-west-1', endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(4) });
}

export const noSleep = async () => {};

export const EDGE_ARN = 'arn:aws:network-firewall:eu-west-1:123456789012:stateless-rulegroup/guardduty-blocks';
export const V4_ARN = 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/guardduty-v4/1a2b3c4d-0000-4000-8000-000000000001';
export const V6_ARN = 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/guardduty-v6/1a2b3c4d-0000-4000-8000-000000000002';

type RespondInput = NonNullable<ConfigInput['respond']>;

/**
 * A parsed `respond:` (defaults filled in by the real schema): targets edge (Network Firewall), alb (WAF, IPv4 only) and
 * alb6 (WAF with IPv6); rules recon (Recon:* → edge, source, 1h) then attackers (severity ≥ 7 → edge + alb, 12h).
 */
export function respondConfig(overrides: Partial<RespondInput> = {}): RespondConfig {
  const config = parseConfig(
    {
      destinations: [{ name: 'sec', type: 'stdout' }],
      respond: {
        mode: 'enforce',
        allow: ['185.220.100.0/24'],
        maxActive: 5,
        maxNewPerHour: 3,
        targets: [
          { name: 'edge', type: 'network-firewall', ruleGroupArn: EDGE_ARN, priority: 30_000 },
          { name: 'alb', type: 'waf-ip-set', ipv4SetArn: V4_ARN },
          { name: 'alb6', type: 'waf-ip-set', ipv4SetArn: V4_ARN, ipv6SetArn: V6_ARN },
        ],
        rules: [
          { name: 'recon', match: { types: ['Recon:*'] }, for: '1h', targets: ['edge'], direction: 'source' },
          { name: 'attackers', match: { minSeverity: 7 }, for: '12h', targets: ['edge', 'alb'] },
        ],
        ...overrides,
      },
    },
    'test',
  );
  if (!config.respond) throw new Error('respond missing');
  return config.respond;
}

