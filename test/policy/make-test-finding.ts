import { bandOf, type Finding } from '../../src/finding/finding.js';

/** What a policy test may vary; everything else gets a plausible GuardDuty value. */
export interface TestFindingOptions {
  id?: string;
  type?: string;
  severity?: number | null;
  accountId?: string;
  region?: string;
  count?: number;
  archived?: boolean;
  sample?: boolean;
  resourceType?: string;
  tags?: Record<string, string>;
  updatedAt?: string;
  lastSeen?: string;
}

/**
 * A normalised Finding for policy tests. The band always follows the severity, as the parser guarantees.
 *
 * @example
 * makeTestFinding({ type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2 });
 */
export function makeTestFinding(options: TestFindingOptions = {}): Finding {
  const severity = options.severity === undefined ? 5 : options.severity;
  const type = options.type ?? 'Recon:EC2/PortProbeUnprotectedPort';
  const updatedAt = options.updatedAt ?? '2024-05-01T10:00:00.000Z';
  return {
    format: 'eventbridge',
    product: 'GuardDuty',
    id: options.id ?? 'f-1',
    type,
    typeParts: {},
    title: `Test finding ${type}`,
    description: 'A finding made for a policy test.',
    severity,
    band: bandOf(severity),
    accountId: options.accountId ?? '123456789012',
    region: options.region ?? 'us-east-1',
    partition: 'aws',
    createdAt: '2024-05-01T09:00:00.000Z',
    updatedAt,
    firstSeen: '2024-05-01T09:00:00.000Z',
    lastSeen: options.lastSeen ?? updatedAt,
    count: options.count ?? 1,
    archived: options.archived ?? false,
    sample: options.sample ?? false,
    resource: {
      type: options.resourceType ?? 'Instance',
      summary: 'i-0123456789abcdef0',
      details: [],
      tags: options.tags ?? {},
    },
    action: {},
    raw: {},
  };
}
