/**
 * Templates for sample GuardDuty findings, one per finding type, written for this project from the public finding-type
 * reference (type names, default severities, resource types and the action each type carries):
 *   https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-active.html
 *   (EC2, IAM, S3 Protection, EKS Protection, Runtime Monitoring, Malware Protection for EC2 and S3, RDS Protection,
 *   Lambda Protection and attack sequence pages), and the finding format:
 *   https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-format.html
 *
 * Every value here is fictitious and internally consistent: remote hosts come from the documentation ranges
 * 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 (RFC 5737), autonomous systems from the documentation range
 * 64496–64511 (RFC 5398), domains end in `.example` (RFC 2606), accounts are the example ids AWS documents.
 * Private addresses of our own resources use 10.0.0.0/8 as real VPCs do.
 */

export const SAMPLE_FEATURES = [
  'ec2',
  'iam',
  's3',
  'eks-audit-logs',
  'runtime-monitoring',
  'malware-protection',
  'rds-login',
  'lambda-network',
  'attack-sequence',
] as const;
export type SampleFeature = (typeof SAMPLE_FEATURES)[number];

export type ResourceRole = 'TARGET' | 'ACTOR';

/** What a template builds; samples.ts wraps it in the finding and EventBridge envelopes. */
export interface SampleBody {
  title: string;
  description: string;
  /** `resource` of the finding (including `resourceType`). */
  resource: Record<string, unknown>;
  /** `service.action`, absent for findings without one (runtime process findings, malware scans, attack sequences). */
  action?: Record<string, unknown>;
  resourceRole?: ResourceRole;
  /** Other members of `service` (evidence, runtimeDetails, ebsVolumeScanDetails, detection, featureName...). */
  service?: Record<string, unknown>;
  /** Extra keys of `service.additionalInfo` besides `sample: true`. */
  additionalInfo?: Record<string, unknown>;
  /** Extra top-level members of the finding (`customDetectionRuleName` of a custom detection rule's finding). */
  finding?: Record<string, unknown>;
}

export interface SampleTemplate {
  readonly type: string;
  /** The type's default severity in the reference (the "varies" ones get a plausible value). */
  readonly severity: number;
  readonly feature: SampleFeature;
  /** `service.count` range: how often GuardDuty saw the activity before it published. */
  readonly count: readonly [min: number, max: number];
  build(ctx: SampleContext): SampleBody;
}

/* ------------------------------------------------------------------------------------------------------------------ */
/* The world a sample lives in: a seeded random source and the resources it invents, memoised so title, description,  */
/* resource and action all speak of the same instance, key, bucket or cluster.                                          */
/* ------------------------------------------------------------------------------------------------------------------ */

export interface RemoteHost {
  ip: string;
  details: Record<string, unknown>;
}

export interface InstanceFacts {
  id: string;
  name: string;
  privateIp: string;
  publicIp: string;
  details: Record<string, unknown>;
}

export interface KeyFacts {
  accessKeyId: string;
  principalId: string;
  userName: string;
  userType: 'IAMUser' | 'AssumedRole' | 'Root';
  details: Record<string, unknown>;
}

