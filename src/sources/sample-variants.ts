import { parseFindingDocument } from '../finding/parse.js';
import { SAMPLE_TEMPLATES, createSampleContext, hashSeed, type SampleContext } from './sample-templates.js';
import { buildSample, EXAMPLE_ACCOUNT_IDS, SAMPLE_REGIONS, type SampleEvent } from './samples.js';

/**
 * Samples of the other ways findings arrive, so the demo (and `render`) shows them too: a GuardDuty finding as the
 * new Security Hub publishes it (`Findings Imported V2`, OCSF), an Inspector finding the same way, Malware Protection
 * for S3 scan results (a hit and a "could not scan" notice), and an attack sequence with one of its signals.
 * Fictitious and internally consistent like the GuardDuty samples (documentation IP ranges, example accounts).
 *
 * Shapes: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-v2-cwe-event-formats.html (the V2
 * event), the OCSF schema (detection_finding, vulnerability_finding), and the Malware Protection for S3 EventBridge
 * page (https://docs.aws.amazon.com/guardduty/latest/ug/monitor-with-eventbridge-s3-malware-protection.html).
 */

/** Any sample document: a GuardDuty Finding event, a Security Hub V2 event or a scan result event. */
export type SampleDocument = SampleEvent | (Record<string, unknown> & { 'detail-type': string; source: string });

export interface VariantOptions {
  now: number;
  seed?: number;
  accountId?: string;
  region?: string;
}

/** OCSF severity_id of a GuardDuty band (2 Low, 3 Medium, 4 High, 5 Critical). Source: the OCSF severity_id enum. */
function severityIdOf(severity: number): { id: number; label: string } {
  if (severity >= 9) return { id: 5, label: 'Critical' };
  if (severity >= 7) return { id: 4, label: 'High' };
  if (severity >= 4) return { id: 3, label: 'Medium' };
  return { id: 2, label: 'Low' };
}

function template(type: string) {
  const found = SAMPLE_TEMPLATES.find((t) => t.type === type);
  if (found === undefined) throw new Error(`the ${type} sample template is missing`);
  return found;
}

/**
 * A GuardDuty sample finding as the new Security Hub publishes it: one OCSF Detection Finding (class 2004) in a
 * `Findings Imported V2` event. `finding_info.uid` is the finding's ARN and `uid_alt` its id, as in the third-party
 * captures we have; the GuardDuty type is among `finding_info.types`.
 */
export function toSecurityHubV2Event(event: SampleEvent, ctx: SampleContext): SampleDocument {
  const d = event.detail;
  const { id: severityId, label } = severityIdOf(d.severity);
  const instance = d.resource.instanceDetails as { instanceId?: string; instanceType?: string; networkInterfaces?: Array<Record<string, unknown>>; tags?: Array<{ key: string; value: string }> } | undefined;
  const key = d.resource.accessKeyDetails as { accessKeyId?: string; userName?: string } | undefined;
  const resources = instance
    ? [
        {
          type: 'AWS::EC2::Instance',
          uid: instance.instanceId,
          name: instance.instanceId,
          region: d.region,
          cloud_partition: 'aws',
          owner: { account: { uid: d.accountId, type: 'AWS Account', type_id: 10 } },
          data: {
            instance_id: instance.instanceId,
            instance_type: instance.instanceType,
            network_interfaces: (instance.networkInterfaces ?? []).map((nic) => ({ private_ip_address: nic.privateIpAddress, public_ip: nic.publicIp, vpc_id: nic.vpcId })),
          },
          tags: (instance.tags ?? []).map((t) => ({ name: t.key, value: t.value })),
        },
      ]
    : [{ type: 'AWS::IAM::AccessKey', uid: key?.accessKeyId, name: key?.userName, region: d.region }];
  const action = d.service.action as Record<string, Record<string, unknown> | string> | undefined;
  const evidences: Array<Record<string, unknown>> = [];
  const network = action?.networkConnectionAction as Record<string, Record<string, unknown> | string> | undefined;
  if (network !== undefined) {
    const remote = network.remoteIpDetails as Record<string, Record<string, unknown> | string>;
    const endpoint = {
      ip: remote.ipAddressV4,
      port: (network.remotePortDetails as { port?: number } | undefined)?.port,
      location: { city: (remote.city as { cityName?: string })?.cityName, country: (remote.country as { countryName?: string })?.countryName },
      autonomous_system: { name: (remote.organization as { asnOrg?: string })?.asnOrg, number: Number((remote.organization as { asn?: string })?.asn) },
    };
    const outbound = network.connectionDirection === 'OUTBOUND';
    evidences.push({
      connection_info: { direction: outbound ? 'Outbound' : 'Inbound', direction_id: outbound ? 2 : 1, protocol_name: network.protocol },
      ...(outbound ? { dst_endpoint: endpoint } : { src_endpoint: endpoint }),
    });
  }
  const api = action?.awsApiCallAction as Record<string, Record<string, unknown> | string> | undefined;
  if (api !== undefined) {
    const remote = api.remoteIpDetails as Record<string, unknown> | undefined;
    evidences.push({
      api: { operation: api.api, service: { name: api.serviceName } },
      actor: { user: { name: key?.userName, uid: key?.accessKeyId } },
      ...(remote ? { src_endpoint: { ip: remote.ipAddressV4 } } : {}),
    });
  }
  const ms = (iso: string) => Date.parse(iso);
  const finding = {
    activity_id: 1,
    activity_name: 'Create',
    category_name: 'Findings',
    category_uid: 2,
    class_name: 'Detection Finding',
    class_uid: 2004,
    type_name: 'Detection Finding: Create',
    type_uid: 200401,
    cloud: { account: { type: 'AWS Account', type_id: 10, uid: d.accountId }, cloud_partition: 'aws', provider: 'AWS', region: d.region },
    count: d.service.count,
    evidences,
    finding_info: {
      created_time: ms(d.createdAt),
      modified_time: ms(d.updatedAt),
      first_seen_time: ms(d.service.eventFirstSeen),
      last_seen_time: ms(d.service.eventLastSeen),
      desc: d.description,
      title: d.title,
      types: ['Threats', d.type],
      uid: d.arn,
      uid_alt: d.id,
    },
    metadata: {
      product: { name: 'GuardDuty', uid: `arn:aws:securityhub:${d.region}::productv2/aws/guardduty`, vendor_name: 'AWS' },
      uid: ctx.hex(64),
      version: '1.6.0',
    },
    resources,
    severity: label,
    severity_id: severityId,
    status: 'New',
    status_id: 1,
    time: ms(d.updatedAt),
  };
  return v2Event(ctx, d.accountId, d.region, event.time, finding);
}

