import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';
import { randomUUID } from 'node:crypto';
import { AdaptiveRetryStrategy, DefaultRateLimiter } from '@smithy/core/retry';

/**
 * A local GuardDuty that speaks the real REST-JSON wire protocol (restJson1) for the three operations the poller
 * calls, so the real `@aws-sdk/client-guardduty` can be pointed at it with `endpoint` and dummy credentials:
 *
 * - `GET  /detector?maxResults=&nextToken=`            ListDetectors → `{ detectorIds, nextToken? }`
 * - `POST /detector/{detectorId}/findings`             ListFindings  ← `{ findingCriteria: { criterion }, sortCriteria:
 *                                                       { attributeName, orderBy }, maxResults, nextToken }`
 *                                                       → `{ findingIds, nextToken? }`
 * - `POST /detector/{detectorId}/findings/get`         GetFindings   ← `{ findingIds, sortCriteria? }` → `{ findings }`
 * - `POST /detector/{detectorId}/findings/archive`     ArchiveFindings ← `{ findingIds }` (at most 50) → 200, empty body;
 *                                                       the findings become `service.archived: true`. AccessDenied on
 *                                                       demand: `injectFault({ kind: 'access-denied', operation: 'ArchiveFindings' })`
 *                                                       (what a member account gets: only the administrator may archive,
 *                                                       https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ArchiveFindings.html).
 * - `POST /` with `Action=AssumeRole` (STS awsQuery)    so `poll.assumeRole` can be tested end to end.
 * - `POST /` with `Action=GetCallerIdentity` (STS)       who the credentials are (`doctor`).
 *
 * Wire facts it follows (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListFindings.html,
 * API_GetFindings.html, API_ListDetectors.html; and the SDK's schema in
 * node_modules/@aws-sdk/client-guardduty/dist-cjs/index.js: `ListFindings$`, `Condition$`, `SortCriteria$`):
 * - JSON member names are camelCase; criterion conditions may use `gt/gte/lt/lte/eq/neq` or the newer
 *   `greaterThan/greaterThanOrEqual/lessThan/lessThanOrEqual/equals/notEquals`; `updatedAt`/`createdAt` compare as epoch ms.
 * - `maxResults` is 1–50 (default 50); ListFindings returns `nextToken` only when more ids remain, so N = 100 is two
 *   pages, not three.
 * - GetFindings takes at most 50 ids; more is the same 400 AWS gives; unknown ids are simply absent from the answer.
 * - Errors carry `x-amzn-ErrorType` and a JSON body `{ message, __type }`, as GuardDuty's API Gateway front sends them
 *   (the header names BadRequestException while `__type` says InvalidInputException; the SDK reads the header first).
 *
 * Pagination is deliberately the *worst* realistic kind: `nextToken` is an offset into the result set re-evaluated on
 * every page. An update during a walk moves a finding to the end (its `updatedAt` grows), which shifts the rest left:
 * exactly the case in which a naive poller skips a finding.
 *
 * The region of a request is read from the SigV4 credential scope, so one stand-in serves many regions.
 */

export type WireFinding = Record<string, unknown> & {
  id: string;
  accountId: string;
  region: string;
  type: string;
  severity: number;
  createdAt: string;
  updatedAt: string;
  service: Record<string, unknown> & { archived: boolean; count: number; detectorId: string };
};

export type GuardDutyOperation = 'ListDetectors' | 'ListFindings' | 'GetFindings' | 'ArchiveFindings' | 'AssumeRole' | 'GetCallerIdentity' | 'Unknown';

export interface StandinCall {
  region: string;
  operation: GuardDutyOperation;
  detectorId?: string;
  status: number;
  /** The access key id the request was signed with (shows whether assumed-role credentials were used). */
  accessKeyId?: string;
  /** The parsed JSON body (ListFindings / GetFindings). */
  body?: unknown;
  /** ListFindings: ids returned; GetFindings: ids asked for. */
  ids?: string[];
  errorType?: string;
}

export type FaultKind = 'throttling' | 'too-many-requests' | 'internal' | 'unavailable' | 'access-denied' | 'reset';

