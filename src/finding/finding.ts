/**
 * The one normalised shape every GuardDuty (and Security Hub ASFF) finding becomes, whatever wire format it
 * arrived in. Everything downstream (enrich, policy, render, deliver) reads only this.
 *
 * Every string in a Finding is attacker-influenced (DNS names, user agents, tags, S3 keys...): renderers must escape
 * it for their medium. Nothing here is escaped.
 */

/** Where the document came from, for diagnostics and for choosing the console link. */
export const FINDING_FORMATS = ['eventbridge', 'getfindings', 'bare', 'asff'] as const;
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
}

export interface Finding {
  readonly format: FindingFormat;
  /** 'GuardDuty' for GuardDuty findings, else the ASFF ProductName (e.g. 'Inspector'). */
  readonly product: string;
  readonly id: string;
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
  /** The original document this finding was read from (the finding object itself, not the envelope). */
  readonly raw: unknown;
}
