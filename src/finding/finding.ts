/**
 * The one normalised shape every GuardDuty finding (and every Security Hub finding, ASFF or OCSF, and every Malware
 * Protection for S3 scan result) becomes, whatever wire format it arrived in. Everything downstream (enrich, policy,
 * render, deliver) reads only this.
 *
 * Every string in a Finding is attacker-influenced (DNS names, user agents, tags, S3 keys...): renderers must escape
 * it for their medium. Nothing here is escaped.
 */

/**
 * Where the document came from, for diagnostics and for choosing the console link: a GuardDuty finding in an
 * EventBridge event, a GetFindings response or on its own; Security Hub CSPM's ASFF; the new Security Hub's OCSF; a
 * Malware Protection scan result or scan status (not a finding at all, but notified like one); a detector health notice
 * (Runtime Monitoring coverage, Malware Protection plan status: ours, see parse-health.ts); the results of a Security Hub
 * insight a person sent with a custom action (parse-insight.ts).
 */
export const FINDING_FORMATS = ['eventbridge', 'getfindings', 'bare', 'asff', 'ocsf', 'malware-scan', 'health', 'insight'] as const;
export type FindingFormat = (typeof FINDING_FORMATS)[number];

export type SeverityBandName = 'Low' | 'Medium' | 'High' | 'Critical' | 'Unknown';

/**
 * GuardDuty severity bands.
 * Source: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html
 * (Low 1.0–3.9, Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0).
 * `rank` orders bands so that "the band rose" is a number comparison.
 */
export const SEVERITY_BANDS = [
  { name: 'Critical', min: 9.0, rank: 4, emoji: ':red_circle:', color: '#7b0000' },
  { name: 'High', min: 7.0, rank: 3, emoji: ':large_orange_circle:', color: '#d93f0b' },
  { name: 'Medium', min: 4.0, rank: 2, emoji: ':large_yellow_circle:', color: '#e3b341' },
  { name: 'Low', min: 1.0, rank: 1, emoji: ':large_blue_circle:', color: '#2f80ed' },
] as const;

export const UNKNOWN_BAND = { name: 'Unknown', min: Number.NaN, rank: 0, emoji: ':white_circle:', color: '#8a8a8a' } as const;

export type SeverityBand = (typeof SEVERITY_BANDS)[number] | typeof UNKNOWN_BAND;

/** Severity 0 < s < 1 is not a GuardDuty value but is not absurd either; it is treated as Low. */
export function bandOf(severity: number | null | undefined): SeverityBand {
  if (severity === null || severity === undefined || !Number.isFinite(severity)) return UNKNOWN_BAND;
  if (severity < 0 || severity > 10) return UNKNOWN_BAND;
  for (const band of SEVERITY_BANDS) if (severity >= band.min) return band;
  return SEVERITY_BANDS[3];
}

/**
 * The number a severity bound (`minSeverity`, `maxSeverity`) compares: the severity itself; else, when only the band
 * is known (OCSF findings carry a band but no 0–10 number, scan results neither), the band's lower bound; else null,
 * which no threshold drops (we would rather show a finding whose severity we could not read than lose it).
 */
export function comparableSeverity(finding: Pick<Finding, 'severity' | 'band'>): number | null {
  if (finding.severity !== null) return finding.severity;
  return finding.band.rank > 0 ? finding.band.min : null;
}

export function bandByName(name: string): SeverityBand | undefined {
  const lower = name.toLowerCase();
  return SEVERITY_BANDS.find((b) => b.name.toLowerCase() === lower);
}

/**
 * Parts of a finding type, from
 * `ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact`.
 * Source: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-format.html
 */
export interface FindingTypeParts {
  readonly threatPurpose?: string;
  readonly resourceType?: string;
  readonly family?: string;
  readonly detectionMechanism?: string;
  readonly artifact?: string;
}