export interface FaultSpec {
  kind: FaultKind;
  region?: string;
  operation?: GuardDutyOperation;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Fail only every n-th matching request (1 = every one). The others pass and do not consume `times`. */
  every?: number;
}

export interface RequestInfo {
  region: string;
  operation: GuardDutyOperation;
  detectorId?: string;
  body: unknown;
  /** 1-based count of requests of this operation in this region so far, this one included. */
  sequence: number;
}

export interface FindingInput {
  id?: string;
  type?: string;
  severity?: number;
  accountId?: string;
  title?: string;
  createdAt?: number | string;
  updatedAt?: number | string;
  archived?: boolean;
  count?: number;
  sample?: boolean;
  /** The remote IPv4 of the network connection (default 198.51.100.7, a documentation address respond never blocks). */
  remoteIp?: string;
}

export interface GuardDutyStandin {
  /** `http://127.0.0.1:PORT`, for the client's `endpoint` or `AWS_ENDPOINT_URL_GUARDDUTY`. */
  readonly endpoint: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly calls: StandinCall[];
  /** Creates a detector in a region (a random id unless given). */
  addDetector(region: string, detectorId?: string): string;
  removeDetector(region: string, detectorId: string): void;
  detectors(region: string): string[];
  /** Adds (or replaces) a finding; `updatedAt` defaults to the stand-in's clock. */
  putFinding(region: string, detectorId: string, input?: FindingInput): WireFinding;
  /** `count` findings with `updatedAt` from `from` in steps of `stepMs`. */
  seedFindings(region: string, detectorId: string, count: number, options?: { from?: number; stepMs?: number; prefix?: string } & FindingInput): WireFinding[];
  /** The activity recurred: `service.count` + 1, `updatedAt` = the clock (or `at`), like GuardDuty does. */
  touchFinding(region: string, detectorId: string, id: string, patch?: { at?: number; severity?: number; archived?: boolean }): WireFinding;
  finding(region: string, detectorId: string, id: string): WireFinding | undefined;
  findings(region: string, detectorId: string): WireFinding[];
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  /** Every request to this region fails this way until cleared with `false`. */
  setRegionDown(region: string, kind: Exclude<FaultKind, 'reset'> | false): void;
  /** Runs before each request is answered (after faults): tests add or update findings mid-walk here. */
  onRequest(hook: ((info: RequestInfo) => void | Promise<void>) | undefined): void;
  /** The clock new and updated findings are stamped with (epoch ms). */
  setClock(now: () => number): void;
  /** Calls per operation, optionally in one region. */
  countCalls(filter?: { region?: string; status?: number }): Record<GuardDutyOperation, number>;
  resetCalls(): void;
  close(): Promise<void>;
}

/** GuardDuty's documented page and batch limit. Source: API_ListFindings.html / API_GetFindings.html (0–50 ids). */
export const GUARDDUTY_MAX_PAGE = 50;

const ERRORS = {
  badRequest: { status: 400, header: 'BadRequestException', type: 'InvalidInputException' },
  throttling: { status: 429, header: 'ThrottlingException', type: 'ThrottlingException', message: 'Rate exceeded' },
  'too-many-requests': { status: 429, header: 'TooManyRequestsException', type: 'TooManyRequestsException', message: 'Too Many Requests' },
  internal: { status: 500, header: 'InternalServerErrorException', type: 'InternalException', message: 'Internal server error.' },
  unavailable: { status: 503, header: 'ServiceUnavailableException', type: 'ServiceUnavailableException', message: 'Service Unavailable' },
  'access-denied': {
    status: 403,
    header: 'AccessDeniedException',
    type: 'AccessDeniedException',
    message: 'The request is rejected because the caller is not authorized to call this API.',
  },
} as const;

class WireError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    readonly bodyType: string,
    message: string,
  ) {
    super(message);
  }
}

function badRequest(message: string): WireError {
  return new WireError(400, ERRORS.badRequest.header, ERRORS.badRequest.type, `The request is rejected because ${message}`);
}

function toIso(value: number | string | undefined, fallback: number): string {
  if (typeof value === 'string') return value;
  return new Date(value ?? fallback).toISOString();
}