export interface SampleContext {
  readonly accountId: string;
  readonly region: string;
  readonly now: number;
  rand(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  hex(length: number): string;
  upper(length: number): string;
  uuid(): string;
  /** ISO time `msAgo` before now (millisecond precision, like GuardDuty's timestamps). */
  iso(msAgo: number): string;
  /** A fresh remote host from the documentation ranges (one per call). */
  remote(kind?: 'tor' | 'malicious' | 'scanner' | 'any'): RemoteHost;
  /** The sample's EC2 instance (the same one on every call). */
  instance(): InstanceFacts;
  /** The sample's IAM principal and access key (the same one on every call). */
  key(userType?: KeyFacts['userType']): KeyFacts;
}

/** Fictional networks with documentation ASNs; real places so maps and flags look right. */
const NETWORKS = [
  { asn: '64496', org: 'Example Hosting Ltd', country: 'Netherlands', city: 'Amsterdam', lat: 52.3759, lon: 4.8975 },
  { asn: '64497', org: 'Documentation Cloud GmbH', country: 'Germany', city: 'Frankfurt am Main', lat: 50.1155, lon: 8.6842 },
  { asn: '64498', org: 'Sample VPS Co', country: 'United States', city: 'Ashburn', lat: 39.0437, lon: -77.4875 },
  { asn: '64499', org: 'Placeholder Telecom', country: 'Brazil', city: 'Sao Paulo', lat: -23.5475, lon: -46.6361 },
  { asn: '64500', org: 'Testnet Broadband', country: 'Vietnam', city: 'Hanoi', lat: 21.0245, lon: 105.8412 },
  { asn: '64501', org: 'Reserved Range Networks', country: 'Romania', city: 'Bucharest', lat: 44.4323, lon: 26.1063 },
  { asn: '64502', org: 'Example Datacenter SA', country: 'France', city: 'Paris', lat: 48.8534, lon: 2.3488 },
  { asn: '64503', org: 'Illustrative ISP', country: 'Singapore', city: 'Singapore', lat: 1.2897, lon: 103.8501 },
] as const;

const TOR_NETWORKS = [
  { asn: '64510', org: 'Onion Relay Association', country: 'Germany', city: 'Nuremberg', lat: 49.4542, lon: 11.0775 },
  { asn: '64511', org: 'Privacy Exit Foundation', country: 'Switzerland', city: 'Zurich', lat: 47.3667, lon: 8.55 },
] as const;

const DOC_PREFIXES = ['192.0.2', '198.51.100', '203.0.113'] as const;

const INSTANCE_NAMES = ['web-1', 'api-gateway-2', 'batch-worker-3', 'bastion', 'payments-svc-1', 'ci-runner-7', 'legacy-ftp'] as const;
const INSTANCE_TYPES = ['t3.micro', 't3.large', 'm6i.xlarge', 'c7g.2xlarge', 'r6i.large'] as const;
const TEAMS = ['payments', 'platform', 'data', 'growth', 'security'] as const;
const USERS = ['alice', 'bob.dev', 'deploy-bot', 'ci-publisher', 'ops-admin', 'marketing-uploader'] as const;
const ROLES = ['ec2-app-role', 'batch-worker-role', 'ci-runner-role', 'eks-node-role'] as const;

export const AWS_CLI_USER_AGENT = 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.164.amzn2023.x86_64 exe/x86_64.amzn.2023';
const USER_AGENTS = [
  AWS_CLI_USER_AGENT,
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.15.0 md/arch#x86_64 lang/python#3.10.12',
  'aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/sts#1.28.5',
] as const;

function makeRandom(seed: number): () => number {
  // mulberry32: tiny, fast, good enough for sample data; deterministic for a seed.
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over a string: turns (seed, index, account...) into a 32-bit seed. */
export function hashSeed(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0001')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function createSampleContext(options: { seed: number; accountId: string; region: string; now: number }): SampleContext {
  const random = makeRandom(options.seed);
  const { accountId, region, now } = options;
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const fromAlphabet = (alphabet: string, length: number) => {
    let out = '';
    for (let i = 0; i < length; i += 1) out += alphabet[Math.floor(random() * alphabet.length)];
    return out;
  };
  const hex = (length: number) => fromAlphabet('0123456789abcdef', length);
  const upper = (length: number) => fromAlphabet('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', length);
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
  const iso = (msAgo: number) => new Date(now - Math.max(0, Math.round(msAgo))).toISOString();
  const usedIps = new Set<string>();
  const docIp = () => {
    for (let i = 0; i < 50; i += 1) {
      const ip = `${pick(DOC_PREFIXES)}.${int(1, 254)}`;
      if (!usedIps.has(ip)) {
        usedIps.add(ip);
        return ip;
      }
    }
    return `${pick(DOC_PREFIXES)}.${int(1, 254)}`;
  };

  function remote(kind: 'tor' | 'malicious' | 'scanner' | 'any' = 'any'): RemoteHost {
    const net = kind === 'tor' ? pick(TOR_NETWORKS) : pick(NETWORKS);
    const ip = docIp();
    return {
      ip,
      details: {
        ipAddressV4: ip,
        organization: { asn: net.asn, asnOrg: net.org.toUpperCase().replace(/[^A-Z0-9]+/g, '-'), isp: net.org, org: net.org },
        country: { countryName: net.country },
        city: { cityName: net.city },
        geoLocation: { lat: net.lat, lon: net.lon },
      },
    };
  }

  let instanceFacts: InstanceFacts | undefined;
  function instance(): InstanceFacts {
    if (instanceFacts) return instanceFacts;
    const id = `i-0${hex(16)}`;
    const name = pick(INSTANCE_NAMES);
    const octets = [int(0, 15), int(1, 254)];
    const privateIp = `10.0.${octets[0]}.${octets[1]}`;
    const publicIp = docIp();
    const internalDomain = region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`;
    const privateDnsName = `ip-10-0-${octets[0]}-${octets[1]}.${internalDomain}`;
    const role = pick(ROLES);
    const vpcId = `vpc-0${hex(16)}`;
    instanceFacts = {
      id,
      name,
      privateIp,
      publicIp,
      details: {
        instanceId: id,
        instanceType: pick(INSTANCE_TYPES),
        instanceState: 'running',
        availabilityZone: `${region}${pick(['a', 'b', 'c'])}`,
        imageId: `ami-0${hex(16)}`,
        imageDescription: pick(['Amazon Linux 2023 AMI 2023.4.20240401.1 x86_64 HVM kernel-6.1', 'Ubuntu Server 22.04 LTS (HVM), SSD Volume Type']),
        launchTime: iso(int(2, 90) * 86_400_000),
        platform: null,
        productCodes: [],
        iamInstanceProfile: { arn: `arn:aws:iam::${accountId}:instance-profile/${role}`, id: `AIPA${upper(17)}` },
        networkInterfaces: [
          {
            networkInterfaceId: `eni-0${hex(16)}`,
            privateDnsName,
            privateIpAddress: privateIp,
            privateIpAddresses: [{ privateDnsName, privateIpAddress: privateIp }],
            publicDnsName: `ec2-${publicIp.replace(/\./g, '-')}.${region === 'us-east-1' ? 'compute-1' : `${region}.compute`}.amazonaws.com`,
            publicIp,
            securityGroups: [{ groupId: `sg-0${hex(16)}`, groupName: `${name}-sg` }],
            subnetId: `subnet-0${hex(16)}`,
            vpcId,
            ipv6Addresses: [],
          },
        ],
        tags: [
          { key: 'Name', value: name },
          { key: 'team', value: pick(TEAMS) },
        ],
      },
    };
    return instanceFacts;
  }

  let keyFacts: KeyFacts | undefined;
  function key(userType: KeyFacts['userType'] = 'IAMUser'): KeyFacts {
    if (keyFacts) return keyFacts;
    const accessKeyId = userType === 'AssumedRole' ? `ASIA${upper(9)}EXAMPLE` : `AKIA${upper(9)}EXAMPLE`;
    const userName = userType === 'Root' ? 'Root' : userType === 'AssumedRole' ? pick(ROLES) : pick(USERS);
    const principalId =
      userType === 'Root' ? accountId : userType === 'AssumedRole' ? `AROA${upper(17)}:i-0${hex(16)}` : `AIDA${upper(17)}`;
    keyFacts = { accessKeyId, principalId, userName, userType, details: { accessKeyId, principalId, userName, userType } };
    return keyFacts;
  }

  return { accountId, region, now, rand: random, int, pick, hex, upper, uuid, iso, remote, instance, key };
}

/* ------------------------------------------------------------------------------------------------------------------ */
/* Building blocks                                                                                                     */
/* ------------------------------------------------------------------------------------------------------------------ */

const PORT_NAMES: Record<number, string> = {
  22: 'SSH', 23: 'Telnet', 25: 'SMTP', 53: 'DNS', 80: 'HTTP', 443: 'HTTPS', 445: 'SMB', 1433: 'MSSQL', 3306: 'MYSQL',
  3389: 'RDP', 5432: 'POSTGRESQL', 5985: 'WinRM', 6379: 'Redis', 9200: 'Elasticsearch', 3333: 'Unknown', 4444: 'Unknown',
  8080: 'HTTP', 9001: 'Unknown',
};

function port(number: number): { port: number; portName: string } {
  return { port: number, portName: PORT_NAMES[number] ?? 'Unknown' };
}

function instanceResource(ctx: SampleContext): Record<string, unknown> {
  return { resourceType: 'Instance', instanceDetails: ctx.instance().details };
}

function accessKeyResource(ctx: SampleContext, userType?: KeyFacts['userType']): Record<string, unknown> {
  return { resourceType: 'AccessKey', accessKeyDetails: ctx.key(userType).details };
}

function connection(
  ctx: SampleContext,
  direction: 'INBOUND' | 'OUTBOUND',
  host: RemoteHost,
  remotePort: number,
  localPort: number,
): Record<string, unknown> {
  return {
    actionType: 'NETWORK_CONNECTION',
    networkConnectionAction: {
      connectionDirection: direction,
      blocked: false,
      protocol: 'TCP',
      localIpDetails: { ipAddressV4: ctx.instance().privateIp },
      localPortDetails: port(localPort),
      remoteIpDetails: host.details,
      remotePortDetails: port(remotePort),
    },
  };
}

function dnsRequest(domain: string): Record<string, unknown> {
  return { actionType: 'DNS_REQUEST', dnsRequestAction: { domain, protocol: 'UDP', blocked: false } };
}

function apiCall(
  ctx: SampleContext,
  api: string,
  serviceName: string,
  host: RemoteHost,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    actionType: 'AWS_API_CALL',
    awsApiCallAction: {
      api,
      serviceName,
      callerType: 'Remote IP',
      remoteIpDetails: host.details,
      userAgent: ctx.pick(USER_AGENTS),
      affectedResources: {},
      ...extra,
    },
  };
}

function threatEvidence(listName: string, names: string[]): Record<string, unknown> {
  return { evidence: { threatIntelligenceDetails: [{ threatListName: listName, threatNames: names }] } };
}

function bucketDetails(ctx: SampleContext, options: { name?: string; public?: boolean } = {}): Record<string, unknown> {
  const name = options.name ?? `${ctx.pick(['acme', 'example-corp', 'contoso'])}-${ctx.pick(['invoices', 'backups', 'customer-exports', 'web-assets', 'logs'])}-${ctx.accountId.slice(-4)}`;
  const open = options.public ?? false;
  return {
    arn: `arn:aws:s3:::${name}`,
    name,
    type: 'Destination',
    createdAt: ctx.iso(ctx.int(30, 900) * 86_400_000),
    owner: { id: ctx.hex(64) },
    tags: [{ key: 'data-classification', value: ctx.pick(['confidential', 'internal', 'public']) }],
    defaultServerSideEncryption: { encryptionType: 'AES256' },
    publicAccess: {
      permissionConfiguration: {
        bucketLevelPermissions: {
          accessControlList: { allowsPublicReadAccess: open, allowsPublicWriteAccess: false },
          bucketPolicy: { allowsPublicReadAccess: open, allowsPublicWriteAccess: false },
          blockPublicAccess: { ignorePublicAcls: !open, restrictPublicBuckets: !open, blockPublicAcls: !open, blockPublicPolicy: !open },
        },
        accountLevelPermissions: {
          blockPublicAccess: { ignorePublicAcls: false, restrictPublicBuckets: false, blockPublicAcls: false, blockPublicPolicy: false },
        },
      },
      effectivePermission: open ? 'PUBLIC' : 'NOT_PUBLIC',
    },
  };
}

function s3Resource(ctx: SampleContext, options: { public?: boolean; userType?: KeyFacts['userType'] } = {}) {
  const bucket = bucketDetails(ctx, { public: options.public });
  return {
    bucket: bucket.name as string,
    resource: { resourceType: 'S3Bucket', accessKeyDetails: ctx.key(options.userType).details, s3BucketDetails: [bucket] },
  };
}

interface ClusterFacts {
  name: string;
  resource: Record<string, unknown>;
}

function eksResource(
  ctx: SampleContext,
  user: { username: string; uid?: string; groups: string[] },
  workload?: { name: string; namespace: string; type: string; image: string; privileged?: boolean },
): ClusterFacts {
  const name = ctx.pick(['prod-eks', 'shared-services', 'data-platform', 'staging-eks']);
  const vpcId = `vpc-0${ctx.hex(16)}`;
  const kubernetesDetails: Record<string, unknown> = {
    kubernetesUserDetails: { username: user.username, uid: user.uid ?? ctx.uuid(), groups: user.groups },
  };
  if (workload) {
    kubernetesDetails.kubernetesWorkloadDetails = {
      name: workload.name,
      type: workload.type,
      uid: ctx.uuid(),
      namespace: workload.namespace,
      hostNetwork: false,
      containers: [
        {
          name: workload.name.split('-')[0],
          image: workload.image,
          imagePrefix: workload.image.split('/')[0],
          securityContext: { privileged: workload.privileged ?? false },
        },
      ],
    };
  }
  return {
    name,
    resource: {
      resourceType: 'EKSCluster',
      eksClusterDetails: {
        name,
        arn: `arn:aws:eks:${ctx.region}:${ctx.accountId}:cluster/${name}`,
        vpcId,
        status: 'ACTIVE',
        tags: [{ key: 'environment', value: name.startsWith('staging') ? 'staging' : 'production' }],
        createdAt: ctx.iso(ctx.int(60, 700) * 86_400_000),
      },
      kubernetesDetails,
    },
  };
}

function kubernetesCall(
  ctx: SampleContext,
  host: RemoteHost | undefined,
  call: { verb: string; requestUri: string; statusCode: number; userAgent?: string; sourceIp?: string },
): Record<string, unknown> {
  return {
    actionType: 'KUBERNETES_API_CALL',
    kubernetesApiCallAction: {
      requestUri: call.requestUri,
      verb: call.verb,
      sourceIps: [host?.ip ?? call.sourceIp ?? `10.0.${ctx.int(0, 15)}.${ctx.int(1, 254)}`],
      userAgent: call.userAgent ?? 'kubectl/v1.29.3 (linux/amd64) kubernetes/6813625',
      ...(host ? { remoteIpDetails: host.details } : {}),
      statusCode: call.statusCode,
    },
  };
}

interface ProcessSpec {
  name: string;
  path: string;
  user?: string;
  parent?: { name: string; path: string };
}

function runtimeDetails(ctx: SampleContext, proc: ProcessSpec, context: Record<string, unknown> = {}): Record<string, unknown> {
  const uid = proc.user === undefined || proc.user === 'root' ? 0 : 1000;
  const parentUuid = ctx.uuid();
  const startTime = ctx.iso(ctx.int(2, 40) * 60_000);
  const parent = proc.parent ?? { name: 'bash', path: '/usr/bin/bash' };
  return {
    featureName: 'RuntimeMonitoring',
    runtimeDetails: {
      process: {
        name: proc.name,
        executablePath: proc.path,
        executableSha256: ctx.hex(64),
        pid: ctx.int(1200, 48_000),
        namespacePid: ctx.int(10, 900),
        startTime,
        uuid: ctx.uuid(),
        parentUuid,
        user: proc.user ?? 'root',
        userId: uid,
        euid: uid,
        lineage: [
          { name: parent.name, executablePath: parent.path, pid: ctx.int(600, 1100), uuid: parentUuid, userId: uid, euid: uid, startTime },
        ],
      },
      context,
    },
  };
}

function containerResource(ctx: SampleContext, image: string): { cluster: string; resource: Record<string, unknown> } {
  const eks = eksResource(ctx, { username: 'system:serviceaccount:default:default', groups: ['system:serviceaccounts'] }, {
    name: `${image.split('/').pop()?.split(':')[0] ?? 'app'}-7d9f6c5b8-${ctx.hex(5)}`,
    namespace: ctx.pick(['default', 'shop', 'batch']),
    type: 'pods',
    image,
  });
  const resource = {
    ...eks.resource,
    instanceDetails: ctx.instance().details,
    containerDetails: { containerRuntime: 'containerd', id: ctx.hex(64), name: image.split('/').pop()?.split(':')[0], image, imagePrefix: image.split('/')[0] },
  };
  return { cluster: eks.name, resource };
}

/** The EICAR anti-virus test file: the honest "malware" for a sample. sha256 from https://www.eicar.org (eicar.com). */
const EICAR_SHA256 = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f';

function lambdaResource(ctx: SampleContext): { name: string; resource: Record<string, unknown> } {
  const name = ctx.pick(['image-resizer', 'invoice-webhook', 'nightly-report', 'thumbnailer-prod']);
  const role = `${name}-role`;
  return {
    name,
    resource: {
      resourceType: 'Lambda',
      lambdaDetails: {
        functionArn: `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`,
        functionName: name,
        description: `${name} function`,
        lastModifiedAt: ctx.iso(ctx.int(1, 60) * 86_400_000),
        revisionId: ctx.uuid(),
        functionVersion: '$LATEST',
        role: `arn:aws:iam::${ctx.accountId}:role/${role}`,
        vpcConfig: { subnetIds: [`subnet-0${ctx.hex(16)}`], vpcId: `vpc-0${ctx.hex(16)}`, securityGroups: [{ groupId: `sg-0${ctx.hex(16)}`, groupName: `${name}-sg` }] },
        tags: [{ key: 'service', value: name }],
      },
    },
  };
}

function lambdaConnection(host: RemoteHost, remotePort: number, privateIp: string): Record<string, unknown> {
  return {
    actionType: 'NETWORK_CONNECTION',
    networkConnectionAction: {
      connectionDirection: 'OUTBOUND',
      blocked: false,
      protocol: 'TCP',
      localIpDetails: { ipAddressV4: privateIp },
      localPortDetails: port(32_768 + (Number(host.ip.split('.')[3]) % 20_000)),
      remoteIpDetails: host.details,
      remotePortDetails: port(remotePort),
    },
  };
}

function rdsResource(ctx: SampleContext, user: string, application: string): { db: string; resource: Record<string, unknown> } {
  const db = ctx.pick(['orders-db-1', 'payments-aurora-instance-1', 'analytics-pg']);
  const cluster = db.replace(/-instance-1$|-1$/, '') + '-cluster';
  return {
    db,
    resource: {
      resourceType: 'RDSDBInstance',
      rdsDbInstanceDetails: {
        dbInstanceIdentifier: db,
        engine: 'aurora-postgresql',
        engineVersion: '15.4',
        dbClusterIdentifier: cluster,
        dbInstanceArn: `arn:aws:rds:${ctx.region}:${ctx.accountId}:db:${db}`,
        tags: [{ key: 'data-classification', value: 'confidential' }],
      },
      rdsDbUserDetails: { user, application, database: 'postgres', ssl: 'TLSv1.3', authMethod: 'PASSWORD' },
    },
  };
}

function rdsLogin(host: RemoteHost, user: string, application: string, failed: number, succeeded: number): Record<string, unknown> {
  return {
    actionType: 'RDS_LOGIN_ATTEMPT',
    rdsLoginAttemptAction: {
      remoteIpDetails: host.details,
      loginAttributes: [{ user, application, failedLoginAttempts: failed, successfulLoginAttempts: succeeded }],
    },
  };
}

function ebsScan(ctx: SampleContext, triggerType: string, threats: Array<{ name: string; path: string; hash: string }>) {
  const instance = ctx.instance();
  const volumeId = `vol-0${ctx.hex(16)}`;
  const scanCompletedAt = ctx.iso(ctx.int(1, 10) * 60_000);
  return {
    resource: {
      resourceType: 'Instance',
      instanceDetails: instance.details,
      ebsVolumeDetails: {
        scannedVolumeDetails: [
          {
            volumeArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:volume/${volumeId}`,
            volumeType: 'gp3',
            deviceName: '/dev/xvda',
            volumeSizeInGB: 30,
            encryptionType: 'UNENCRYPTED',
            snapshotArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:snapshot/snap-0${ctx.hex(16)}`,
          },
        ],
        skippedVolumeDetails: [],
      },
    },
    service: {
      featureName: 'EbsMalwareProtection',
      ebsVolumeScanDetails: {
        scanId: ctx.hex(32),
        scanStartedAt: ctx.iso(ctx.int(11, 25) * 60_000),
        scanCompletedAt,
        triggerFindingId: ctx.hex(32),
        sources: ['Amazon GuardDuty'],
        scanType: 'GUARDDUTY_INITIATED',
        scanDetections: {
          scannedItemCount: { totalGb: 6, files: ctx.int(40_000, 120_000), volumes: 1 },
          threatsDetectedItemCount: { files: threats.length },
          highestSeverityThreatDetails: { severity: 'HIGH', threatName: threats[0]?.name, count: threats.length },
          threatDetectedByName: {
            itemCount: threats.length,
            uniqueThreatNameCount: new Set(threats.map((t) => t.name)).size,
            shortened: false,
            threatNames: threats.map((t) => ({
              name: t.name,
              severity: 'HIGH',
              itemCount: 1,
              filePaths: [{ filePath: t.path, volumeArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:volume/${volumeId}`, hash: t.hash, fileName: t.path.split('/').pop() }],
            })),
          },
        },
      },
    },
    triggerType,
  };
}

