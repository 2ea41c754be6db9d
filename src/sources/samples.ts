import { bandOf } from '../finding/finding.js';
import { SAMPLE_TEMPLATES, createSampleContext, hashSeed, type SampleTemplate } from './sample-templates.js';

/**
 * Sample GuardDuty findings in the EventBridge shape, like the console's "Generate sample findings"
 * (CreateSampleFindings): one finding of every type, fictitious but realistic and internally consistent, marked
 * `service.additionalInfo.sample: true`. Used by `guardduty-notifier samples` and by the demo.
 * Pure: the clock is passed in, and the output is a function of the options (seed included).
 */

export const SAMPLE_SEVERITIES = ['Low', 'Medium', 'High', 'Critical'] as const;
export type SampleSeverity = (typeof SAMPLE_SEVERITIES)[number];

/** Account ids AWS itself uses in its documentation examples. */
export const EXAMPLE_ACCOUNT_IDS = ['123456789012', '111122223333', '444455556666'] as const;
export const SAMPLE_REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2'] as const;
/** More than enough for a load test, few enough that a typo cannot fill a disk. */
export const MAX_SAMPLE_COUNT = 10_000;

export interface SampleOptions {
  /** Type glob(s), comma-separated; `*` any run of characters, `?` one; case-insensitive. E.g. `*:EC2/*,Recon:*`. */
  types?: string;
  /** How many findings; default one per matching type. More than the types cycles through them with fresh ids. */
  count?: number;
  /** Only types of this band. */
  severity?: SampleSeverity;
  /** Epoch ms that "now" is for the timestamps. */
  now: number;
  /** Same seed (and options) → same findings. Defaults to one derived from `now`, so each run makes new ids. */
  seed?: number;
  /** One account for all; default: the example accounts in turn. */
  accountId?: string;
  /** One region for all; default: a few regions in turn. */
  region?: string;
}

/** An EventBridge "GuardDuty Finding" event. */
export interface SampleEvent {
  version: '0';
  id: string;
  'detail-type': 'GuardDuty Finding';
  source: 'aws.guardduty';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: SampleFinding;
  [key: string]: unknown;
}

export interface SampleFinding {
  accountId: string;
  arn: string;
  createdAt: string;
  description: string;
  id: string;
  partition: 'aws';
  region: string;
  resource: Record<string, unknown>;
  schemaVersion: '2.0';
  service: SampleService;
  severity: number;
  title: string;
  type: string;
  updatedAt: string;
  [key: string]: unknown;
}

export interface SampleService {
  serviceName: 'guardduty';
  detectorId: string;
  action?: Record<string, unknown>;
  resourceRole?: string;
  eventFirstSeen: string;
  eventLastSeen: string;
  archived: boolean;
  count: number;
  additionalInfo: Record<string, unknown> & { sample: true };
  [key: string]: unknown;
}

/** `severity` as given on the command line (any case) → the band name, or undefined. */
export function parseSampleSeverity(text: string): SampleSeverity | undefined {
  return SAMPLE_SEVERITIES.find((s) => s.toLowerCase() === text.trim().toLowerCase());
}

/** A predicate for comma-separated type globs; an empty pattern matches everything. */
export function typeGlobMatcher(globs: string | undefined): (type: string) => boolean {
  const patterns = (globs ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g.length > 0);
  if (patterns.length === 0) return () => true;
  const regexes = patterns.map((glob) => {
    const source = [...glob]
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    return new RegExp(`^${source}$`, 'i');
  });
  return (type) => regexes.some((r) => r.test(type));
}

function bandName(template: SampleTemplate): SampleSeverity {
  return bandOf(template.severity).name as SampleSeverity;
}