/** Reads a dotted path (`service.archived`) from a wire finding. */
function valueAt(finding: WireFinding, path: string): unknown {
  let current: unknown = finding;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function comparable(attribute: string, value: unknown): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  if (attribute === 'updatedAt' || attribute === 'createdAt' || attribute.endsWith('eventLastSeen') || attribute.endsWith('eventFirstSeen')) {
    const ms = Date.parse(String(value));
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return String(value);
  return String(value);
}

type Condition = Record<string, unknown>;

function matchesCondition(finding: WireFinding, attribute: string, condition: Condition): boolean {
  const raw = valueAt(finding, attribute);
  const value = comparable(attribute, raw);
  const asStrings = (list: unknown): string[] => (Array.isArray(list) ? list.map(String) : []);
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  for (const [op, operand] of Object.entries(condition)) {
    switch (op) {
      case 'eq':
      case 'equals':
        if (!asStrings(operand).includes(String(raw))) return false;
        break;
      case 'neq':
      case 'notEquals':
        if (asStrings(operand).includes(String(raw))) return false;
        break;
      case 'gt':
      case 'greaterThan': {
        const n = num(operand);
        if (n === undefined || typeof value !== 'number' || !(value > n)) return false;
        break;
      }
      case 'gte':
      case 'greaterThanOrEqual': {
        const n = num(operand);
        if (n === undefined || typeof value !== 'number' || !(value >= n)) return false;
        break;
      }
      case 'lt':
      case 'lessThan': {
        const n = num(operand);
        if (n === undefined || typeof value !== 'number' || !(value < n)) return false;
        break;
      }
      case 'lte':
      case 'lessThanOrEqual': {
        const n = num(operand);
        if (n === undefined || typeof value !== 'number' || !(value <= n)) return false;
        break;
      }
      default:
        throw badRequest(`an invalid or out-of-range value is specified as an input parameter (unsupported condition "${op}").`);
    }
  }
  return true;
}

function sortFindings(list: WireFinding[], sort: unknown): WireFinding[] {
  if (sort === undefined || sort === null) return list;
  if (typeof sort !== 'object') throw badRequest('one or more input parameters have invalid values (sortCriteria).');
  const { attributeName, orderBy } = sort as { attributeName?: unknown; orderBy?: unknown };
  if (attributeName === undefined) return list;
  if (typeof attributeName !== 'string') throw badRequest('one or more input parameters have invalid values (sortCriteria.attributeName).');
  if (orderBy !== undefined && orderBy !== 'ASC' && orderBy !== 'DESC') {
    throw badRequest('one or more input parameters have invalid values (sortCriteria.orderBy).');
  }
  const sign = orderBy === 'DESC' ? -1 : 1;
  return [...list].sort((a, b) => {
    const va = comparable(attributeName, valueAt(a, attributeName));
    const vb = comparable(attributeName, valueAt(b, attributeName));
    if (va !== vb) {
      if (va === undefined) return 1;
      if (vb === undefined) return -1;
      return (va < vb ? -1 : 1) * sign;
    }
    // A stable tie-break, so that equal timestamps page deterministically.
    return (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * sign;
  });
}

function parseMaxResults(value: unknown): number {
  if (value === undefined || value === null || value === '') return GUARDDUTY_MAX_PAGE;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > GUARDDUTY_MAX_PAGE) {
    throw badRequest('an invalid or out-of-range value is specified as an input parameter (maxResults must be 1-50).');
  }
  return n;
}

function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString('base64');
}

function decodeToken(token: unknown, scope: string): number {
  if (token === undefined || token === null || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as { o?: unknown; s?: unknown };
    if (typeof parsed.o === 'number' && parsed.s === scope) return parsed.o;
  } catch {
    // fall through
  }
  throw badRequest('the parameter nextToken has an invalid value.');
}

function regionOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  // AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/guardduty/aws4_request, ...
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(auth);
  return match?.[1] ?? 'unknown';
}