/**
 * Signals of an attack sequence: GuardDuty findings (the names with a `:`, carrying their severity) and API activity.
 * Members: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Signal.html
 */
function sequenceSignals(ctx: SampleContext, names: string[]): Array<Record<string, unknown>> {
  return names.map((name, i) => {
    const finding = name.includes(':');
    return {
      uid: finding ? `arn:aws:guardduty:${ctx.region}:${ctx.accountId}:detector/${ctx.hex(32)}/finding/${ctx.hex(32)}` : ctx.uuid(),
      type: finding ? 'FINDING' : 'CLOUD_TRAIL',
      name,
      ...(finding ? { severity: ctx.int(2, 8) } : {}),
      createdAt: ctx.iso((names.length - i) * 40 * 60_000),
      updatedAt: ctx.iso((names.length - i) * 30 * 60_000),
      firstSeenAt: ctx.iso((names.length - i) * 40 * 60_000),
      lastSeenAt: ctx.iso((names.length - i) * 30 * 60_000),
      count: ctx.int(1, 12),
    };
  });
}

/* ------------------------------------------------------------------------------------------------------------------ */
/* The templates                                                                                                       */
/* ------------------------------------------------------------------------------------------------------------------ */

export const SAMPLE_TEMPLATES: readonly SampleTemplate[] = [
  // ---- EC2 (VPC flow logs, DNS logs) -------------------------------------------------------------------------------
  {
    type: 'Backdoor:EC2/C&CActivity.B!DNS',
    severity: 8,
    feature: 'ec2',
    count: [3, 40],
    build(ctx) {
      const i = ctx.instance();
      const domain = `${ctx.pick(['update', 'cdn', 'sync'])}-${ctx.hex(6)}.c2-panel.example`;
      return {
        title: `Command and Control server domain name queried by EC2 instance ${i.id}.`,
        description: `EC2 instance ${i.id} is querying ${domain}, a domain name associated with a known Command & Control server.`,
        resource: instanceResource(ctx),
        action: dnsRequest(domain),
        resourceRole: 'ACTOR',
        service: threatEvidence('Amazon', ['CommandAndControl']),
      };
    },
  },
  {
    type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
    severity: 8,
    feature: 'ec2',
    count: [10, 400],
    build(ctx) {
      const i = ctx.instance();
      const domain = `${ctx.pick(['xmr', 'eth', 'btc'])}-${ctx.pick(['eu', 'us', 'asia'])}${ctx.int(1, 9)}.mining-pool.example`;
      return {
        title: `Bitcoin-related domain name queried by EC2 instance ${i.id}.`,
        description: `EC2 instance ${i.id} is querying ${domain}, a domain name associated with cryptocurrency-related activity.`,
        resource: instanceResource(ctx),
        action: dnsRequest(domain),
        resourceRole: 'ACTOR',
      };
    },
  },
  {
    type: 'CryptoCurrency:EC2/BitcoinTool.B',
    severity: 8,
    feature: 'ec2',
    count: [20, 900],
    build(ctx) {
      const i = ctx.instance();
      const host = ctx.remote('malicious');
      return {
        title: `EC2 instance ${i.id} is communicating with Bitcoin-related IP address ${host.ip}.`,
        description: `EC2 instance ${i.id} is communicating with ${host.ip} on port 3333, an IP address associated with cryptocurrency mining.`,
        resource: instanceResource(ctx),
        action: connection(ctx, 'OUTBOUND', host, 3333, ctx.int(32_768, 60_999)),
        resourceRole: 'ACTOR',
      };
    },
  },
  {
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    severity: 2,
    feature: 'ec2',
    count: [5, 250],
    build(ctx) {
      const i = ctx.instance();
      const host = ctx.remote('scanner');
      const probed = ctx.pick([22, 3389, 23, 445]);
      return {
        title: `Unprotected port on EC2 instance ${i.id} is being probed.`,
        description: `EC2 instance ${i.id} has an unprotected port ${probed} which is being probed by a known malicious host ${host.ip}.`,
        resource: instanceResource(ctx),
        action: {
          actionType: 'PORT_PROBE',
          portProbeAction: {
            blocked: false,
            portProbeDetails: [{ localPortDetails: port(probed), localIpDetails: { ipAddressV4: i.privateIp }, remoteIpDetails: host.details }],
          },
        },
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 2,
    feature: 'ec2',
    count: [30, 2_000],
    build(ctx) {
      const i = ctx.instance();
      const host = ctx.remote('scanner');
      return {
        title: `${host.ip} is performing SSH brute force attacks against ${i.id}.`,
        description: `${host.ip} is performing SSH brute force attacks against EC2 instance ${i.id}. Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password.`,
        resource: instanceResource(ctx),
        action: connection(ctx, 'INBOUND', host, ctx.int(32_768, 60_999), 22),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'UnauthorizedAccess:EC2/RDPBruteForce',
    severity: 8,
    feature: 'ec2',
    count: [30, 800],
    build(ctx) {
      // The reference rates this High when our instance is the one attacking (resource role ACTOR).
      const i = ctx.instance();
      const host = ctx.remote('any');
      return {
        title: `${i.id} is performing RDP brute force attacks against ${host.ip}.`,
        description: `EC2 instance ${i.id} is performing RDP brute force attacks against ${host.ip}. Your instance may be compromised and used to attack other hosts.`,
        resource: instanceResource(ctx),
        action: connection(ctx, 'OUTBOUND', host, 3389, ctx.int(49_152, 65_000)),
        resourceRole: 'ACTOR',
      };
    },
  },
  {
    type: 'Recon:EC2/Portscan',
    severity: 5,
    feature: 'ec2',
    count: [50, 3_000],
    build(ctx) {
      const i = ctx.instance();
      const host = ctx.remote('any');
      return {
        title: `Outbound portscan from EC2 instance ${i.id}.`,
        description: `EC2 instance ${i.id} is performing outbound port scans against remote host ${host.ip}.`,
        resource: instanceResource(ctx),
        action: connection(ctx, 'OUTBOUND', host, ctx.pick([22, 80, 443, 6379, 9200]), ctx.int(32_768, 60_999)),
        resourceRole: 'ACTOR',
      };
    },
  },
  {
    type: 'UnauthorizedAccess:EC2/TorClient',
    severity: 8,
    feature: 'ec2',
    count: [2, 60],
    build(ctx) {
      const i = ctx.instance();
      const host = ctx.remote('tor');
      return {
        title: `EC2 instance ${i.id} is communicating with a Tor Entry node.`,
        description: `EC2 instance ${i.id} is communicating with IP address ${host.ip} on port 9001, which is a Tor entry node. This may indicate unauthorized access to your AWS resources.`,
        resource: instanceResource(ctx),
        action: connection(ctx, 'OUTBOUND', host, 9001, ctx.int(32_768, 60_999)),
        resourceRole: 'ACTOR',
      };
    },
  },
  {
    type: 'Trojan:EC2/DNSDataExfiltration',
    severity: 8,
    feature: 'ec2',
    count: [100, 5_000],
    build(ctx) {
      const i = ctx.instance();
      const domain = `${ctx.hex(40)}.${ctx.hex(24)}.tunnel.example`;
      return {
        title: `Data exfiltration through DNS queries from EC2 instance ${i.id}.`,
        description: `EC2 instance ${i.id} is exfiltrating data through DNS queries to subdomains of tunnel.example.`,
        resource: instanceResource(ctx),
        action: dnsRequest(domain),
        resourceRole: 'ACTOR',
      };
    },
  },
  {
    type: 'Trojan:EC2/DGADomainRequest.B',
    severity: 8,
    feature: 'ec2',
    count: [5, 120],
    build(ctx) {
      const i = ctx.instance();
      const domain = `${ctx.upper(14).toLowerCase().replace(/[0-9]/g, 'q')}.example`;
      return {
        title: `EC2 instance ${i.id} is querying algorithmically generated domains.`,
        description: `EC2 instance ${i.id} is querying ${domain}, a domain name that appears to be generated by a domain generation algorithm (DGA). Malware uses such domains to reach its Command & Control server.`,
        resource: instanceResource(ctx),
        action: dnsRequest(domain),
        resourceRole: 'ACTOR',
      };
    },
  },
  {
    type: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
    severity: 5,
    feature: 'ec2',
    count: [1, 30],
    build(ctx) {
      const i = ctx.instance();
      const host = ctx.remote('malicious');
      return {
        title: `EC2 instance ${i.id} is communicating with IP address ${host.ip} on a custom threat list.`,
        description: `EC2 instance ${i.id} is communicating outbound with ${host.ip}, which is on the custom threat list blocked-partners.`,
        resource: instanceResource(ctx),
        action: connection(ctx, 'OUTBOUND', host, 443, ctx.int(32_768, 60_999)),
        resourceRole: 'ACTOR',
        service: threatEvidence('blocked-partners', ['custom-threat-list']),
      };
    },
  },
  {
    type: 'Backdoor:EC2/DenialOfService.Tcp',
    severity: 8,
    feature: 'ec2',
    count: [500, 20_000],
    build(ctx) {
      const i = ctx.instance();
      const host = ctx.remote('any');
      return {
        title: `EC2 instance ${i.id} is behaving in a manner that may indicate it is being used to perform a Denial of Service (DoS) attack using the TCP protocol.`,
        description: `EC2 instance ${i.id} is sending a large volume of outbound TCP traffic to ${host.ip}. It may be compromised and used in a denial of service attack.`,
        resource: instanceResource(ctx),
        action: connection(ctx, 'OUTBOUND', host, 80, ctx.int(32_768, 60_999)),
        resourceRole: 'ACTOR',
      };
    },
  },
  {
    type: 'Impact:EC2/AbusedDomainRequest.Reputation',
    severity: 5,
    feature: 'ec2',
    count: [1, 25],
    build(ctx) {
      const i = ctx.instance();
      const domain = `free-${ctx.pick(['files', 'share', 'paste'])}-${ctx.int(10, 99)}.dyn-dns.example`;
      return {
        title: `EC2 instance ${i.id} is querying a low reputation domain name that is associated with known abused domains.`,
        description: `EC2 instance ${i.id} is querying ${domain}, a domain name with a low reputation score associated with known abused domains.`,
        resource: instanceResource(ctx),
        action: dnsRequest(domain),
        resourceRole: 'ACTOR',
      };
    },
  },
  {
    type: 'UnauthorizedAccess:EC2/MetadataDNSRebind',
    severity: 8,
    feature: 'ec2',
    count: [1, 6],
    build(ctx) {
      const i = ctx.instance();
      const domain = `169-254-169-254.rebind-${ctx.hex(4)}.example`;
      return {
        title: `EC2 instance ${i.id} is performing DNS lookups that resolve to the instance metadata service.`,
        // The address it resolves to is in no field of the finding (a DNS request has none): the text names the
        // service, not the address.
        description: `EC2 instance ${i.id} is querying ${domain}, which resolves to the EC2 instance metadata service. An attacker may use DNS rebinding to read the instance's credentials.`,
        resource: instanceResource(ctx),
        action: dnsRequest(domain),
        resourceRole: 'ACTOR',
      };
    },
  },

  // ---- IAM / access keys (CloudTrail management events) -------------------------------------------------------------
  {
    type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
    severity: 8,
    feature: 'iam',
    count: [1, 40],
    build(ctx) {
      const k = ctx.key('AssumedRole');
      const host = ctx.remote('any');
      return {
        title: `Credentials for the EC2 instance role ${k.userName} were used from a remote IP address ${host.ip}.`,
        description: `Credentials created exclusively for an EC2 instance using instance role ${k.userName} have been used from external IP address ${host.ip}.`,
        resource: accessKeyResource(ctx, 'AssumedRole'),
        action: apiCall(ctx, 'ListBuckets', 's3.amazonaws.com', host),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B',
    severity: 5,
    feature: 'iam',
    count: [1, 4],
    build(ctx) {
      const k = ctx.key('IAMUser');
      const host = ctx.remote('any');
      return {
        title: `Unusual console login was seen for principal ${k.userName}.`,
        description: `Principal ${k.userName} successfully logged in to the AWS Management Console from ${host.ip}, a location not previously seen for this principal.`,
        resource: accessKeyResource(ctx, 'IAMUser'),
        action: apiCall(ctx, 'ConsoleLogin', 'signin.amazonaws.com', host, {
          userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
        }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'Recon:IAMUser/MaliciousIPCaller',
    severity: 5,
    feature: 'iam',
    count: [2, 50],
    build(ctx) {
      const k = ctx.key('IAMUser');
      const host = ctx.remote('malicious');
      return {
        title: `Reconnaissance API GetAccountAuthorizationDetails was invoked from a known malicious IP address ${host.ip}.`,
        description: `API GetAccountAuthorizationDetails was invoked by principal ${k.userName} from IP address ${host.ip}, which is on a threat list of known malicious IP addresses.`,
        resource: accessKeyResource(ctx, 'IAMUser'),
        action: apiCall(ctx, 'GetAccountAuthorizationDetails', 'iam.amazonaws.com', host),
        resourceRole: 'TARGET',
        service: threatEvidence('Amazon', ['MaliciousIPCaller']),
      };
    },
  },
  {
    type: 'Stealth:IAMUser/CloudTrailLoggingDisabled',
    severity: 2,
    feature: 'iam',
    count: [1, 2],
    build(ctx) {
      const k = ctx.key('IAMUser');
      const host = ctx.remote('any');
      return {
        title: `AWS CloudTrail trail org-trail was disabled.`,
        description: `Principal ${k.userName} called StopLogging for the CloudTrail trail org-trail. Attackers disable logging to hide their activity.`,
        resource: accessKeyResource(ctx, 'IAMUser'),
        action: apiCall(ctx, 'StopLogging', 'cloudtrail.amazonaws.com', host, {
          affectedResources: { 'AWS::CloudTrail::Trail': `arn:aws:cloudtrail:${ctx.region}:${ctx.accountId}:trail/org-trail` },
        }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'Policy:IAMUser/RootCredentialUsage',
    severity: 2,
    feature: 'iam',
    count: [1, 15],
    build(ctx) {
      const host = ctx.remote('any');
      return {
        title: 'API DescribeInstances was invoked using root credentials.',
        description: `API DescribeInstances was invoked using the root credentials of account ${ctx.accountId} from ${host.ip}. AWS recommends not using root credentials for everyday tasks.`,
        resource: accessKeyResource(ctx, 'Root'),
        action: apiCall(ctx, 'DescribeInstances', 'ec2.amazonaws.com', host),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'PenTest:IAMUser/KaliLinux',
    severity: 5,
    feature: 'iam',
    count: [1, 30],
    build(ctx) {
      const k = ctx.key('IAMUser');
      const host = ctx.remote('any');
      return {
        title: `API ListUsers was invoked from a Kali Linux computer.`,
        description: `API ListUsers was invoked by principal ${k.userName} from a Kali Linux computer with IP address ${host.ip}. Kali Linux is a popular penetration testing tool.`,
        resource: accessKeyResource(ctx, 'IAMUser'),
        action: apiCall(ctx, 'ListUsers', 'iam.amazonaws.com', host, {
          userAgent: 'aws-cli/2.13.25 Python/3.11.6 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023 prompt/off command/iam.list-users',
        }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'CredentialAccess:IAMUser/AnomalousBehavior',
    severity: 5,
    feature: 'iam',
    count: [1, 12],
    build(ctx) {
      const k = ctx.key('IAMUser');
      const host = ctx.remote('any');
      return {
        title: `The API GetSecretValue was invoked by ${k.userName} in an unusual way.`,
        description: `The API GetSecretValue, commonly used to obtain credentials, was invoked by ${k.userName} in a way that differs from the principal's established baseline (new user agent, new ASN).`,
        resource: accessKeyResource(ctx, 'IAMUser'),
        action: apiCall(ctx, 'GetSecretValue', 'secretsmanager.amazonaws.com', host),
        resourceRole: 'TARGET',
        additionalInfo: { unusual: { userAgents: ['python-requests/2.31.0'], asns: [host.details.organization] } },
      };
    },
  },
  {
    type: 'Persistence:IAMUser/AnomalousBehavior',
    severity: 5,
    feature: 'iam',
    count: [1, 5],
    build(ctx) {
      const k = ctx.key('IAMUser');
      const host = ctx.remote('any');
      return {
        title: `The API CreateAccessKey was invoked by ${k.userName} in an unusual way.`,
        description: `The API CreateAccessKey, commonly used to keep access to an account, was invoked by ${k.userName} from ${host.ip} in a way that differs from the principal's established baseline.`,
        resource: accessKeyResource(ctx, 'IAMUser'),
        action: apiCall(ctx, 'CreateAccessKey', 'iam.amazonaws.com', host),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'UnauthorizedAccess:IAMUser/TorIPCaller',
    severity: 5,
    feature: 'iam',
    count: [1, 20],
    build(ctx) {
      const k = ctx.key('IAMUser');
      const host = ctx.remote('tor');
      return {
        title: `API GetCallerIdentity was invoked from a Tor exit node IP address ${host.ip}.`,
        description: `API GetCallerIdentity was invoked by principal ${k.userName} from Tor exit node IP address ${host.ip}.`,
        resource: accessKeyResource(ctx, 'IAMUser'),
        action: apiCall(ctx, 'GetCallerIdentity', 'sts.amazonaws.com', host),
        resourceRole: 'TARGET',
      };
    },
  },

  // ---- S3 (CloudTrail data events for S3) --------------------------------------------------------------------------
  {
    type: 'Policy:S3/BucketBlockPublicAccessDisabled',
    severity: 2,
    feature: 's3',
    count: [1, 2],
    build(ctx) {
      const s3 = s3Resource(ctx, { public: false });
      const host = ctx.remote('any');
      return {
        title: `Amazon S3 Block Public Access was disabled for S3 bucket ${s3.bucket}.`,
        description: `Amazon S3 Block Public Access was disabled for S3 bucket ${s3.bucket} by ${ctx.key().userName} calling DeletePublicAccessBlock. If this was not intended, the bucket may be exposed publicly.`,
        resource: s3.resource,
        action: apiCall(ctx, 'DeletePublicAccessBlock', 's3.amazonaws.com', host, { affectedResources: { 'AWS::S3::Bucket': s3.bucket } }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'Policy:S3/BucketAnonymousAccessGranted',
    severity: 8,
    feature: 's3',
    count: [1, 2],
    build(ctx) {
      const s3 = s3Resource(ctx, { public: true });
      const host = ctx.remote('any');
      return {
        title: `S3 bucket ${s3.bucket} now allows anonymous access.`,
        description: `Principal ${ctx.key().userName} called PutBucketPolicy and granted anonymous (public) access to S3 bucket ${s3.bucket}.`,
        resource: s3.resource,
        action: apiCall(ctx, 'PutBucketPolicy', 's3.amazonaws.com', host, { affectedResources: { 'AWS::S3::Bucket': s3.bucket } }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'Exfiltration:S3/AnomalousBehavior',
    severity: 8,
    feature: 's3',
    count: [40, 3_000],
    build(ctx) {
      const s3 = s3Resource(ctx, { userType: 'IAMUser' });
      const host = ctx.remote('any');
      return {
        title: `Anomalous S3 GetObject calls on bucket ${s3.bucket} by ${ctx.key().userName}.`,
        description: `An IAM entity invoked the S3 API GetObject on bucket ${s3.bucket} in a suspicious way: unusual volume from a new location (${host.ip}).`,
        resource: s3.resource,
        action: apiCall(ctx, 'GetObject', 's3.amazonaws.com', host, { affectedResources: { 'AWS::S3::Bucket': s3.bucket } }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'Impact:S3/MaliciousIPCaller',
    severity: 8,
    feature: 's3',
    count: [1, 40],
    build(ctx) {
      const s3 = s3Resource(ctx, { userType: 'IAMUser' });
      const host = ctx.remote('malicious');
      return {
        title: `S3 API DeleteObjects was invoked on bucket ${s3.bucket} from a known malicious IP address ${host.ip}.`,
        description: `API DeleteObjects, commonly used to tamper with data, was invoked on S3 bucket ${s3.bucket} from IP address ${host.ip}, which is on a threat list.`,
        resource: s3.resource,
        action: apiCall(ctx, 'DeleteObjects', 's3.amazonaws.com', host, { affectedResources: { 'AWS::S3::Bucket': s3.bucket } }),
        resourceRole: 'TARGET',
        service: threatEvidence('Amazon', ['MaliciousIPCaller']),
      };
    },
  },
  {
    type: 'Discovery:S3/TorIPCaller',
    severity: 5,
    feature: 's3',
    count: [1, 25],
    build(ctx) {
      const s3 = s3Resource(ctx, { userType: 'IAMUser' });
      const host = ctx.remote('tor');
      return {
        title: `S3 API ListObjects was invoked on bucket ${s3.bucket} from a Tor exit node IP address ${host.ip}.`,
        description: `API ListObjects, commonly used to discover data, was invoked on S3 bucket ${s3.bucket} from Tor exit node IP address ${host.ip}.`,
        resource: s3.resource,
        action: apiCall(ctx, 'ListObjects', 's3.amazonaws.com', host, { affectedResources: { 'AWS::S3::Bucket': s3.bucket } }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'Stealth:S3/ServerAccessLoggingDisabled',
    severity: 2,
    feature: 's3',
    count: [1, 1],
    build(ctx) {
      const s3 = s3Resource(ctx);
      const host = ctx.remote('any');
      return {
        title: `S3 server access logging was disabled for bucket ${s3.bucket}.`,
        description: `Principal ${ctx.key().userName} turned off server access logging for S3 bucket ${s3.bucket}.`,
        resource: s3.resource,
        action: apiCall(ctx, 'PutBucketLogging', 's3.amazonaws.com', host, { affectedResources: { 'AWS::S3::Bucket': s3.bucket } }),
        resourceRole: 'TARGET',
      };
    },
  },

  // ---- EKS Protection (Kubernetes audit logs) ----------------------------------------------------------------------
  {
    type: 'Policy:Kubernetes/AnonymousAccessGranted',
    severity: 8,
    feature: 'eks-audit-logs',
    count: [1, 2],
    build(ctx) {
      const eks = eksResource(ctx, { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
      return {
        title: `The system:anonymous user was granted API permissions on Kubernetes cluster ${eks.name}.`,
        description: `A ClusterRoleBinding that grants permissions to system:anonymous was created on EKS cluster ${eks.name}. Unauthenticated users can now call the Kubernetes API.`,
        resource: eks.resource,
        action: kubernetesCall(ctx, ctx.remote('any'), {
          verb: 'create',
          requestUri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
          statusCode: 201,
        }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'Discovery:Kubernetes/SuccessfulAnonymousAccess',
    severity: 5,
    feature: 'eks-audit-logs',
    count: [1, 60],
    build(ctx) {
      const eks = eksResource(ctx, { username: 'system:anonymous', uid: '', groups: ['system:unauthenticated'] });
      const host = ctx.remote('scanner');
      return {
        title: `An unauthenticated user listed secrets on Kubernetes cluster ${eks.name}.`,
        description: `The system:anonymous user successfully called the Kubernetes API to list secrets on EKS cluster ${eks.name} from ${host.ip}.`,
        resource: eks.resource,
        action: kubernetesCall(ctx, host, { verb: 'list', requestUri: '/api/v1/secrets', statusCode: 200, userAgent: 'curl/8.5.0' }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'Execution:Kubernetes/ExecInKubeSystemPod',
    severity: 5,
    feature: 'eks-audit-logs',
    count: [1, 3],
    build(ctx) {
      const eks = eksResource(
        ctx,
        { username: `arn:aws:sts::${ctx.accountId}:assumed-role/eks-admin/ops-session`, groups: ['system:authenticated'] },
        { name: `aws-node-${ctx.hex(5)}`, namespace: 'kube-system', type: 'pods', image: `602401143452.dkr.ecr.${ctx.region}.amazonaws.com/amazon-k8s-cni:v1.18.0` },
      );
      return {
        title: `A command was executed inside a pod in the kube-system namespace on cluster ${eks.name}.`,
        description: `A user ran a command with exec inside a kube-system pod on EKS cluster ${eks.name}. This is unusual and may indicate an attempt to tamper with cluster components.`,
        resource: eks.resource,
        action: kubernetesCall(ctx, ctx.remote('any'), {
          verb: 'create',
          requestUri: '/api/v1/namespaces/kube-system/pods/aws-node/exec?command=sh&container=aws-node&stdin=true&tty=true',
          statusCode: 101,
        }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'CredentialAccess:Kubernetes/MaliciousIPCaller',
    severity: 8,
    feature: 'eks-audit-logs',
    count: [1, 20],
    build(ctx) {
      const eks = eksResource(ctx, { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci'] });
      const host = ctx.remote('malicious');
      return {
        title: `Kubernetes secrets were read on cluster ${eks.name} from a known malicious IP address ${host.ip}.`,
        description: `An API commonly used to access secrets was invoked on EKS cluster ${eks.name} from IP address ${host.ip}, which is on a threat list.`,
        resource: eks.resource,
        action: kubernetesCall(ctx, host, { verb: 'get', requestUri: '/api/v1/namespaces/ci/secrets/registry-credentials', statusCode: 200 }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'Policy:Kubernetes/AdminAccessToDefaultServiceAccount',
    severity: 8,
    feature: 'eks-audit-logs',
    count: [1, 1],
    build(ctx) {
      const eks = eksResource(ctx, { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
      return {
        title: `The default service account was granted admin privileges on cluster ${eks.name}.`,
        description: `A role binding gave the default service account of the default namespace cluster-admin privileges on EKS cluster ${eks.name}. Every pod without its own service account now runs as admin.`,
        resource: eks.resource,
        action: kubernetesCall(ctx, ctx.remote('any'), { verb: 'create', requestUri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', statusCode: 201 }),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'Policy:Kubernetes/ExposedDashboard',
    severity: 5,
    feature: 'eks-audit-logs',
    count: [1, 1],
    build(ctx) {
      const eks = eksResource(ctx, { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
      return {
        title: `The Kubernetes dashboard of cluster ${eks.name} is exposed to the internet.`,
        description: `A LoadBalancer service exposes the Kubernetes dashboard of EKS cluster ${eks.name} to the internet.`,
        resource: eks.resource,
        action: kubernetesCall(ctx, ctx.remote('any'), {
          verb: 'patch',
          requestUri: '/api/v1/namespaces/kubernetes-dashboard/services/kubernetes-dashboard',
          statusCode: 200,
        }),
        resourceRole: 'TARGET',
      };
    },
  },

  // ---- Runtime Monitoring ------------------------------------------------------------------------------------------
  {
    type: 'Execution:Runtime/ReverseShell',
    severity: 8,
    feature: 'runtime-monitoring',
    count: [1, 2],
    build(ctx) {
      const i = ctx.instance();
      const host = ctx.remote('malicious');
      return {
        title: `A process in EC2 instance ${i.id} has opened a reverse shell.`,
        description: `The process bash on EC2 instance ${i.id} redirected its input and output to a network connection to ${host.ip}:4444, a reverse shell.`,
        resource: instanceResource(ctx),
        service: runtimeDetails(ctx, { name: 'bash', path: '/usr/bin/bash', user: 'www-data', parent: { name: 'php-fpm', path: '/usr/sbin/php-fpm8.2' } }, {
          ianaProtocolNumber: 6,
          addressFamily: 'AF_INET',
        }),
        additionalInfo: { remoteIp: host.ip, remotePort: 4444 },
      };
    },
  },
  {
    type: 'Impact:Runtime/CryptoMinerExecuted',
    severity: 8,
    feature: 'runtime-monitoring',
    count: [1, 4],
    build(ctx) {
      const c = containerResource(ctx, 'public.ecr.example/shop/checkout:2.14.1');
      return {
        title: `A container in cluster ${c.cluster} is running a cryptocurrency miner.`,
        description: `A process associated with cryptocurrency mining (xmrig) was executed in a container of EKS cluster ${c.cluster}.`,
        resource: c.resource,
        service: runtimeDetails(ctx, { name: 'xmrig', path: '/tmp/.cache/xmrig', parent: { name: 'sh', path: '/bin/sh' } }),
      };
    },
  },
  {
    type: 'PrivilegeEscalation:Runtime/DockerSocketAccessed',
    severity: 5,
    feature: 'runtime-monitoring',
    count: [1, 3],
    build(ctx) {
      const c = containerResource(ctx, 'public.ecr.example/tools/debug-shell:latest');
      return {
        title: `A process in a container of cluster ${c.cluster} is communicating with the Docker daemon socket.`,
        description: `A process inside a container of EKS cluster ${c.cluster} opened /var/run/docker.sock. Access to the Docker socket lets a container control the host.`,
        resource: c.resource,
        service: runtimeDetails(ctx, { name: 'curl', path: '/usr/bin/curl' }, { socketPath: '/var/run/docker.sock', addressFamily: 'AF_UNIX' }),
      };
    },
  },
  {
    type: 'Execution:Runtime/NewBinaryExecuted',
    severity: 5,
    feature: 'runtime-monitoring',
    count: [1, 6],
    build(ctx) {
      const i = ctx.instance();
      return {
        title: `A newly created or recently modified binary file has been executed in EC2 instance ${i.id}.`,
        description: `The file /tmp/kworkerd, created or modified in the last hour, was executed on EC2 instance ${i.id}.`,
        resource: instanceResource(ctx),
        service: runtimeDetails(ctx, { name: 'kworkerd', path: '/tmp/kworkerd', user: 'ec2-user' }, { modifiedAt: ctx.iso(12 * 60_000) }),
      };
    },
  },
  {
    type: 'DefenseEvasion:Runtime/ProcessInjection.Ptrace',
    severity: 5,
    feature: 'runtime-monitoring',
    count: [1, 2],
    build(ctx) {
      const i = ctx.instance();
      return {
        title: `A process injection attempt using ptrace was observed on EC2 instance ${i.id}.`,
        description: `A process on EC2 instance ${i.id} used the ptrace system call to inject code into the process sshd.`,
        resource: instanceResource(ctx),
        service: runtimeDetails(ctx, { name: 'inject', path: '/dev/shm/inject' }, { targetProcess: { name: 'sshd', executablePath: '/usr/sbin/sshd', pid: ctx.int(500, 900) } }),
      };
    },
  },
  {
    type: 'PrivilegeEscalation:Runtime/ContainerMountsHostDirectory',
    severity: 5,
    feature: 'runtime-monitoring',
    count: [1, 1],
    build(ctx) {
      const c = containerResource(ctx, 'public.ecr.example/batch/etl-runner:5.2.0');
      return {
        title: `A container in cluster ${c.cluster} mounted a sensitive host directory.`,
        description: `A process inside a container of EKS cluster ${c.cluster} mounted the host directory /etc, which can lead to a container escape.`,
        resource: c.resource,
        service: runtimeDetails(ctx, { name: 'mount', path: '/usr/bin/mount' }, { mountSource: '/dev/nvme0n1p1', mountTarget: '/host/etc', fileSystemType: 'xfs' }),
      };
    },
  },
  {
    type: 'CryptoCurrency:Runtime/BitcoinTool.B!DNS',
    severity: 8,
    feature: 'runtime-monitoring',
    count: [5, 200],
    build(ctx) {
      const i = ctx.instance();
      const domain = `stratum-${ctx.int(1, 9)}.mining-pool.example`;
      return {
        title: `The process minerd on EC2 instance ${i.id} is querying a Bitcoin-related domain name.`,
        description: `The process minerd running on EC2 instance ${i.id} is querying ${domain}, a domain associated with cryptocurrency-related activity.`,
        resource: instanceResource(ctx),
        action: dnsRequest(domain),
        // Runtime Monitoring findings carry no resource role (finding details reference).
        service: runtimeDetails(ctx, { name: 'minerd', path: '/var/tmp/minerd' }),
      };
    },
  },

  // ---- Malware Protection (EBS scans, S3 object scans) ------------------------------------------------------------
  {
    type: 'Execution:EC2/MaliciousFile',
    severity: 8,
    feature: 'malware-protection',
    count: [1, 1],
    build(ctx) {
      const i = ctx.instance();
      const scan = ebsScan(ctx, 'Backdoor:EC2/C&CActivity.B!DNS', [
        { name: 'EICAR-Test-File (not a virus)', path: '/home/ec2-user/downloads/eicar.com', hash: EICAR_SHA256 },
      ]);
      return {
        title: `A malicious file was detected on EC2 instance ${i.id}.`,
        description: `The GuardDuty malware scan of EC2 instance ${i.id}, started by a ${scan.triggerType} finding, detected 1 malicious file: EICAR-Test-File (not a virus).`,
        resource: scan.resource,
        service: scan.service,
      };
    },
  },
  {
    type: 'Object:S3/MaliciousFile',
    severity: 8,
    feature: 'malware-protection',
    count: [1, 1],
    build(ctx) {
      const bucket = bucketDetails(ctx);
      const name = bucket.name as string;
      const key = `uploads/${ctx.pick(['invoice', 'resume', 'scan'])}-${ctx.int(1000, 9999)}.pdf.exe`;
      return {
        title: `A malicious file was uploaded to S3 bucket ${name}.`,
        description: `Malware Protection for S3 scanned the new object ${key} in bucket ${name} and found EICAR-Test-File (not a virus).`,
        resource: {
          resourceType: 'S3Object',
          s3BucketDetails: [
            {
              ...bucket,
              s3ObjectDetails: [{ objectArn: `arn:aws:s3:::${name}/${key}`, key, eTag: ctx.hex(32), hash: EICAR_SHA256, versionId: ctx.upper(32) }],
            },
          ],
        },
        service: {
          featureName: 'S3MalwareProtection',
          malwareScanDetails: { threats: [{ name: 'EICAR-Test-File (not a virus)', source: 'Amazon', itemPaths: [{ nestedItemPath: key, hash: EICAR_SHA256 }] }] },
        },
      };
    },
  },

  // ---- RDS Protection (RDS login activity) -------------------------------------------------------------------------
  {
    type: 'CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin',
    severity: 5,
    feature: 'rds-login',
    count: [1, 3],
    build(ctx) {
      const host = ctx.remote('any');
      const rds = rdsResource(ctx, 'app_readonly', 'psql');
      return {
        title: `A user successfully logged in to RDS database ${rds.db} in an anomalous way.`,
        description: `User app_readonly logged in to RDS database ${rds.db} from ${host.ip} with the application psql, which differs from this database's established login pattern.`,
        resource: rds.resource,
        action: rdsLogin(host, 'app_readonly', 'psql', 0, 1),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce',
    severity: 8,
    feature: 'rds-login',
    count: [1, 2],
    build(ctx) {
      const host = ctx.remote('scanner');
      const rds = rdsResource(ctx, 'postgres', 'unknown');
      const failed = ctx.int(400, 4000);
      return {
        title: `A successful login followed a brute force attack on RDS database ${rds.db}.`,
        description: `IP address ${host.ip} failed to log in to RDS database ${rds.db} ${failed} times and then logged in successfully as postgres.`,
        resource: rds.resource,
        action: rdsLogin(host, 'postgres', 'unknown', failed, 1),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'CredentialAccess:RDS/MaliciousIPCaller.FailedLogin',
    severity: 5,
    feature: 'rds-login',
    count: [2, 80],
    build(ctx) {
      const host = ctx.remote('malicious');
      const rds = rdsResource(ctx, 'admin', 'unknown');
      return {
        title: `An IP address associated with known malicious activity failed to log in to RDS database ${rds.db}.`,
        description: `IP address ${host.ip}, which is on a threat list, unsuccessfully attempted to log in to RDS database ${rds.db}.`,
        resource: rds.resource,
        action: rdsLogin(host, 'admin', 'unknown', ctx.int(3, 60), 0),
        resourceRole: 'TARGET',
        service: threatEvidence('Amazon', ['MaliciousIPCaller']),
      };
    },
  },
  {
    type: 'CredentialAccess:RDS/AnomalousBehavior.FailedLogin',
    severity: 2,
    feature: 'rds-login',
    count: [5, 300],
    build(ctx) {
      const host = ctx.remote('any');
      const rds = rdsResource(ctx, 'reporting', 'DBeaver 24.0.2');
      return {
        title: `Anomalous failed login attempts were seen on RDS database ${rds.db}.`,
        description: `One or more unusual failed login attempts were made on RDS database ${rds.db} from ${host.ip}.`,
        resource: rds.resource,
        action: rdsLogin(host, 'reporting', 'DBeaver 24.0.2', ctx.int(5, 50), 0),
        resourceRole: 'TARGET',
      };
    },
  },
  {
    type: 'Discovery:RDS/TorIPCaller',
    severity: 5,
    feature: 'rds-login',
    count: [1, 10],
    build(ctx) {
      const host = ctx.remote('tor');
      const rds = rdsResource(ctx, 'postgres', '');
      return {
        title: `A Tor exit node IP address probed RDS database ${rds.db} without trying to authenticate.`,
        description: `The Tor exit node IP address ${host.ip} probed RDS database ${rds.db}, and no authentication attempt was made.`,
        resource: rds.resource,
        action: rdsLogin(host, 'postgres', '', 0, 0),
        resourceRole: 'TARGET',
      };
    },
  },

  // ---- Lambda Protection (Lambda network activity) -----------------------------------------------------------------
  {
    type: 'Backdoor:Lambda/C&CActivity.B',
    severity: 8,
    feature: 'lambda-network',
    count: [1, 30],
    build(ctx) {
      const fn = lambdaResource(ctx);
      const host = ctx.remote('malicious');
      return {
        title: `Lambda function ${fn.name} is querying an IP address associated with a known Command & Control server.`,
        description: `Lambda function ${fn.name} is communicating with ${host.ip}, an IP address associated with a known Command & Control server.`,
        resource: fn.resource,
        action: lambdaConnection(host, 443, `10.0.${ctx.int(16, 31)}.${ctx.int(1, 254)}`),
        resourceRole: 'ACTOR',
        service: threatEvidence('Amazon', ['CommandAndControl']),
      };
    },
  },
  {
    type: 'CryptoCurrency:Lambda/BitcoinTool.B',
    severity: 8,
    feature: 'lambda-network',
    count: [5, 300],
    build(ctx) {
      const fn = lambdaResource(ctx);
      const host = ctx.remote('malicious');
      return {
        title: `Lambda function ${fn.name} is communicating with Bitcoin-related IP address ${host.ip}.`,
        description: `Lambda function ${fn.name} is communicating with ${host.ip} on port 3333, an IP address associated with cryptocurrency-related activity.`,
        resource: fn.resource,
        action: lambdaConnection(host, 3333, `10.0.${ctx.int(16, 31)}.${ctx.int(1, 254)}`),
        resourceRole: 'ACTOR',
      };
    },
  },
  {
    type: 'UnauthorizedAccess:Lambda/TorClient',
    severity: 8,
    feature: 'lambda-network',
    count: [1, 20],
    build(ctx) {
      const fn = lambdaResource(ctx);
      const host = ctx.remote('tor');
      return {
        title: `Lambda function ${fn.name} is communicating with a Tor entry node.`,
        description: `Lambda function ${fn.name} is connecting to ${host.ip} on port 9001, a Tor entry node.`,
        resource: fn.resource,
        action: lambdaConnection(host, 9001, `10.0.${ctx.int(16, 31)}.${ctx.int(1, 254)}`),
        resourceRole: 'ACTOR',
      };
    },
  },
  {
    type: 'Trojan:Lambda/BlackholeTraffic',
    severity: 5,
    feature: 'lambda-network',
    count: [1, 40],
    build(ctx) {
      const fn = lambdaResource(ctx);
      const host = ctx.remote('malicious');
      return {
        title: `Lambda function ${fn.name} is trying to reach a black hole IP address ${host.ip}.`,
        description: `Lambda function ${fn.name} is attempting to communicate with ${host.ip}, a black-holed IP address of a known malicious host.`,
        resource: fn.resource,
        action: lambdaConnection(host, 80, `10.0.${ctx.int(16, 31)}.${ctx.int(1, 254)}`),
        resourceRole: 'ACTOR',
      };
    },
  },

  // ---- Attack sequences (Extended Threat Detection: the only Critical findings) -----------------------------------
  {
    type: 'AttackSequence:IAM/CompromisedCredentials',
    severity: 9,
    feature: 'attack-sequence',
    count: [1, 1],
    build(ctx) {
      const k = ctx.key('IAMUser');
      const host = ctx.remote('tor');
      return {
        title: `Potential credential compromise of ${k.userName} indicated by a sequence of actions.`,
        description: `A sequence of actions by ${k.userName} from ${host.ip} (a Tor exit node) matches credential compromise: discovery, disabling of CloudTrail logging and creation of new access keys.`,
        resource: accessKeyResource(ctx, 'IAMUser'),
        service: {
          featureName: 'Correlation',
          detection: {
            sequence: {
              uid: ctx.hex(32),
              description: 'Potential credential compromise indicated by a sequence of actions.',
              actors: [{ id: k.principalId, user: { name: k.userName, uid: k.principalId, account: { uid: ctx.accountId } } }],
              endpoints: [{ id: host.ip, ip: host.ip }],
              signals: sequenceSignals(ctx, ['UnauthorizedAccess:IAMUser/TorIPCaller', 'StopLogging', 'CreateAccessKey', 'GetSecretValue']),
              sequenceIndicators: [{ key: 'ATTACK_TACTIC', values: ['Discovery', 'Defense Evasion', 'Persistence', 'Credential Access'] }],
            },
          },
        },
      };
    },
  },
  {
    type: 'AttackSequence:S3/CompromisedData',
    severity: 9.5,
    feature: 'attack-sequence',
    count: [1, 1],
    build(ctx) {
      const s3 = s3Resource(ctx, { userType: 'IAMUser' });
      const k = ctx.key();
      const host = ctx.remote('malicious');
      return {
        title: `Potential data compromise of S3 bucket ${s3.bucket} indicated by a sequence of actions.`,
        description: `Principal ${k.userName} listed, copied and then deleted many objects of S3 bucket ${s3.bucket} from ${host.ip}, after disabling its server access logging. This pattern matches a ransomware attack.`,
        resource: s3.resource,
        service: {
          featureName: 'Correlation',
          detection: {
            sequence: {
              uid: ctx.hex(32),
              description: 'Potential data compromise of one or more S3 buckets indicated by a sequence of actions.',
              actors: [{ id: k.principalId, user: { name: k.userName, uid: k.principalId, account: { uid: ctx.accountId } } }],
              endpoints: [{ id: host.ip, ip: host.ip }],
              signals: sequenceSignals(ctx, ['Stealth:S3/ServerAccessLoggingDisabled', 'ListObjects', 'GetObject', 'DeleteObjects']),
              sequenceIndicators: [{ key: 'ATTACK_TACTIC', values: ['Defense Evasion', 'Discovery', 'Exfiltration', 'Impact'] }],
            },
          },
        },
      };
    },
  },
  {
    type: 'AttackSequence:EKS/CompromisedCluster',
    severity: 9,
    feature: 'attack-sequence',
    count: [1, 1],
    build(ctx) {
      const eks = eksResource(ctx, { username: 'system:anonymous', uid: '', groups: ['system:unauthenticated'] });
      const host = ctx.remote('malicious');
      return {
        title: `Potential compromise of EKS cluster ${eks.name} indicated by a sequence of actions.`,
        description: `Anonymous access to EKS cluster ${eks.name} from ${host.ip} was followed by secret reads and a cryptocurrency miner starting in a new pod.`,
        resource: eks.resource,
        service: {
          featureName: 'Correlation',
          detection: {
            sequence: {
              uid: ctx.hex(32),
              description: 'Potential compromise of an EKS cluster indicated by a sequence of actions.',
              actors: [{ id: 'system:anonymous', user: { name: 'system:anonymous', uid: '' } }],
              endpoints: [{ id: host.ip, ip: host.ip }],
              signals: sequenceSignals(ctx, ['Discovery:Kubernetes/SuccessfulAnonymousAccess', 'CredentialAccess:Kubernetes/MaliciousIPCaller', 'Impact:Runtime/CryptoMinerExecuted']),
              sequenceIndicators: [{ key: 'ATTACK_TACTIC', values: ['Discovery', 'Credential Access', 'Impact'] }],
            },
          },
        },
      };
    },
  },
  // ---- Added in 2026 (issue 20): Malware Protection for AWS Backup, custom detection rules, attack-sequence context.
  // Sources: the user guide's "Malware Protection for Backup finding types" and "Custom detection rules" pages, the
  // document history, and the SDK model (`@aws-sdk/client-guardduty`: MalwareScanDetails, RecoveryPointDetails,
  // EbsSnapshotDetails, Sequence.additionalSequenceTypes, IndicatorType).
  {
    type: 'Execution:EC2/MaliciousFile!Snapshot',
    severity: 8,
    feature: 'malware-protection',
    count: [1, 1],
    build(ctx) {
      const i = ctx.instance();
      const snapshot = `snap-${ctx.hex(17)}`;
      const volume = `arn:aws:ec2:${ctx.region}:${ctx.accountId}:volume/vol-${ctx.hex(17)}`;
      return {
        title: `A malicious file was detected in EBS snapshot ${snapshot}.`,
        description: `The Malware Protection for Backup scan of EBS snapshot ${snapshot} (a backup of a volume of EC2 instance ${i.id}) detected 2 malicious files.`,
        resource: { resourceType: 'EBSSnapshot', ebsSnapshotDetails: { snapshotArn: `arn:aws:ec2:${ctx.region}::snapshot/${snapshot}` } },
        service: {
          featureName: 'MalwareProtectionForBackup',
          malwareScanDetails: {
            scanId: ctx.hex(32),
            scanType: 'BACKUP_INITIATED',
            scanCategory: 'FULL_SCAN',
            scanConfiguration: { triggerType: 'BACKUP' },
            uniqueThreatCount: 2,
            threats: [
              {
                name: 'Trojan.Linux.ExampleMiner',
                source: 'Amazon',
                count: 1,
                itemDetails: [{ resourceArn: volume, itemPath: '/usr/local/bin/kworkerd', hash: ctx.hex(64), additionalInfo: { deviceName: '/dev/xvda' } }],
              },
              { name: 'EICAR-Test-File (not a virus)', source: 'Amazon', count: 1, itemDetails: [{ resourceArn: volume, itemPath: '/home/ec2-user/eicar.com', hash: EICAR_SHA256 }] },
            ],
          },
        },
      };
    },
  },
  {
    type: 'Execution:S3/MaliciousFile!RecoveryPoint',
    severity: 8,
    feature: 'malware-protection',
    count: [1, 1],
    build(ctx) {
      const bucket = bucketDetails(ctx);
      const name = bucket.name as string;
      const vault = ctx.pick(['prod-daily-vault', 's3-weekly-vault', 'compliance-vault']);
      const recoveryPoint = `arn:aws:backup:${ctx.region}:${ctx.accountId}:recovery-point:${name}-${ctx.hex(8)}`;
      const key = `exports/${ctx.pick(['invoices', 'payroll', 'reports'])}-${ctx.int(2024, 2026)}.xlsm`;
      return {
        title: `A malicious file was detected in an S3 recovery point of bucket ${name}.`,
        description: `The Malware Protection for Backup scan of a recovery point of S3 bucket ${name} in backup vault ${vault} detected a malicious file: ${key}.`,
        resource: { resourceType: 'RecoveryPoint', recoveryPointDetails: { recoveryPointArn: recoveryPoint, backupVaultName: vault } },
        service: {
          featureName: 'MalwareProtectionForBackup',
          malwareScanDetails: {
            scanId: ctx.hex(32),
            scanType: 'BACKUP_INITIATED',
            scanCategory: 'INCREMENTAL_SCAN',
            scanConfiguration: { triggerType: 'BACKUP', incrementalScanDetails: { baselineResourceArn: `arn:aws:backup:${ctx.region}:${ctx.accountId}:recovery-point:${name}-${ctx.hex(8)}` } },
            uniqueThreatCount: 1,
            threats: [
              {
                name: 'Ransom.Win32.ExampleLocker',
                source: 'Amazon',
                count: ctx.int(1, 4),
                itemDetails: [{ resourceArn: `arn:aws:s3:::${name}`, itemPath: key, hash: ctx.hex(64), additionalInfo: { versionId: ctx.upper(32) } }],
              },
            ],
          },
        },
      };
    },
  },
  {
    // A custom detection rule's finding: the type is the rule's `Tactic:Service/Technique`.
    type: 'CredentialAccess:EC2/UnsecuredCredentials',
    severity: 7,
    feature: 'ec2',
    count: [1, 3],
    build(ctx) {
      const i = ctx.instance();
      return {
        title: `Credentials were read from an unsecured file on EC2 instance ${i.id}.`,
        description: `The custom detection rule unsecured-credentials-on-hosts matched: a process on EC2 instance ${i.id} read AWS credentials from /home/ec2-user/.aws/credentials, a file readable by every user.`,
        resource: instanceResource(ctx),
        service: runtimeDetails(ctx, { name: 'python3', path: '/usr/bin/python3' }),
        finding: { customDetectionRuleName: 'unsecured-credentials-on-hosts' },
      };
    },
  },
  {
    type: 'AttackSequence:ECS/CompromisedCluster',
    severity: 9,
    feature: 'attack-sequence',
    count: [1, 1],
    build(ctx) {
      const cluster = `${ctx.pick(['checkout', 'payments', 'search'])}-prod`;
      const host = ctx.remote('malicious');
      const cve = `CVE-2026-${ctx.int(10000, 49999)}`;
      return {
        title: `Potential compromise of ECS cluster ${cluster} indicated by a sequence of actions.`,
        description: `A container of ECS cluster ${cluster} installed a malicious package, reached ${host.ip} and started a cryptocurrency miner; the task was reachable from the internet through a vulnerable image.`,
        resource: {
          resourceType: 'ECSCluster',
          ecsClusterDetails: { name: cluster, arn: `arn:aws:ecs:${ctx.region}:${ctx.accountId}:cluster/${cluster}`, status: 'ACTIVE' },
        },
        service: {
          featureName: 'Correlation',
          detection: {
            sequence: {
              uid: ctx.hex(32),
              description: 'Potential compromise of an ECS cluster indicated by a sequence of actions.',
              actors: [{ id: `task/${ctx.hex(32)}`, process: { name: 'node', path: '/usr/local/bin/node' } }],
              endpoints: [{ id: host.ip, ip: host.ip }],
              signals: sequenceSignals(ctx, ['Execution:Runtime/MaliciousFileExecuted', 'CryptoCurrency:Runtime/BitcoinTool.B!DNS', 'Impact:Runtime/CryptoMinerExecuted']),
              sequenceIndicators: [
                { key: 'ATTACK_TACTIC', values: ['Initial Access', 'Execution', 'Impact'] },
                { key: 'MALICIOUS_PACKAGE', values: [`npm:event-stream-helper@4.0.${ctx.int(1, 9)}`] },
                { key: 'VULNERABILITY', values: [cve] },
                { key: 'REACHABILITY', values: ['Load balancer listener :443 open to the internet'] },
                { key: 'MISCONFIGURATION', values: ['Task role allows ecr:* and s3:* on *'] },
                { key: 'SENSITIVE_DATA', values: ['Secrets Manager secret prod/db-password read by the task'] },
              ],
              additionalSequenceTypes: ['AttackSequence:ECS/CompromisedCluster', 'AttackSequence:IAM/CompromisedCredentials'],
            },
          },
        },
      };
    },
  },
];