/** Templates matching the type globs and band, in the reference's order. */
export function matchingTemplates(options: Pick<SampleOptions, 'types' | 'severity'>): SampleTemplate[] {
  const matches = typeGlobMatcher(options.types);
  return SAMPLE_TEMPLATES.filter((t) => matches(t.type) && (options.severity === undefined || bandName(t) === options.severity));
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const ctx = createSampleContext({ seed, accountId: '', region: '', now: 0 });
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = ctx.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The order samples come out in: shuffled by seed within each band, then the bands taken in turn (High, Medium, Low,
 * Critical), so that the first few of any run already show every band.
 */
function sampleOrder(templates: readonly SampleTemplate[], seed: number): SampleTemplate[] {
  const bands: SampleSeverity[] = ['High', 'Medium', 'Low', 'Critical'];
  const groups = bands.map((band, i) => shuffled(templates.filter((t) => bandName(t) === band), hashSeed(seed, 'order', i)));
  const order: SampleTemplate[] = [];
  for (let round = 0; order.length < templates.length; round += 1) {
    for (const group of groups) {
      const t = group[round];
      if (t) order.push(t);
    }
  }
  return order;
}

function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

/** EventBridge's `time` has no fraction: `2024-05-01T12:00:00Z`. */
function eventTime(ms: number): string {
  return isoSeconds(ms).replace('.000Z', 'Z');
}

function detectorIdFor(accountId: string, region: string): string {
  return createSampleContext({ seed: hashSeed('detector', accountId, region), accountId, region, now: 0 }).hex(32);
}

/**
 * @example
 * const events = generateSampleFindings({ now: Date.now(), types: '*:EC2/*', severity: 'High', count: 5, seed: 7 });
 */
export function generateSampleFindings(options: SampleOptions): SampleEvent[] {
  const { now } = options;
  if (!Number.isFinite(now)) throw new RangeError('now must be a time in epoch milliseconds');
  const seed = (options.seed ?? hashSeed('now', now)) >>> 0;
  const templates = matchingTemplates(options);
  if (templates.length === 0) return [];
  const count = options.count ?? templates.length;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SAMPLE_COUNT) {
    throw new RangeError(`count must be a whole number from 1 to ${MAX_SAMPLE_COUNT}, got ${count}`);
  }
  const order = sampleOrder(templates, seed);
  const events: SampleEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    const template = order[i % order.length] as SampleTemplate;
    const accountId = options.accountId ?? (EXAMPLE_ACCOUNT_IDS[hashSeed(seed, i, 'account') % EXAMPLE_ACCOUNT_IDS.length] as string);
    const region = options.region ?? (SAMPLE_REGIONS[hashSeed(seed, i, 'region') % SAMPLE_REGIONS.length] as string);
    events.push(buildSample(template, { seed: hashSeed(seed, i), accountId, region, now }));
  }
  return events;
}

/** One sample of one template; exported for tests and for the demo's hand-made variants. */
export function buildSample(
  template: SampleTemplate,
  options: { seed: number; accountId: string; region: string; now: number },
): SampleEvent {
  const { accountId, region, now } = options;
  const ctx = createSampleContext(options);
  const id = ctx.hex(32);
  const envelopeId = ctx.uuid();
  const body = template.build(ctx);
  const count = ctx.int(template.count[0], template.count[1]);

  // New findings reach EventBridge within minutes; repeated activity updates an older finding (DESIGN "Facts").
  const updatedMs = now - ctx.int(20_000, 8 * 60_000);
  const createdMs = count === 1 ? updatedMs - ctx.int(0, 1_500) : updatedMs - ctx.int(20 * 60_000, 3 * 86_400_000);
  const firstSeenMs = createdMs - ctx.int(30_000, 5 * 60_000);
  const lastSeenMs = count === 1 ? firstSeenMs : updatedMs - ctx.int(5_000, 60_000);
  const detectorId = detectorIdFor(accountId, region);

  const service: SampleService = {
    serviceName: 'guardduty',
    detectorId,
    ...(body.action ? { action: body.action } : {}),
    ...(body.resourceRole ? { resourceRole: body.resourceRole } : {}),
    ...body.service,
    eventFirstSeen: isoSeconds(firstSeenMs),
    eventLastSeen: isoSeconds(lastSeenMs),
    archived: false,
    count,
    additionalInfo: { ...body.additionalInfo, sample: true, type: 'default' },
  };
  return {
    version: '0',
    id: envelopeId,
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: accountId,
    time: eventTime(Math.min(now, updatedMs + ctx.int(2_000, 20_000))),
    region,
    resources: [],
    detail: {
      accountId,
      arn: `arn:aws:guardduty:${region}:${accountId}:detector/${detectorId}/finding/${id}`,
      createdAt: new Date(createdMs).toISOString(),
      description: body.description,
      id,
      partition: 'aws',
      region,
      resource: body.resource,
      schemaVersion: '2.0',
      service,
      severity: template.severity,
      title: body.title,
      type: template.type,
      updatedAt: new Date(updatedMs).toISOString(),
      ...body.finding,
    },
  };
}

/**
 * The same finding re-published later, as GuardDuty does when the activity recurs: same id, higher `service.count`,
 * later `updatedAt` / `eventLastSeen`, and optionally a new severity. A new EventBridge event id.
 */
export function republishSample(event: SampleEvent, options: { now: number; addCount?: number; severity?: number }): SampleEvent {
  const next = structuredClone(event);
  const ctx = createSampleContext({ seed: hashSeed(event.id, options.now), accountId: event.account, region: event.region, now: options.now });
  next.id = ctx.uuid();
  next.time = eventTime(options.now);
  next.detail.updatedAt = new Date(options.now - ctx.int(1_000, 5_000)).toISOString();
  next.detail.service.eventLastSeen = isoSeconds(options.now - ctx.int(6_000, 30_000));
  next.detail.service.count += Math.max(1, options.addCount ?? ctx.int(1, 10));
  if (options.severity !== undefined) next.detail.severity = options.severity;
  return next;
}

/** File-name friendly form of a type: `Backdoor:EC2/C&CActivity.B!DNS` → `backdoor-ec2-ccactivity-b-dns`. */
export function typeSlug(type: string): string {
  return (
    type
      .toLowerCase()
      .replace(/&/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'finding'
  );
}
