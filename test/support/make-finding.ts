/**
 * A valid, frozen Finding for unit tests, with only the fields a test cares about overridden.
 * The defaults describe a realistic GuardDuty finding (CryptoCurrency:EC2/BitcoinTool.B!DNS, High 8.0).
 */
import { bandOf, type Finding } from '../../src/finding/finding.js';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

export const BASE_FINDING: Finding = deepFreeze({
  format: 'eventbridge',
  product: 'GuardDuty',
  id: '9ec5b9a3f4c1e2d3b4a5968778695a4b',
  arn: 'arn:aws:guardduty:us-east-1:123456789012:detector/12abc34d567e8fa901bc2d34e56789f0/finding/9ec5b9a3f4c1e2d3b4a5968778695a4b',
  type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
  typeParts: {
    threatPurpose: 'CryptoCurrency',
    resourceType: 'EC2',
    family: 'BitcoinTool',
    detectionMechanism: 'B',
    artifact: 'DNS',
  },
  title: 'EC2 instance i-99999999 is querying a domain name associated with Bitcoin-related activity.',
  description:
    'EC2 instance i-99999999 is querying a domain name that is associated with Bitcoin-related activity. ' +
    'If this use is unexpected, your instance may be compromised.',
  severity: 8,
  band: bandOf(8),
  accountId: '123456789012',
  region: 'us-east-1',
  partition: 'aws',
  createdAt: '2024-05-01T12:00:00.000Z',
  updatedAt: '2024-05-01T12:30:00.000Z',
  firstSeen: '2024-05-01T11:58:00.000Z',
  lastSeen: '2024-05-01T12:29:00.000Z',
  count: 42,
  archived: false,
  sample: false,
  resource: {
    type: 'Instance',
    summary: 'i-99999999 (web-1)',
    details: [
      ['Instance type', 't2.micro'],
      ['Image', 'ami-0abcdef1234567890'],
    ],
    tags: { Name: 'web-1', env: 'prod' },
  },
  action: {
    type: 'DNS_REQUEST',
    protocol: 'UDP',
    domain: 'pool.example-miner.com',
  },
  raw: { id: '9ec5b9a3f4c1e2d3b4a5968778695a4b' },
} satisfies Finding);

/**
 * `BASE_FINDING` with `overrides`, frozen. When `severity` is overridden and `band` is not, the band follows it.
 *
 * @example
 * makeFinding({ severity: 9.5, title: '<!channel> hi' })
 */
export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  const severity = 'severity' in overrides ? (overrides.severity ?? null) : BASE_FINDING.severity;
  const finding: Finding = {
    ...structuredClone({ ...BASE_FINDING, raw: null }),
    raw: BASE_FINDING.raw,
    band: bandOf(severity),
    ...overrides,
  };
  return deepFreeze(finding);
}

/** 2024-05-01T12:33:00Z: three minutes after BASE_FINDING's updatedAt. */
export const NOW = Date.parse('2024-05-01T12:33:00.000Z');
