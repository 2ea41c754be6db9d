import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/finding/finding.js';
import { parseFindingDocument, parseFindingText } from '../../src/finding/parse.js';
import { listFixtures, loadFixture, loadFixtureText } from '../support/finding-fixtures.js';

/** A partial Finding to compare with `toMatchObject`; `band` by name. */
type Expected = Omit<Partial<Finding>, 'band' | 'resource' | 'action' | 'raw'> & {
  band?: string;
  resource?: Partial<Finding['resource']>;
  action?: Finding['action'];
};

function parseOne(fixture: string, index: number): Finding {
  const { findings, errors } = parseFindingDocument(loadFixture(fixture));
  expect(errors).toEqual([]);
  const finding = findings[index];
  if (finding === undefined) throw new Error(`${fixture} has no finding #${index}`);
  return finding;
}

function check(finding: Finding, expected: Expected): void {
  const { band, ...rest } = expected;
  expect(finding).toMatchObject(rest);
  if (band !== undefined) expect(finding.band.name).toBe(band);
}

describe('parseFindingDocument on each wire shape', () => {
  it.each<[fixture: string, index: number, expected: Expected]>([
    [
      'eventbridge-camel-instance-network',
      0,
      {
        format: 'eventbridge',
        product: 'GuardDuty',
        id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
        type: 'Backdoor:EC2/C&CActivity.B',
        typeParts: { threatPurpose: 'Backdoor', resourceType: 'EC2', family: 'C&CActivity', detectionMechanism: 'B' },
        severity: 8,
        band: 'High',
        accountId: '123456789012',
        region: 'eu-west-1',
        partition: 'aws',
        count: 3,
        archived: false,
        sample: false,
        createdAt: '2026-03-02T09:05:12.345Z',
        firstSeen: '2026-03-02T08:58:01.000Z',
        lastSeen: '2026-03-02T09:10:44.000Z',
      },
    ],
    [
      'eventbridge-pascal-detail-port-probe',
      0,
      { format: 'eventbridge', id: 'b2c3d4e5f60718293a4b5c6d7e8f90a1', type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, band: 'Low', count: 12, region: 'us-east-2' },
    ],
    [
      'getfindings-pascal-two-findings',
      0,
      { format: 'getfindings', id: 'c3d4e5f60718293a4b5c6d7e8f90a1b2', type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS', band: 'High', region: 'us-west-2' },
    ],
    [
      'getfindings-pascal-two-findings',
      1,
      { format: 'getfindings', id: 'd4e5f60718293a4b5c6d7e8f90a1b2c3', typeParts: { artifact: 'DNS', family: 'BitcoinTool' }, count: 40 },
    ],
    [
      'getfindings-camel-s3-buckets',
      0,
      { format: 'getfindings', type: 'Policy:S3/BucketPublicAccessGranted', region: 'ap-southeast-2', count: 2, band: 'High' },
    ],
    [
      'bare-camel-lambda',
      0,
      { format: 'bare', type: 'Backdoor:Lambda/C&CActivity.B', typeParts: { resourceType: 'Lambda' }, sample: false },
    ],
    [
      'bare-pascal-rds-login',
      0,
      { format: 'bare', region: 'eu-central-1', count: 4, archived: false, typeParts: { detectionMechanism: 'SuccessfulLogin' } },
    ],
    [
      'securityhub-event-guardduty-asff',
      0,
      {
        format: 'asff',
        product: 'GuardDuty',
        id: '18293a4b5c6d7e8f90a1b2c3d4e5f607',
        arn: 'arn:aws:guardduty:us-east-1:123456789012:detector/0123456789abcdef0123456789abcdef/finding/18293a4b5c6d7e8f90a1b2c3d4e5f607',
        type: 'UnauthorizedAccess:EC2/SSHBruteForce',
        severity: 5,
        band: 'Medium',
        count: 7,
        archived: false,
        sample: false,
        firstSeen: '2026-03-08T05:00:00.000Z',
      },
    ],
    [
      'securityhub-event-inspector-asff',
      0,
      {
        format: 'asff',
        product: 'Inspector',
        id: 'arn:aws:inspector2:us-east-1:123456789012:finding/0f1e2d3c4b5a69788796a5b4c3d2e1f0',
        type: 'Software and Configuration Checks/Vulnerabilities/CVE',
        typeParts: {},
        title: 'CVE-2026-0001 - examplelib',
        severity: 7,
        band: 'High',
        count: 1,
      },
    ],
    ['eventbridge-eks-kubernetes-api', 0, { type: 'Discovery:Kubernetes/MaliciousIPCaller', count: 5, band: 'Medium' }],
    ['eventbridge-ecs-runtime-container', 0, { type: 'Execution:Runtime/NewBinaryExecuted', typeParts: { resourceType: 'Runtime' }, sample: false }],
    ['eventbridge-malware-ec2-ebs-scan', 0, { type: 'Execution:EC2/MaliciousFile', band: 'High' }],
    [
      'bare-camel-unknown-future-type',
      0,
      {
        type: 'Impact:QuantumWidget/EntanglementAnomaly.Flux!Telemetry',
        typeParts: { threatPurpose: 'Impact', resourceType: 'QuantumWidget', family: 'EntanglementAnomaly', detectionMechanism: 'Flux', artifact: 'Telemetry' },
        severity: 6.5,
        band: 'Medium',
        count: 2,
      },
    ],
    ['array-mixed-shapes', 0, { format: 'eventbridge', sample: true, id: '6d7e8f90a1b2c3d4e5f60718293a4b5c' }],
    ['array-mixed-shapes', 1, { format: 'bare', archived: true, accountId: '210987654321' }],
    ['array-mixed-shapes', 2, { format: 'asff', archived: true, count: 9, type: 'CryptoCurrency:EC2/BitcoinTool.B', severity: 8 }],
    [
      'securityhub-v2-event-guardduty-ocsf',
      0,
      {
        format: 'ocsf',
        product: 'GuardDuty',
        id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
        type: 'Backdoor:EC2/C&CActivity.B',
        severity: null,
        band: 'High',
        accountId: '123456789012',
        accountName: 'prod-payments',
        region: 'eu-west-1',
        count: 3,
        status: 'New',
        archived: false,
        createdAt: '2026-03-02T09:05:12.345Z',
        updatedAt: '2026-03-02T09:14:59.001Z',
        firstSeen: '2026-03-02T08:58:01.000Z',
        lastSeen: '2026-03-02T09:10:44.000Z',
        ocsfClass: 2004,
      },
    ],
    ['sqs-body-sns-notification-securityhub-v2', 0, { format: 'ocsf', id: 'b5c6d7e8f90a1b2c3d4e5f60718293a4', feature: 'EksAuditLogMonitoring', resource: { type: 'EKSCluster', summary: 'shop-prod' } }],
    ['ocsf-bare-guardduty-api-ipv6-resolved', 0, { format: 'ocsf', type: 'UnauthorizedAccess:IAMUser/TorIPCaller', band: 'Medium', archived: true, status: 'Resolved', count: 7, feature: 'CloudTrail' }],
    ['getfindingsv2-inspector-and-control-ocsf', 0, { format: 'ocsf', product: 'Inspector', type: 'Software and Configuration Checks/Vulnerabilities/CVE', typeParts: {}, band: 'Critical', severity: null }],
    ['getfindingsv2-inspector-and-control-ocsf', 1, { product: 'Security Hub', band: 'Low', sourceSeverity: 'Informational', status: 'In Progress', archived: false, ocsfClass: 2003 }],
    ['sns-lambda-event-guardduty-port-probe', 0, { format: 'eventbridge', id: '0718293a4b5c6d7e8f90a1b2c3d4e5f6', count: 57, band: 'Low', accountId: '444455556666' }],
    [
      'eventbridge-malware-scan-threats-found',
      0,
      {
        format: 'malware-scan',
        product: 'GuardDuty',
        type: 'MalwareProtection:S3Object/ThreatsFound',
        severity: null,
        band: 'High',
        accountId: '123456789012',
        region: 'eu-central-1',
        createdAt: '2026-03-05T14:02:31.000Z',
        resource: { type: 'S3Object', summary: 'customer-uploads-example/invoices/2026/03/invoice-4471.pdf.exe' },
      },
    ],
    ['eventbridge-malware-scan-access-denied', 0, { format: 'malware-scan', type: 'MalwareProtection:S3Object/AccessDenied', band: 'Low' }],
    ['eventbridge-malware-s3-maliciousfile-finding', 0, { type: 'Object:S3/MaliciousFile', providerId: '6f5e4d3c2b1a09f8e7d6c5b4a3928170', band: 'High' }],
    ['array-attack-sequence-and-member', 0, { type: 'AttackSequence:S3/CompromisedData', band: 'Critical', feature: 'Correlation', resource: { type: 'AttackSequence', summary: 'finance-archive-example (+2 more)' } }],
    [
      'array-attack-sequence-and-member',
      1,
      { customDetectionRuleName: 'finance-buckets-from-hosting-asns', attackSequenceId: '5c6d7e8f90a1b2c3d4e5f60718293a4b', feature: 'S3DataEvents' },
    ],
  ])('reads %s #%i', (fixture, index, expected) => {
    check(parseOne(fixture, index), expected);
  });
});

describe('resource summaries', () => {
  it.each<[fixture: string, index: number, resource: Partial<Finding['resource']>, details: Array<[string, string]>]>([
    [
      'eventbridge-camel-instance-network',
      0,
      { type: 'Instance', summary: 'i-0a1b2c3d4e5f60718 (web-1)', tags: { Name: 'web-1', team: 'payments' } },
      [['Instance type', 't3.large'], ['Private IP', '10.20.30.40'], ['Image', 'ami-0123456789abcdef0']],
    ],
    ['eventbridge-pascal-detail-port-probe', 0, { type: 'Instance', summary: 'i-0fedcba9876543210 (bastion)' }, [['Public IP', '198.51.100.77']]],
    [
      'getfindings-pascal-two-findings',
      0,
      { type: 'AccessKey', summary: 'ASIAEXAMPLEKEY000001 (app-instance-role)' },
      [['User type', 'AssumedRole'], ['Principal ID', 'AROAEXAMPLEROLE00001:i-0123456789abcdef0']],
    ],
    [
      'getfindings-camel-s3-buckets',
      0,
      { type: 'S3Bucket', summary: 'example-public-assets (+1 more)', tags: { 'data-class': 'public' } },
      [['Buckets', 'example-public-assets, example-backups'], ['Public access', 'PUBLIC'], ['Object', 'exports/customers.csv'], ['User', 'deploy-bot']],
    ],
    [
      'bare-camel-lambda',
      0,
      { type: 'Lambda', summary: 'thumbnailer', tags: { service: 'media' } },
      [['Function ARN', 'arn:aws:lambda:us-east-1:123456789012:function:thumbnailer'], ['Role', 'arn:aws:iam::123456789012:role/thumbnailer-role']],
    ],
    [
      'bare-pascal-rds-login',
      0,
      { type: 'RDSDBInstance', summary: 'orders-db (aurora-postgresql)' },
      [['Engine', 'aurora-postgresql 15.4'], ['DB user', 'reporting'], ['Login user', 'reporting'], ['Successful logins', '4'], ['Failed logins', '0']],
    ],
    [
      'eventbridge-eks-kubernetes-api',
      0,
      { type: 'EKSCluster', summary: 'shop-prod: pods default/builder-7d9f' },
      [['Kubernetes user', 'system:serviceaccount:default:builder'], ['Workload', 'pods default/builder-7d9f'], ['Container image', 'registry.example/builder:2.1']],
    ],
    [
      'eventbridge-ecs-runtime-container',
      0,
      { type: 'ECSCluster', summary: 'checkout task 0123456789abcdef0123456789abcdef' },
      [
        ['Task definition', 'checkout-api:42'],
        ['Container', 'api'],
        ['Process', 'xmrig'],
        ['Executable', '/tmp/.cache/xmrig'],
        ['Command line', '/tmp/.cache/xmrig --donate-level 1 -o pool.example:3333'],
      ],
    ],
    [
      'eventbridge-malware-ec2-ebs-scan',
      0,
      { type: 'Instance', summary: 'i-0123abcd4567ef890 (build-agent-3)' },
      [['Malware', 'Trojan.Linux.ExampleMiner, EICAR-Test-File (not a virus)'], ['Infected files', '2'], ['Infected file', '/home/build/.local/bin/updater']],
    ],
    ['bare-camel-unknown-future-type', 0, { type: 'QuantumWidget', summary: 'qw-primary' }, [['Quantum widget', 'qw-primary']]],
    [
      'securityhub-event-guardduty-asff',
      0,
      { type: 'Instance', summary: 'i-0abcdef1234567890 (sftp-gateway)', tags: { Name: 'sftp-gateway', env: 'prod' } },
      [['Instance type', 't3.medium'], ['IP addresses', '10.9.8.7, 198.51.100.31']],
    ],
    ['securityhub-event-inspector-asff', 0, { type: 'AwsEcrContainerImage', summary: 'storefront:1.4.2' }, [['Repository', 'storefront']]],
  ])('summarises the resource of %s #%i', (fixture, index, resource, details) => {
    const finding = parseOne(fixture, index);
    expect(finding.resource).toMatchObject(resource);
    for (const detail of details) expect(finding.resource.details).toContainEqual(detail);
  });

  it('reads only the details of the declared resource type (sample S3 findings also carry an instance)', () => {
    const finding = parseOne('getfindings-camel-s3-buckets', 0);
    expect(finding.resource.details.map(([label]) => label)).not.toContain('Instance');
  });
});

describe('action summaries', () => {
  it.each<[fixture: string, index: number, action: Finding['action']]>([
    [
      'eventbridge-camel-instance-network',
      0,
      {
        type: 'NETWORK_CONNECTION',
        direction: 'OUTBOUND',
        protocol: 'TCP',
        blocked: false,
        remoteIp: '203.0.113.66',
        remotePort: 443,
        localPort: 50514,
        localIp: '10.20.30.40',
        country: 'Netherlands',
        city: 'Amsterdam',
        organization: 'Example Hosting',
        asn: '64496',
      },
    ],
    [
      'eventbridge-pascal-detail-port-probe',
      0,
      { type: 'PORT_PROBE', blocked: false, remoteIp: '192.0.2.44', localPort: 22, localIp: '10.1.2.3', country: 'Iceland', city: 'Reykjavik', organization: 'Example Scanner Org', asn: '64497' },
    ],
    [
      'getfindings-pascal-two-findings',
      0,
      {
        type: 'AWS_API_CALL',
        apiName: 'ListBuckets',
        serviceName: 's3.amazonaws.com',
        userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1',
        remoteIp: '198.51.100.99',
        country: 'Canada',
        city: 'Montreal',
        organization: 'Example Cloud',
        asn: '64498',
      },
    ],
    ['getfindings-pascal-two-findings', 1, { type: 'DNS_REQUEST', domain: 'pool.mining.example', protocol: 'UDP', blocked: true }],
    [
      'eventbridge-eks-kubernetes-api',
      0,
      {
        type: 'KUBERNETES_API_CALL',
        apiName: 'list /api/v1/namespaces/kube-system/secrets',
        remoteIp: '203.0.113.150',
        userAgent: 'kubectl/v1.29.1 (linux/amd64) kubernetes/abcdef0',
        country: 'Seychelles',
        city: 'Victoria',
        organization: 'Example VPN',
        asn: '64501',
      },
    ],
    [
      'bare-pascal-rds-login',
      0,
      { type: 'RDS_LOGIN_ATTEMPT', remoteIp: '2001:db8::1234', country: 'Brazil', city: 'Recife', organization: 'Example Residential', asn: '64499' },
    ],
    ['bare-camel-unknown-future-type', 0, { type: 'QUANTUM_ENTANGLEMENT', remoteIp: '2001:db8:ffff::7', country: 'Antarctica', userAgent: 'entangler/0.9' }],
    [
      'securityhub-event-guardduty-asff',
      0,
      {
        type: 'NETWORK_CONNECTION',
        direction: 'INBOUND',
        protocol: 'TCP',
        blocked: false,
        remoteIp: '192.0.2.200',
        remotePort: 41522,
        localPort: 22,
        localIp: '10.9.8.7',
        country: 'Romania',
        city: 'Bucharest',
        organization: 'Example Brute Org',
        asn: '64500',
      },
    ],
    ['array-mixed-shapes', 2, { type: 'NETWORK_CONNECTION', direction: 'OUTBOUND', remoteIp: '203.0.113.222', remotePort: 3333 }],
    ['eventbridge-ecs-runtime-container', 0, {}],
  ])('summarises the action of %s #%i', (fixture, index, action) => {
    // remoteAddresses and ownAddresses have their own tables below.
    const { remoteAddresses: _addresses, ownAddresses: _own, ...summary } = parseOne(fixture, index).action;
    expect(summary).toEqual(action);
  });

  it.each<[fixture: string, index: number, addresses: Array<[ip: string, direction: 'inbound' | 'outbound' | undefined, from: string]>]>([
    ['eventbridge-camel-instance-network', 0, [['203.0.113.66', 'outbound', 'networkConnectionAction']]],
    ['securityhub-event-guardduty-asff-instance-network', 0, [['203.0.113.66', 'outbound', 'networkConnectionAction']]],
    ['securityhub-v2-event-guardduty-ocsf', 0, [['203.0.113.66', 'outbound', 'evidences[0].dst_endpoint']]],
    [
      'sns-lambda-event-guardduty-port-probe',
      0,
      [
        ['192.0.2.10', 'inbound', 'portProbeDetails[0]'],
        ['2001:db8:22::10', 'inbound', 'portProbeDetails[1]'],
        ['203.0.113.45', 'inbound', 'portProbeDetails[2]'],
      ],
    ],
    ['eventbridge-eks-kubernetes-api', 0, [['203.0.113.150', 'inbound', 'kubernetesApiCallAction']]],
    [
      'sqs-body-sns-notification-securityhub-v2',
      0,
      [
        ['203.0.113.150', 'inbound', 'evidences[0].src_endpoint'],
        ['203.0.113.151', 'inbound', 'evidences[1].src_endpoint'],
        ['2001:db8:150::1', 'inbound', 'evidences[2].src_endpoint'],
      ],
    ],
    ['bare-pascal-rds-login', 0, [['2001:db8::1234', 'inbound', 'rdsLoginAttemptAction']]],
    ['array-attack-sequence-and-member', 1, [['198.51.100.101', 'inbound', 'awsApiCallAction']]],
    ['ocsf-bare-guardduty-api-ipv6-resolved', 0, [['2001:db8:7::66', 'inbound', 'evidences[0].src_endpoint'], ['192.0.2.77', 'inbound', 'evidences[1].src_endpoint']]],
    ['eventbridge-malware-scan-threats-found', 0, []],
  ])('lists every remote address of %s #%i, the shown one first, never the resource own', (fixture, index, addresses) => {
    const finding = parseOne(fixture, index);
    const expected = addresses.map(([ip, direction, from]) => (direction === undefined ? { ip, from } : { ip, direction, from }));
    expect(finding.action.remoteAddresses ?? []).toEqual(expected);
    if (finding.action.remoteIp !== undefined) expect(finding.action.remoteAddresses?.[0]?.ip).toBe(finding.action.remoteIp);
  });
});

describe('findings with odd severities and missing sections', () => {
  it.each<[id: string, severity: number | null, band: string]>([
    ['odd-severity-0', 8, 'High'], // "8.0"
    ['odd-severity-1', null, 'Unknown'], // "-1"
    ['odd-severity-2', null, 'Unknown'], // 11
    ['odd-severity-3', null, 'Unknown'], // "high"
    ['odd-severity-4', null, 'Unknown'], // null
    ['odd-severity-5', null, 'Unknown'], // missing
    ['odd-severity-6', 5.5, 'Medium'], // " 5.5 "
    ['odd-severity-7', 9.95, 'Critical'],
    ['odd-severity-8', 0.5, 'Low'],
    ['odd-severity-9', null, 'Unknown'], // true
    ['odd-severity-10', null, 'Unknown'], // an object
    ['odd-severity-11', 3.9, 'Low'],
  ])('gives %s severity %s in band %s', (id, severity, band) => {
    const { findings } = parseFindingDocument(loadFixture('odd-severities-missing-sections'));
    const finding = findings.find((f) => f.id === id);
    expect(finding?.severity).toBe(severity);
    expect(finding?.band.name).toBe(band);
  });

  it('falls back to the type as title, then to "GuardDuty finding"', () => {
    const { findings } = parseFindingDocument(loadFixture('odd-severities-missing-sections'));
    expect(findings[0]?.title).toBe('Recon:EC2/Portscan');
    expect(findings.find((f) => f.id === 'odd-severity-11')).toMatchObject({
      title: 'GuardDuty finding',
      type: '',
      typeParts: {},
      description: '',
      count: 1,
      archived: false,
      sample: false,
      partition: 'aws',
      resource: { type: 'Unknown', summary: 'Unknown resource', details: [], tags: {} },
      action: {},
    });
  });

  it('names the resource after the type when the finding has no resource section', () => {
    const { findings } = parseFindingDocument(loadFixture('odd-severities-missing-sections'));
    expect(findings[0]?.resource).toMatchObject({ type: 'EC2', summary: 'EC2' });
  });
});

describe('hostile strings', () => {
  const hostile = (): Finding => parseOne('eventbridge-hostile-strings', 0);

  it('keeps Slack control syntax in the title verbatim for the renderer to escape', () => {
    expect(hostile().title).toBe('<!channel> <@U123> <https://evil.example|click> *bold* _it_ ~s~ `code` &amp; \u202eexe.txt \u200bzero\u200dwidth');
  });

  it('keeps a 100 KB description whole', () => {
    expect(hostile().description.length).toBeGreaterThanOrEqual(100_000);
  });

  it('stores a tag named __proto__ as a tag without touching the prototype', () => {
    const { tags } = hostile().resource;
    expect(Object.keys(tags)).toContain('__proto__');
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads the string forms of sample, archived, count and severity', () => {
    expect(hostile()).toMatchObject({ sample: true, archived: false, count: 2, severity: 8 });
  });

  it('passes attacker-controlled action fields through untouched', () => {
    expect(hostile().action).toMatchObject({
      apiName: '<!channel>',
      userAgent: '<https://evil.example|Download update> \u202e',
      domain: '<@U123>.evil.example',
      organization: '*Totally Legit* <!subteam^S123>',
    });
  });
});

describe('every fixture', () => {
  it.each(listFixtures())('%s parses from text to at least one frozen finding', (name) => {
    const { findings } = parseFindingText(loadFixtureText(name));
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) {
      expect(Object.isFrozen(finding)).toBe(true);
      expect(Object.isFrozen(finding.resource)).toBe(true);
      expect(Object.isFrozen(finding.resource.details)).toBe(true);
      expect(Object.isFrozen(finding.resource.tags)).toBe(true);
      expect(Object.isFrozen(finding.action)).toBe(true);
      expect(Object.isFrozen(finding.typeParts)).toBe(true);
      expect(finding.title.trim()).not.toBe('');
    }
  });

  it('keeps the finding object itself, not the envelope, as raw', () => {
    const doc = loadFixture('eventbridge-camel-instance-network') as { detail: unknown };
    const [finding] = parseFindingDocument(doc).findings;
    expect(finding?.raw).toBe(doc.detail);
  });
});