function accessKeyOf(req: IncomingMessage): string | undefined {
  return /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A GetFindings-shaped finding as GuardDuty serialises it on the wire (camelCase). */
export function makeWireFinding(region: string, detectorId: string, input: FindingInput, now: number): WireFinding {
  const id = input.id ?? randomUUID().replace(/-/g, '');
  const accountId = input.accountId ?? '123456789012';
  const type = input.type ?? 'UnauthorizedAccess:EC2/SSHBruteForce';
  const createdAt = toIso(input.createdAt, now);
  const updatedAt = toIso(input.updatedAt, now);
  return {
    accountId,
    arn: `arn:aws:guardduty:${region}:${accountId}:detector/${detectorId}/finding/${id}`,
    createdAt,
    description: `${type} was observed on i-0123456789abcdef0.`,
    id,
    partition: 'aws',
    region,
    resource: {
      resourceType: 'Instance',
      instanceDetails: { instanceId: 'i-0123456789abcdef0', instanceType: 't3.micro', availabilityZone: `${region}a` },
    },
    schemaVersion: '2.0',
    service: {
      action: {
        actionType: 'NETWORK_CONNECTION',
        networkConnectionAction: {
          connectionDirection: 'INBOUND',
          blocked: false,
          protocol: 'TCP',
          localPortDetails: { port: 22, portName: 'SSH' },
          remoteIpDetails: { ipAddressV4: input.remoteIp ?? '198.51.100.7', country: { countryName: 'Example' } },
        },
      },
      archived: input.archived ?? false,
      count: input.count ?? 1,
      detectorId,
      eventFirstSeen: createdAt,
      eventLastSeen: updatedAt,
      resourceRole: 'TARGET',
      serviceName: 'guardduty',
      ...(input.sample ? { additionalInfo: { value: '{"sample":true}', type: 'default' } } : {}),
    },
    severity: input.severity ?? 8,
    title: input.title ?? `${type} on i-0123456789abcdef0`,
    type,
    updatedAt,
  };
}

const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/**
 * @example
 * const gd = await startGuardDutyStandin();
 * const detectorId = gd.addDetector('us-east-1');
 * gd.seedFindings('us-east-1', detectorId, 120);
 * const client = new GuardDutyClient({ region: 'us-east-1', endpoint: gd.endpoint,
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
 */
export async function startGuardDutyStandin(options: { now?: () => number } = {}): Promise<GuardDutyStandin> {
  let clock = options.now ?? Date.now;
  const regions = new Map<string, Map<string, Map<string, WireFinding>>>();
  const calls: StandinCall[] = [];
  let faults: Array<FaultSpec & { seen: number; left: number }> = [];
  const regionDown = new Map<string, Exclude<FaultKind, 'reset'>>();
  const sequence = new Map<string, number>();
  let hook: ((info: RequestInfo) => void | Promise<void>) | undefined;

  function detectorsOf(region: string): Map<string, Map<string, WireFinding>> {
    let r = regions.get(region);
    if (!r) regions.set(region, (r = new Map()));
    return r;
  }

  function findingsOf(region: string, detectorId: string): Map<string, WireFinding> {
    const d = regions.get(region)?.get(detectorId);
    if (!d) throw badRequest('the input detectorId is not owned by the current account.');
    return d;
  }

  function classify(method: string, path: string, body: string): { operation: GuardDutyOperation; detectorId?: string } {
    if (method === 'GET' && path === '/detector') return { operation: 'ListDetectors' };
    let m = /^\/detector\/([^/]+)\/findings$/.exec(path);
    if (method === 'POST' && m) return { operation: 'ListFindings', detectorId: decodeURIComponent(m[1] ?? '') };
    m = /^\/detector\/([^/]+)\/findings\/get$/.exec(path);
    if (method === 'POST' && m) return { operation: 'GetFindings', detectorId: decodeURIComponent(m[1] ?? '') };
    m = /^\/detector\/([^/]+)\/findings\/archive$/.exec(path);
    if (method === 'POST' && m) return { operation: 'ArchiveFindings', detectorId: decodeURIComponent(m[1] ?? '') };
    if (method === 'POST' && path === '/' && /(^|&)Action=AssumeRole(&|$)/.test(body)) return { operation: 'AssumeRole' };
    if (method === 'POST' && path === '/' && /(^|&)Action=GetCallerIdentity(&|$)/.test(body)) return { operation: 'GetCallerIdentity' };
    return { operation: 'Unknown' };
  }

  function takeFault(region: string, operation: GuardDutyOperation): FaultKind | undefined {
    const down = regionDown.get(region);
    if (down && operation !== 'AssumeRole' && operation !== 'GetCallerIdentity') return down;
    for (const fault of faults) {
      if (fault.region !== undefined && fault.region !== region) continue;
      if (fault.operation !== undefined && fault.operation !== operation) continue;
      if (fault.left <= 0) continue;
      fault.seen += 1;
      if (fault.seen % (fault.every ?? 1) !== 0) continue;
      fault.left -= 1;
      return fault.kind;
    }
    return undefined;
  }

  function listDetectors(region: string, url: URL): unknown {
    const max = parseMaxResults(url.searchParams.get('maxResults') ?? undefined);
    const ids = [...detectorsOf(region).keys()];
    const offset = decodeToken(url.searchParams.get('nextToken') ?? undefined, `${region}/detectors`);
    const page = ids.slice(offset, offset + max);
    const next = offset + max < ids.length ? encodeToken(offset + max, `${region}/detectors`) : undefined;
    return next ? { detectorIds: page, nextToken: next } : { detectorIds: page };
  }

  function listFindings(region: string, detectorId: string, body: Record<string, unknown>): { response: unknown; ids: string[] } {
    const all = findingsOf(region, detectorId);
    const max = parseMaxResults(body.maxResults);
    const criteria = body.findingCriteria as { criterion?: Record<string, Condition> } | undefined;
    const criterion = criteria?.criterion ?? {};
    let list = [...all.values()].filter((f) =>
      Object.entries(criterion).every(([attribute, condition]) => matchesCondition(f, attribute, condition ?? {})),
    );
    list = sortFindings(list, body.sortCriteria);
    const scope = `${region}/${detectorId}/findings`;
    const offset = decodeToken(body.nextToken, scope);
    const ids = list.slice(offset, offset + max).map((f) => f.id);
    // Only when more ids remain: a result of exactly 50 is one page, with no empty page after it.
    const next = offset + max < list.length ? encodeToken(offset + max, scope) : undefined;
    return { response: next ? { findingIds: ids, nextToken: next } : { findingIds: ids }, ids };
  }

  function getFindings(region: string, detectorId: string, body: Record<string, unknown>): { response: unknown; ids: string[] } {
    const all = findingsOf(region, detectorId);
    const ids = body.findingIds;
    if (!Array.isArray(ids)) throw badRequest('the required query or path parameters are not specified (findingIds).');
    if (ids.length > GUARDDUTY_MAX_PAGE) throw badRequest('the number of requested finding IDs is out-of-bounds.');
    const found = ids.map((id) => all.get(String(id))).filter((f): f is WireFinding => f !== undefined);
    const sorted = sortFindings(found, body.sortCriteria);
    // A copy: the client must never see later in-place changes.
    return { response: { findings: sorted.map((f) => structuredClone(f)) }, ids: ids.map(String) };
  }

  /** Marks the findings archived (as the console's Archive does); ids the detector does not hold are left alone. */
  function archiveFindings(region: string, detectorId: string, body: Record<string, unknown>): string[] {
    const all = findingsOf(region, detectorId);
    const ids = body.findingIds;
    if (!Array.isArray(ids)) throw badRequest('the required query or path parameters are not specified (findingIds).');
    if (ids.length > GUARDDUTY_MAX_PAGE) throw badRequest('the number of requested finding IDs is out-of-bounds.');
    const at = new Date(clock()).toISOString();
    for (const id of ids.map(String)) {
      const existing = all.get(id);
      if (existing) all.set(id, { ...existing, updatedAt: at, service: { ...existing.service, archived: true } });
    }
    return ids.map(String);
  }

  function assumeRole(body: string): string {
    const params = new URLSearchParams(body);
    const roleArn = params.get('RoleArn') ?? '';
    const session = params.get('RoleSessionName') ?? 'session';
    const duration = Number(params.get('DurationSeconds') ?? '3600');
    // Real time, not the findings' clock: the SDK compares credential expiry with its own clock.
    const expiration = new Date(Date.now() + duration * 1000).toISOString();
    const account = /::(\d{12}):/.exec(roleArn)?.[1] ?? '123456789012';
    const role = roleArn.split('/').pop() ?? 'role';
    return (
      `<AssumeRoleResponse xmlns="${STS_NS}"><AssumeRoleResult>` +
      `<AssumedRoleUser><AssumedRoleId>AROATEST:${session}</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/${role}/${session}</Arn></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>ASIATESTASSUMED</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey>` +
      `<SessionToken>assumed-session-token</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`
    );
  }

  /**
   * STS GetCallerIdentity (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html): who the
   * signing credentials are. The access key id is read from the SigV4 credential scope; an assumed role's key
   * (ASIATESTASSUMED) answers as that role.
   */
  function callerIdentity(authorization: string | undefined): string {
    const keyId = /Credential=([^/]+)\//.exec(authorization ?? '')?.[1] ?? 'AKIATEST';
    const arn = keyId === 'ASIATESTASSUMED' ? 'arn:aws:sts::123456789012:assumed-role/gd-reader/guardduty-notifier' : 'arn:aws:iam::123456789012:user/guardduty-notifier';
    return (
      `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>${keyId}</UserId>` +
      `<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
    );
  }

  function sendError(res: ServerResponse, error: WireError): void {
    const body = JSON.stringify({ message: error.message, __type: error.bodyType });
    res.writeHead(error.status, {
      'content-type': 'application/json',
      'x-amzn-errortype': error.errorType,
      'x-amzn-requestid': randomUUID(),
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  function faultError(kind: Exclude<FaultKind, 'reset'>): WireError {
    const spec = ERRORS[kind];
    return new WireError(spec.status, spec.header, spec.type, spec.message);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(req);
    const region = regionOf(req);
    const { operation, detectorId } = classify(req.method ?? 'GET', url.pathname, text);
    const call: StandinCall = { region, operation, detectorId, status: 200, accessKeyId: accessKeyOf(req) };
    calls.push(call);
    const seqKey = `${region}/${operation}`;
    const seq = (sequence.get(seqKey) ?? 0) + 1;
    sequence.set(seqKey, seq);
    try {
      if (operation === 'Unknown') {
        throw new WireError(404, 'UnknownOperationException', 'UnknownOperationException', `no route for ${req.method} ${url.pathname}`);
      }
      let body: Record<string, unknown> = {};
      if (operation === 'ListFindings' || operation === 'GetFindings' || operation === 'ArchiveFindings') {
        try {
          body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
        } catch {
          throw badRequest('the request body is not valid JSON.');
        }
        call.body = body;
      }
      const fault = takeFault(region, operation);
      if (fault === 'reset') {
        call.status = 0;
        call.errorType = 'reset';
        req.socket.destroy();
        return;
      }
      if (fault) throw faultError(fault);
      if (hook) await hook({ region, operation, detectorId, body, sequence: seq });

      if (operation === 'AssumeRole' || operation === 'GetCallerIdentity') {
        const xml = operation === 'AssumeRole' ? assumeRole(text) : callerIdentity(req.headers.authorization);
        res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
        res.end(xml);
        return;
      }
      let response: unknown;
      if (operation === 'ListDetectors') {
        response = listDetectors(region, url);
      } else if (operation === 'ListFindings') {
        const out = listFindings(region, detectorId ?? '', body);
        call.ids = out.ids;
        response = out.response;
      } else if (operation === 'ArchiveFindings') {
        call.ids = archiveFindings(region, detectorId ?? '', body);
        // "the service sends back an HTTP 200 response with an empty HTTP body"
        res.writeHead(200, { 'x-amzn-requestid': randomUUID(), 'content-length': 0 });
        res.end();
        return;
      } else {
        const out = getFindings(region, detectorId ?? '', body);
        call.ids = out.ids;
        response = out.response;
      }
      const json = JSON.stringify(response);
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-amzn-requestid': randomUUID(),
        'content-length': Buffer.byteLength(json),
      });
      res.end(json);
    } catch (error) {
      if (error instanceof WireError) {
        call.status = error.status;
        call.errorType = error.errorType;
        sendError(res, error);
        return;
      }
      call.status = 500;
      call.errorType = 'InternalServerErrorException';
      sendError(res, new WireError(500, 'InternalServerErrorException', 'InternalException', String(error)));
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const listening = await listenOnLoopback(server);
  const { port } = listening;

  const standin: GuardDutyStandin = {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    calls,
    addDetector(region, detectorId) {
      const id = detectorId ?? randomUUID().replace(/-/g, '');
      const detectors = detectorsOf(region);
      if (!detectors.has(id)) detectors.set(id, new Map());
      return id;
    },
    removeDetector(region, detectorId) {
      regions.get(region)?.delete(detectorId);
    },
    detectors(region) {
      return [...(regions.get(region)?.keys() ?? [])];
    },
    putFinding(region, detectorId, input = {}) {
      const finding = makeWireFinding(region, detectorId, input, clock());
      findingsOf(region, detectorId).set(finding.id, finding);
      return finding;
    },
    seedFindings(region, detectorId, count, opts = {}) {
      const { from = clock() - count * (opts.stepMs ?? 1000), stepMs = 1000, prefix = `${region}-f`, ...rest } = opts;
      const out: WireFinding[] = [];
      for (let i = 0; i < count; i += 1) {
        const at = from + i * stepMs;
        out.push(standin.putFinding(region, detectorId, { ...rest, id: `${prefix}${String(i).padStart(5, '0')}`, createdAt: at, updatedAt: at }));
      }
      return out;
    },
    touchFinding(region, detectorId, id, patch = {}) {
      const existing = findingsOf(region, detectorId).get(id);
      if (!existing) throw new Error(`stand-in: no finding ${id} in ${region}/${detectorId}`);
      const at = new Date(patch.at ?? clock()).toISOString();
      const service = {
        ...existing.service,
        count: existing.service.count + 1,
        eventLastSeen: at,
        ...(patch.archived !== undefined ? { archived: patch.archived } : {}),
      };
      const updated: WireFinding = { ...existing, updatedAt: at, service, ...(patch.severity !== undefined ? { severity: patch.severity } : {}) };
      findingsOf(region, detectorId).set(id, updated);
      return updated;
    },
    finding(region, detectorId, id) {
      return regions.get(region)?.get(detectorId)?.get(id);
    },
    findings(region, detectorId) {
      return [...(regions.get(region)?.get(detectorId)?.values() ?? [])];
    },
    injectFault(fault) {
      faults.push({ ...fault, seen: 0, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults = [];
    },
    setRegionDown(region, kind) {
      if (kind === false) regionDown.delete(region);
      else regionDown.set(region, kind);
    },
    onRequest(fn) {
      hook = fn;
    },
    setClock(now) {
      clock = now;
    },
    countCalls(filter = {}) {
      const counts: Record<GuardDutyOperation, number> = { ListDetectors: 0, ListFindings: 0, GetFindings: 0, ArchiveFindings: 0, AssumeRole: 0, GetCallerIdentity: 0, Unknown: 0 };
      for (const call of calls) {
        if (filter.region !== undefined && call.region !== filter.region) continue;
        if (filter.status !== undefined && call.status !== filter.status) continue;
        counts[call.operation] += 1;
      }
      return counts;
    },
    resetCalls() {
      calls.length = 0;
    },
    async close() {
      await listening.close();
    },
  };
  return standin;
}

/**
 * The SDK's own adaptive retry strategy (token-bucket rate limiter and all), with delays in milliseconds instead of
 * seconds so that a throttling storm in a test takes a moment, not a minute. Production uses `retryMode: 'adaptive'`.
 */
export function fastAdaptiveRetry(maxAttempts = 5): AdaptiveRetryStrategy {
  return new AdaptiveRetryStrategy(maxAttempts, {
    maxAttempts,
    backoff: {
      computeNextBackoffDelay: (i: number) => Math.min(40, 2 * 2 ** i),
      setDelayBase: () => {},
    },
    rateLimiter: new DefaultRateLimiter({ minFillRate: 200, minCapacity: 50 }),
  });
}

/** Credentials that sign requests but authorise nothing: never the real chain in tests. */
export const DUMMY_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