function v2Event(ctx: SampleContext, accountId: string, region: string, time: string, finding: Record<string, unknown>): SampleDocument {
  return {
    version: '0',
    id: ctx.uuid(),
    'detail-type': 'Findings Imported V2',
    source: 'aws.securityhub',
    account: accountId,
    time,
    region,
    resources: [ctx.hex(64)],
    detail: { findings: [finding] },
  };
}

/** An Inspector vulnerability finding (OCSF class 2002), as a team forwarding all of Security Hub receives it. */
function inspectorV2Event(ctx: SampleContext, accountId: string, region: string, now: number): SampleDocument {
  const cve = `CVE-2026-${ctx.int(10000, 49999)}`;
  const repository = ctx.pick(['storefront', 'checkout-api', 'image-resizer']);
  return v2Event(ctx, accountId, region, new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z'), {
    activity_id: 1,
    class_name: 'Vulnerability Finding',
    class_uid: 2002,
    cloud: { account: { uid: accountId, type: 'AWS Account' }, provider: 'AWS', region },
    finding_info: {
      created_time: now - ctx.int(60_000, 3_600_000),
      modified_time: now - ctx.int(1_000, 60_000),
      desc: `A heap overflow in example-imagelib before 2.4.1 lets a crafted image run code (${cve}).`,
      title: `${cve} - example-imagelib`,
      types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
      uid: `arn:aws:inspector2:${region}:${accountId}:finding/${ctx.hex(32)}`,
    },
    metadata: { product: { name: 'Inspector', uid: `arn:aws:securityhub:${region}::productv2/aws/inspector`, vendor_name: 'AWS' }, uid: ctx.hex(64), version: '1.6.0' },
    resources: [{ type: 'AWS::ECR::ContainerImage', uid: `arn:aws:ecr:${region}:${accountId}:repository/${repository}`, name: `${repository}:1.${ctx.int(0, 40)}.0`, region }],
    severity: 'High',
    severity_id: 4,
    status: 'New',
    status_id: 1,
    vulnerabilities: [{ cve: { uid: cve }, affected_packages: [{ name: 'example-imagelib', version: '2.3.9' }] }],
  });
}

/** A Malware Protection for S3 object scan result event. */
function scanResultEvent(ctx: SampleContext, accountId: string, region: string, now: number, result: 'THREATS_FOUND' | 'ACCESS_DENIED'): SampleDocument {
  const bucket = `${ctx.pick(['customer-uploads', 'partner-dropbox', 'media-ingest'])}-${ctx.hex(6)}`;
  const key = result === 'THREATS_FOUND' ? `uploads/${ctx.pick(['invoice', 'resume', 'scan'])}-${ctx.int(1000, 9999)}.pdf.exe` : `exports/archive-${ctx.int(100, 999)}.zip`;
  return {
    version: '0',
    id: ctx.uuid(),
    'detail-type': 'GuardDuty Malware Protection Object Scan Result',
    source: 'aws.guardduty',
    account: accountId,
    time: new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region,
    resources: [`arn:aws:guardduty:${region}:${accountId}:malware-protection-plan/${ctx.hex(20)}`],
    detail: {
      schemaVersion: '1.0',
      scanStatus: result === 'THREATS_FOUND' ? 'COMPLETED' : 'SKIPPED',
      resourceType: 'S3_OBJECT',
      s3ObjectDetails: { bucketName: bucket, objectKey: key, eTag: ctx.hex(32), versionId: ctx.upper(32), s3Throttled: false },
      scanResultDetails: {
        scanResultStatus: result,
        threats: result === 'THREATS_FOUND' ? [{ name: 'EICAR-Test-File (not a virus)' }] : null,
      },
    },
  };
}