export interface ResourceSummary {
  /** GuardDuty's `resource.resourceType` (Instance, AccessKey, S3Bucket, EKSCluster, ...) or the ASFF resource type. */
  readonly type: string;
  /** One short line a human recognises, e.g. `i-0abc (web-1)` or `AKIA… (alice)`. */
  readonly summary: string;
  /** Labelled facts for the message body, most useful first. */
  readonly details: ReadonlyArray<readonly [label: string, value: string]>;
  /** Resource tags (instance tags, bucket tags...), for routing. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * One remote address a finding names (the other end of the activity, never the resource's own address).
 * `respond/` blocks from these; renderers show them as inert text. `ip` is as the document gave it: not validated.
 */
export interface RemoteAddress {
  readonly ip: string;
  /** inbound: the remote end came to us (it is a source); outbound: we went to it (a destination); absent: unknown. */
  readonly direction?: 'inbound' | 'outbound';
  /** Where it was read, for people and audit: `networkConnectionAction`, `portProbeDetails[2]`, `sourceIPs[0]`, … */
  readonly from: string;
}

export interface ActionSummary {
  /** e.g. NETWORK_CONNECTION, PORT_PROBE, DNS_REQUEST, AWS_API_CALL, KUBERNETES_API_CALL, RDS_LOGIN_ATTEMPT */
  readonly type?: string;
  readonly direction?: string;
  readonly protocol?: string;
  readonly remoteIp?: string;
  readonly remotePort?: number;
  readonly localPort?: number;
  readonly localIp?: string;
  readonly country?: string;
  readonly city?: string;
  readonly organization?: string;
  readonly asn?: string;
  readonly domain?: string;
  readonly apiName?: string;
  readonly serviceName?: string;
  readonly userAgent?: string;
  readonly blocked?: boolean;
  /** Every remote address of the activity (all port-probe sources, IPv6 too, Kubernetes sourceIPs), first = remoteIp. */
  readonly remoteAddresses?: ReadonlyArray<RemoteAddress>;
  /**
   * The affected resource's own addresses the document names (instance private and public IPs, `localIpDetails`), as
   * given: never in `remoteAddresses`, and respond refuses them wherever an address comes from.
   */
  readonly ownAddresses?: ReadonlyArray<string>;
}

/** One signal of an attack sequence (a finding or an API activity GuardDuty correlated). */
export interface AttackSignal {
  readonly name: string;
  /** FINDING, CLOUD_TRAIL, S3_DATA_EVENTS, … */
  readonly type?: string;
  readonly count: number;
  /** GuardDuty severity of a finding signal. */
  readonly severity?: number;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
}

/**
 * What an attack sequence (`AttackSequence:*`, GuardDuty Extended Threat Detection) says, from
 * `service.detection.sequence`. Counts are of the whole lists; `signals` and `endpoints` are the first few, worst
 * signals first. Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Sequence.html
 */
export interface AttackSequenceSummary {
  readonly uid?: string;
  readonly description?: string;
  readonly signalCount: number;
  readonly actorCount: number;
  readonly resourceCount: number;
  readonly endpointCount: number;
  /** The worst signals (severity, then count, then most recent), at most MAX_SEQUENCE_SIGNALS. */
  readonly signals: ReadonlyArray<AttackSignal>;
  /** Endpoint addresses (IP, else domain), as the document gave them, at most MAX_SEQUENCE_ENDPOINTS. */
  readonly endpoints: ReadonlyArray<string>;
  /** e.g. MITRE tactics from `sequenceIndicators` (ATTACK_TACTIC), at most a few. */
  readonly tactics: ReadonlyArray<string>;
  /**
   * The other `sequenceIndicators` (ATTACK_TECHNIQUE, MALICIOUS_PACKAGE, VULNERABILITY, ...), in the order GuardDuty
   * gave them, each with its first few values. Keys as the document spelled them (upper-cased).
   */
  readonly indicators?: ReadonlyArray<SequenceIndicator>;
  /** `additionalSequenceTypes`: other attack-sequence types this sequence also matches (Extended Threat Detection). */
  readonly additionalTypes?: ReadonlyArray<string>;
}

/** One `sequenceIndicators` entry other than the tactics. Source: API_Indicator (GuardDuty API reference). */
export interface SequenceIndicator {
  readonly key: string;
  /** GuardDuty's own `title` of the indicator, when it gives one. */
  readonly title?: string;
  readonly values: ReadonlyArray<string>;
  /** Values not kept (beyond MAX_INDICATOR_VALUES). */
  readonly moreValues: number;
}

/** Malware Protection for S3 scan result statuses. Source: https://docs.aws.amazon.com/guardduty/latest/ug/monitoring-malware-protection-s3-scans-gdu.html */
export const SCAN_RESULT_STATUSES = ['THREATS_FOUND', 'NO_THREATS_FOUND', 'UNSUPPORTED', 'ACCESS_DENIED', 'FAILED'] as const;
export type ScanResultStatus = (typeof SCAN_RESULT_STATUSES)[number];

/** The facts of one Malware Protection for S3 object scan result. */
export interface MalwareScanSummary {
  /** `scanResultDetails.scanResultStatus`, upper-cased; another value (or none) is kept as it came. */
  readonly result: string;
  /** `scanStatus`: COMPLETED, SKIPPED, FAILED… */
  readonly scanStatus?: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly versionId?: string;
  readonly eTag?: string;
  readonly threats: ReadonlyArray<string>;
  /** The Malware Protection plan's ARN (the event's `resources`). */
  readonly planArn?: string;
  readonly s3Throttled?: boolean;
  /**
   * Why the object was not scanned (`scanResultDetails.statusReasons`, 2026-04): each reason's code and, when the
   * event gives one, its words. Read as text or `{ code, message }`.
   */
  readonly statusReasons?: ReadonlyArray<{ readonly code: string; readonly words?: string }>;
}

/**
 * One threat a Malware Protection scan found (`service.malwareScanDetails.threats[]`, or EC2's
 * `ebsVolumeScanDetails.scanDetections.threatDetectedByName.threatNames[]`).
 */
export interface ScanThreat {
  readonly name: string;
  /** The first file it was found in (`itemPaths[].nestedItemPath`, `itemDetails[].itemPath`, `filePaths[].filePath`). */
  readonly path?: string;
  /** SHA-256 of that file (or of the threat, `threats[].hash`). */
  readonly hash?: string;
  /** How many files held it (`count`, `itemCount`); at least the paths listed. */
  readonly count?: number;
  /** The resource the file was found in, when the scan covered several (a snapshot of an AMI, a volume). */
  readonly resourceArn?: string;
}

/**
 * A Malware Protection scan of a resource: a finding of Malware Protection for Backup or for EC2 (the scan that found
 * malware), or the scan status event of such a scan (could not scan). Sources: API_MalwareScanDetails, API_Threat,
 * API_ItemDetails, API_RecoveryPointDetails, API_MalwareScan (GuardDuty API reference) and the user guide's
 * "Monitoring scan statuses and results in Malware Protection for Backup".
 */
export interface ResourceScanSummary {
  readonly scanId?: string;
  /** GUARDDUTY_INITIATED, ON_DEMAND, BACKUP_INITIATED. */
  readonly scanType?: string;
  /** FULL_SCAN, INCREMENTAL_SCAN. */
  readonly scanCategory?: string;
  /** What started it: BACKUP or GUARDDUTY (`scanConfiguration.triggerType`). */
  readonly triggerType?: string;
  /** RUNNING, COMPLETED, COMPLETED_WITH_ISSUES, FAILED, SKIPPED (scan status events). */
  readonly scanStatus?: string;
  /** NO_THREATS_FOUND, THREATS_FOUND. */
  readonly scanResult?: string;
  /** Why a scan was skipped or had issues (ACCESS_DENIED, UNSUPPORTED_AMI, ...), as given. */
  readonly statusReasons: ReadonlyArray<string>;
  /** The scanned resource: recovery point, snapshot, AMI or instance ARN. */
  readonly scannedArn?: string;
  /** EBS_RECOVERY_POINT, EBS_SNAPSHOT, EC2_AMI, EC2_RECOVERY_POINT, S3_RECOVERY_POINT, EC2_INSTANCE, ... */
  readonly scannedType?: string;
  readonly backupVault?: string;
  /** The resource a recovery point / snapshot / AMI was taken of, when the document names it. */
  readonly sourceArn?: string;
  /** An incremental scan's baseline (`incrementalScanDetails.baselineResourceArn`). */
  readonly baselineArn?: string;
  /** The GuardDuty finding that started a GuardDuty-initiated scan. */
  readonly triggerFindingId?: string;
  /** Worst first as GuardDuty lists them (it gives the top 32), at most MAX_SCAN_THREATS kept. */
  readonly threats: ReadonlyArray<ScanThreat>;
  /** `uniqueThreatCount` or the number of threats listed. */
  readonly threatCount: number;
}

/**
 * A detector health notice (ours: GuardDuty sends these as events, not findings). `healthy` says whether this event
 * reports the resource covered again (Runtime Monitoring `Healthy`, a plan `ACTIVE`), which policy turns into the
 * "recovered" line of the notice it closes. See parse-health.ts for the type names.
 */
export interface HealthSummary {
  /** `RuntimeProtection`, `MalwareProtectionPlan`, `MalwareProtectionPostScanAction`: the middle of our type. */
  readonly subject: string;
  /** The status now, as GuardDuty spelled it: Healthy, Unhealthy, ACTIVE, WARNING, ERROR, FAILED. */
  readonly status: string;
  readonly previousStatus?: string;
  readonly healthy: boolean;
  /** The reasons GuardDuty gave (`issue`, Fargate `issues[]`, `statusReasons[]`), at most a few. */
  readonly reasons: ReadonlyArray<string>;
}

/** One row of a Security Hub insight's results: the group-by value and how many findings it holds. */
export interface InsightResultRow {
  readonly value: string;
  readonly count: number;
}

/** The results of a Security Hub insight, as a custom action on the insight sends them. */
export interface InsightSummary {
  readonly name: string;
  readonly arn?: string;
  /** The attribute the results are grouped by (`resultType`, e.g. `ResourceId`, `AwsAccountId`). */
  readonly groupBy?: string;
  /** Largest count first, at most MAX_INSIGHT_ROWS. */
  readonly rows: ReadonlyArray<InsightResultRow>;
  /** How many rows the insight had (all of them, not only those kept). */
  readonly rowCount: number;
  /** The findings all rows count together. */
  readonly findingCount: number;
}

/** The Security Hub custom action ("Send to …") a person chose to send this finding. */
export interface CustomActionSummary {
  readonly name?: string;
  readonly description?: string;
  /** `arn:aws:securityhub:<region>:<account>:action/custom/<id>` (the event's `resources[0]`). */
  readonly arn?: string;
}

export interface Finding {
  readonly format: FindingFormat;
  /** 'GuardDuty' for GuardDuty findings, else the ASFF ProductName or OCSF `metadata.product.name` (e.g. 'Inspector'). */
  readonly product: string;
  /**
   * The ledger's key: the GuardDuty finding id however the finding arrived (natively, ASFF, OCSF), so the copies are
   * one finding. S3 objects are the exception: a scan result and GuardDuty's `Object:S3/MaliciousFile` finding about
   * the same object version share an id derived from bucket, key and version (see s3-object-id.ts); the GuardDuty id
   * is then `providerId`.
   */
  readonly id: string;
  /** The producer's own id when `id` is one we derived (see `id`). */
  readonly providerId?: string;
  readonly arn?: string;
  readonly type: string;
  readonly typeParts: FindingTypeParts;
  readonly title: string;
  readonly description: string;
  /** null when missing or impossible (negative, > 10, not a number). */
  readonly severity: number | null;
  readonly band: SeverityBand;
  readonly accountId?: string;
  readonly region?: string;
  /** aws, aws-cn, aws-us-gov; 'aws' when unknown. */
  readonly partition: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  /** service.count: how many times GuardDuty saw the activity (1 when absent). */
  readonly count: number;
  readonly archived: boolean;
  /** service.additionalInfo.sample: made by "Generate sample findings". */
  readonly sample: boolean;
  readonly resource: ResourceSummary;
  readonly action: ActionSummary;
  /** The product feature that made it: GuardDuty `service.featureName`, OCSF `metadata.product.feature.name`. */
  readonly feature?: string;
  /** The lifecycle status the source gives (OCSF `status`: New, In Progress, Suppressed, Resolved, Archived, …). */
  readonly status?: string;
  /** The source's own severity word when it is not the band's name (OCSF `Informational`, `Fatal`, `Other`). */
  readonly sourceSeverity?: string;
  /** The GuardDuty custom detection rule that generated the finding (`customDetectionRuleName`). */
  readonly customDetectionRuleName?: string;
  /** The account's name as the finding itself carries it (OCSF `cloud.account.name`). */
  readonly accountName?: string;
  /** Security Hub's own id of an OCSF finding (`metadata.uid`), for its console link. */
  readonly securityHubId?: string;
  /** OCSF `class_uid`: 2004 Detection Finding, 2002 Vulnerability Finding, 2003 Compliance Finding, … */
  readonly ocsfClass?: number;
  /** An attack sequence's substance (`service.detection.sequence`). */
  readonly attackSequence?: AttackSequenceSummary;
  /** The attack sequence this finding is a signal of (`associatedAttackSequenceArn`). */
  readonly attackSequenceArn?: string;
  /** That sequence's finding id: a threading sink puts this finding's messages into the sequence's thread. */
  readonly attackSequenceId?: string;
  /** A Malware Protection for S3 scan result's facts (format `malware-scan`). */
  readonly scan?: MalwareScanSummary;
  /** A Malware Protection for Backup / EC2 scan: the finding's scan, or a scan status event's (format `malware-scan`). */
  readonly resourceScan?: ResourceScanSummary;
  /** A detector health notice's facts (format `health`). */
  readonly health?: HealthSummary;
  /** A Security Hub insight's results (format `insight`). */
  readonly insight?: InsightSummary;
  /** The custom action a person sent this finding with (`Security Hub Findings - Custom Action`). */
  readonly customAction?: CustomActionSummary;
  /** The original document this finding was read from (the finding object itself, not the envelope). */
  readonly raw: unknown;
}
