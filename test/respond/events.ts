/**
 * EventBridge GuardDuty events with the remote addresses respond/ blocks (GuardDuty user guide, "EventBridge event
 * format"; invented ids and addresses): an inbound SSH brute force from `ip`, or a port probe from several.
 */

export interface AttackEventOptions {
  id?: string;
  /** The remote address of the connection (default 185.220.101.1, a public address). */
  ip?: string;
  /** A port probe from each of these instead of one connection. */
  probes?: string[];
  type?: string;
  severity?: number;
  sample?: boolean;
  archived?: boolean;
  /** ISO time of the activity (eventLastSeen / updatedAt); default 2024-05-01T12:00:00Z. */
  lastSeen?: string;
  count?: number;
  account?: string;
}

export function attackEvent(options: AttackEventOptions = {}): Record<string, unknown> {
  const id = options.id ?? 'e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6';
  const type = options.type ?? (options.probes ? 'Recon:EC2/PortProbeUnprotectedPort' : 'UnauthorizedAccess:EC2/SSHBruteForce');
  const ip = options.ip ?? '185.220.101.1';
  const seen = options.lastSeen ?? '2024-05-01T12:00:00.000Z';
  const account = options.account ?? '123456789012';
  const action = options.probes
    ? {
        actionType: 'PORT_PROBE',
        portProbeAction: {
          blocked: false,
          portProbeDetails: options.probes.map((address) => ({
            localPortDetails: { port: 22, portName: 'SSH' },
            remoteIpDetails: { ipAddressV4: address, country: { countryName: 'Exampleland' } },
          })),
        },
      }
    : {
        actionType: 'NETWORK_CONNECTION',
        networkConnectionAction: {
          connectionDirection: 'INBOUND',
          protocol: 'TCP',
          blocked: false,
          remoteIpDetails: ip.includes(':') ? { ipAddressV6: ip } : { ipAddressV4: ip, country: { countryName: 'Exampleland' } },
          localPortDetails: { port: 22, portName: 'SSH' },
          localIpDetails: { ipAddressV4: '10.0.1.23' },
        },
      };
  return {
    version: '0',
    id: `evt-${id}-${seen}`,
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account,
    time: seen,
    region: 'eu-west-1',
    resources: [],
    detail: {
      schemaVersion: '2.0',
      accountId: account,
      region: 'eu-west-1',
      partition: 'aws',
      id,
      arn: `arn:aws:guardduty:eu-west-1:${account}:detector/12abc34d567e8fa901bc2d34eexample/finding/${id}`,
      type,
      resource: {
        resourceType: 'Instance',
        instanceDetails: {
          instanceId: 'i-0123456789abcdef0',
          networkInterfaces: [{ privateIpAddress: '10.0.1.23', publicIp: '54.240.196.186' }],
          tags: [{ key: 'Name', value: 'bastion-1' }],
        },
      },
      service: {
        serviceName: 'guardduty',
        detectorId: '12abc34d567e8fa901bc2d34eexample',
        action,
        archived: options.archived ?? false,
        count: options.count ?? 1,
        eventFirstSeen: '2024-05-01T11:00:00.000Z',
        eventLastSeen: seen,
        additionalInfo: options.sample ? { sample: true } : {},
      },
      severity: options.severity ?? 8,
      createdAt: '2024-05-01T11:00:00.000Z',
      updatedAt: seen,
      title: `${ip} is performing SSH brute force attacks against i-0123456789abcdef0.`,
      description: 'Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password.',
    },
  };
}