/**
 * A Runtime Monitoring coverage event for one EKS cluster (`GuardDuty Runtime Protection Unhealthy` / `Healthy`), the
 * shape the user guide documents and the corpus holds for ECS. The cluster is the same for both, so the demo shows the
 * notice and then its "recovered" line.
 */
function runtimeCoverageEvent(ctx: SampleContext, accountId: string, region: string, now: number, cluster: string, healthy: boolean): SampleDocument {
  return {
    version: '0',
    id: ctx.uuid(),
    'detail-type': healthy ? 'GuardDuty Runtime Protection Healthy' : 'GuardDuty Runtime Protection Unhealthy',
    source: 'aws.guardduty',
    account: accountId,
    time: new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region,
    resources: [],
    detail: {
      schemaVersion: '1.0',
      resourceAccountId: accountId,
      currentStatus: healthy ? 'Healthy' : 'Unhealthy',
      previousStatus: healthy ? 'Unhealthy' : 'Healthy',
      resourceDetails: {
        resourceType: 'EKS',
        eksClusterDetails: { clusterName: cluster, clusterArn: `arn:aws:eks:${region}:${accountId}:cluster/${cluster}` },
      },
      issue: healthy ? '' : 'The GuardDuty security agent add-on (aws-guardduty-agent) is not running on 3 of 5 nodes',
      lastUpdatedAt: now - 30_000,
    },
  };
}

/**
 * One of each: a GuardDuty finding via Security Hub (OCSF), an Inspector finding via Security Hub, a scan hit, a
 * "could not scan" notice (Low: dropped by a minSeverity of 4), an attack sequence with its signals, and a finding that
 * is one of its signals (`associatedAttackSequenceArn`); then a Malware Protection for Backup finding, an attack
 * sequence with the 2026 context indicators, and a Runtime Monitoring coverage notice followed by its recovery. Pure: a function of the options.
 *
 * @example
 * const documents = generateSampleVariants({ now: Date.now(), seed: 7 });
 */
export function generateSampleVariants(options: VariantOptions): SampleDocument[] {
  const seed = (options.seed ?? hashSeed('variants', options.now)) >>> 0;
  const accountId = options.accountId ?? (EXAMPLE_ACCOUNT_IDS[seed % EXAMPLE_ACCOUNT_IDS.length] as string);
  const region = options.region ?? (SAMPLE_REGIONS[seed % SAMPLE_REGIONS.length] as string);
  const ctx = createSampleContext({ seed: hashSeed(seed, 'variants'), accountId, region, now: options.now });
  const base = { accountId, region, now: options.now };
  const viaSecurityHub = buildSample(template(ctx.pick(['CryptoCurrency:EC2/BitcoinTool.B', 'UnauthorizedAccess:IAMUser/TorIPCaller'])), { ...base, seed: hashSeed(seed, 'ocsf') });
  const sequence = buildSample(template('AttackSequence:IAM/CompromisedCredentials'), { ...base, seed: hashSeed(seed, 'sequence') });
  const signal = buildSample(template('UnauthorizedAccess:IAMUser/TorIPCaller'), { ...base, seed: hashSeed(seed, 'signal') });
  signal.detail.associatedAttackSequenceArn = sequence.detail.arn;
  const backup = buildSample(template('Execution:EC2/MaliciousFile!Snapshot'), { ...base, seed: hashSeed(seed, 'backup') });
  const contextSequence = buildSample(template('AttackSequence:ECS/CompromisedCluster'), { ...base, seed: hashSeed(seed, 'ets-2026') });
  const cluster = `${ctx.pick(['payments', 'platform', 'data'])}-eks-${ctx.hex(4)}`;
  return [
    toSecurityHubV2Event(viaSecurityHub, ctx),
    inspectorV2Event(ctx, accountId, region, options.now),
    scanResultEvent(ctx, accountId, region, options.now, 'THREATS_FOUND'),
    scanResultEvent(ctx, accountId, region, options.now, 'ACCESS_DENIED'),
    sequence,
    signal,
    backup,
    contextSequence,
    runtimeCoverageEvent(ctx, accountId, region, options.now, cluster, false),
    runtimeCoverageEvent(ctx, accountId, region, options.now + 60_000, cluster, true),
  ];
}

/** The ledger ids a sample document's findings get (for the demo page, which shows each message's source). */
export function sampleFindingIds(document: SampleDocument): string[] {
  return parseFindingDocument(document).findings.map((finding) => finding.id);
}
