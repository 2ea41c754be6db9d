import { ownEntry } from '../core/own-entry.js';
import type { ActionSummary } from './finding.js';
import { get, getArray, getBoolean, getNumber, getObject, getText, isObject, text } from './keys.js';
import { directionOf, MAX_OWN_ADDRESSES, RemoteAddressList } from './remote-addresses.js';

/**
 * What the activity was, from `service.action`: one of networkConnectionAction, portProbeAction, dnsRequestAction,
 * awsApiCallAction, kubernetesApiCallAction, rdsLoginAttemptAction (or one GuardDuty adds later), picked by
 * `actionType`. Member names: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Action.html
 * ASFF's own `Action` has the same members in PascalCase, so it goes through here too.
 * Source: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Action.html
 */

/** actionType → the member holding its details. */
const ACTION_MEMBER_BY_TYPE: Readonly<Record<string, string>> = {
  NETWORK_CONNECTION: 'networkConnectionAction',
  PORT_PROBE: 'portProbeAction',
  DNS_REQUEST: 'dnsRequestAction',
  AWS_API_CALL: 'awsApiCallAction',
  KUBERNETES_API_CALL: 'kubernetesApiCallAction',
  RDS_LOGIN_ATTEMPT: 'rdsLoginAttemptAction',
  KUBERNETES_PERMISSION_CHECKED: 'kubernetesPermissionCheckedDetails',
  KUBERNETES_ROLE_BINDING: 'kubernetesRoleBindingDetails',
  KUBERNETES_ROLE: 'kubernetesRoleDetails',
};

type MutableAction = { -readonly [K in keyof ActionSummary]: ActionSummary[K] };

const EMPTY_ACTION: ActionSummary = Object.freeze({});

/**
 * @param service the finding's `service` (GuardDuty) or a `{ action }` wrapper around an ASFF `Action`.
 * @param userAgentHint a user agent found elsewhere (`service.additionalInfo.userAgent`), used when the action has none.
 */
export function summariseAction(service: unknown, userAgentHint?: string, addresses = new RemoteAddressList()): ActionSummary {
  const action = getObject(service, 'action');
  const summary: MutableAction = {};
  if (action !== undefined) {
    const declaredType = getText(action, 'actionType');
    const member = findActionMember(action, declaredType);
    const type = declaredType ?? (member === undefined ? undefined : actionTypeFromMember(member.key));
    if (type !== undefined) summary.type = type;
    if (member !== undefined) {
      readActionDetails(summary, member.value);
      excludeLocalAddresses(addresses, member.value);
      collectRemoteAddresses(addresses, member.key, member.value);
    }
  }
  // Some producers (and GuardDuty's older sample findings) repeat the remote address at `service.remoteIpDetails`.
  const serviceRemote = getObject(service, 'remoteIpDetails');
  if (summary.remoteIp === undefined) readRemoteIp(summary, serviceRemote);
  addresses.addRemoteIpDetails(serviceRemote, 'remoteIpDetails');
  // An attack sequence's network endpoints are the remote ends it used.
  // Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_NetworkEndpoint.html
  const endpoints = getArray(getObject(getObject(service, 'detection'), 'sequence'), 'endpoints') ?? [];
  for (let i = 0; i < endpoints.length && i < MAX_SEQUENCE_ENDPOINTS_READ; i++) addresses.add(getText(endpoints[i], 'ip'), `sequence.endpoints[${i}]`);
  const remoteAddresses = addresses.build(summary.remoteIp);
  if (remoteAddresses !== undefined) summary.remoteAddresses = remoteAddresses;
  const ownAddresses = addresses.ownAddresses();
  if (ownAddresses !== undefined) summary.ownAddresses = ownAddresses;
  if (summary.userAgent === undefined && userAgentHint !== undefined) summary.userAgent = userAgentHint;
  return Object.keys(summary).length === 0 ? EMPTY_ACTION : Object.freeze(summary);
}

/**
 * The resource's side of the activity (`localIpDetails` of a connection and of every port probe) is its own address:
 * excluded before any remote address is read, whichever member names it first.
 */
function excludeLocalAddresses(addresses: RemoteAddressList, details: Record<string, unknown>): void {
  const locals = [getObject(details, 'localIpDetails'), ...(getArray(details, 'portProbeDetails') ?? []).slice(0, MAX_OWN_ADDRESSES).map((probe) => getObject(probe, 'localIpDetails'))];
  for (const local of locals) addresses.exclude(getText(local, 'ipAddressV4')).exclude(getText(local, 'ipAddressV6'));
}

/** GuardDuty lists at most 400 endpoints in a sequence (API_Sequence); reading more would only serve a hostile document. */
const MAX_SEQUENCE_ENDPOINTS_READ = 400;

/**
 * Every remote address the action names, with its direction:
 * - networkConnectionAction: `remoteIpDetails` (IPv4 and IPv6), direction from `connectionDirection`;
 * - portProbeAction: the `remoteIpDetails` of every `portProbeDetails` entry (probes come in);
 * - awsApiCallAction, rdsLoginAttemptAction, kubernetesApiCallAction: the caller (`remoteIpDetails`; Kubernetes also
 *   `sourceIPs`), inbound;
 * - an action kind we do not know: its `remoteIpDetails`, direction unknown.
 * The local side (`localIpDetails`) is the resource's own address and never listed.
 * Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Action.html and the member pages it links.
 */
function collectRemoteAddresses(addresses: RemoteAddressList, member: string, details: Record<string, unknown>): void {
  const kind = member.charAt(0).toLowerCase() + member.slice(1);
  switch (kind) {
    case 'networkConnectionAction':
      addresses.addRemoteIpDetails(getObject(details, 'remoteIpDetails'), kind, directionOf(getText(details, 'connectionDirection')));
      return;
    case 'portProbeAction': {
      const probes = getArray(details, 'portProbeDetails') ?? [];
      for (let i = 0; i < probes.length; i++) {
        addresses.addRemoteIpDetails(getObject(probes[i], 'remoteIpDetails'), `portProbeDetails[${i}]`, 'inbound');
      }
      return;
    }
    case 'kubernetesApiCallAction': {
      addresses.addRemoteIpDetails(getObject(details, 'remoteIpDetails'), kind, 'inbound');
      const sourceIps = getArray(details, 'sourceIPs') ?? getArray(details, 'sourceIps') ?? [];
      for (let i = 0; i < sourceIps.length; i++) addresses.add(text(sourceIps[i]), `sourceIPs[${i}]`, 'inbound');
      return;
    }
    case 'awsApiCallAction':
    case 'rdsLoginAttemptAction':
      addresses.addRemoteIpDetails(getObject(details, 'remoteIpDetails'), kind, 'inbound');
      return;
    default:
      addresses.addRemoteIpDetails(getObject(details, 'remoteIpDetails'), kind, directionOf(getText(details, 'connectionDirection')));
  }
}

function findActionMember(action: Record<string, unknown>, declaredType: string | undefined): { key: string; value: Record<string, unknown> } | undefined {
  const known = ownEntry(ACTION_MEMBER_BY_TYPE, declaredType);
  if (known !== undefined) {
    const value = getObject(action, known);
    if (value !== undefined) return { key: known, value };
  }
  // An action type we do not know yet (or none declared): its details are the object-valued member.
  for (const key in action) {
    if (!Object.hasOwn(action, key)) continue;
    const value = action[key];
    if (isObject(value)) return { key, value };
  }
  return undefined;
}

/** `kubernetesApiCallAction` → `KUBERNETES_API_CALL`, the way GuardDuty names action types. */
function actionTypeFromMember(member: string): string {
  const base = member.replace(/(Action|Details)$/, '');
  let out = '';
  for (let i = 0; i < base.length; i++) {
    const ch = base.charAt(i);
    const upper = ch.toUpperCase();
    if (i > 0 && ch === upper && ch !== ch.toLowerCase()) out += '_';
    out += upper;
  }
  return out;
}

/**
 * Reads every fact any action kind can carry; a member that the kind does not have is simply absent, which lets an
 * action type GuardDuty adds later still yield its remote IP, port or user agent.
 */
function readActionDetails(summary: MutableAction, details: Record<string, unknown>): void {
  setText(summary, 'direction', getText(details, 'connectionDirection'));
  setText(summary, 'protocol', getText(details, 'protocol'));
  const blocked = getBoolean(details, 'blocked');
  if (blocked !== undefined) summary.blocked = blocked;
  readRemoteIp(summary, getObject(details, 'remoteIpDetails'));
  readPort(summary, 'remotePort', getObject(details, 'remotePortDetails'));
  readPort(summary, 'localPort', getObject(details, 'localPortDetails'));
  readLocalIp(summary, getObject(details, 'localIpDetails'));
  setText(
    summary,
    'domain',
    getText(details, 'domain') ?? getText(details, 'domainWithSuffix') ?? getText(getObject(details, 'domainDetails'), 'domain'),
  );
  setText(summary, 'serviceName', getText(details, 'serviceName'));
  setText(summary, 'userAgent', getText(details, 'userAgent'));

  // awsApiCallAction names the call `api`; kubernetesApiCallAction has a verb and a request URI instead.
  const api = getText(details, 'api');
  const verb = getText(details, 'verb');
  const requestUri = getText(details, 'requestUri');
  setText(summary, 'apiName', api ?? (verb !== undefined || requestUri !== undefined ? [verb, requestUri].filter(Boolean).join(' ') : undefined));

  // The wire name is `sourceIPs` (camel, capital IPs); the SDKs print `SourceIps`.
  // Source: the jsonName trait of KubernetesApiCallAction.SourceIps in the GuardDuty model.
  if (summary.remoteIp === undefined) {
    const sourceIps = getArray(details, 'sourceIPs') ?? getArray(details, 'sourceIps');
    setText(summary, 'remoteIp', sourceIps === undefined ? undefined : text(sourceIps[0]));
  }

  // A port probe lists every probe; the first one stands for the finding (GuardDuty orders them by recency).
  const probe = getArray(details, 'portProbeDetails')?.[0];
  if (isObject(probe)) {
    readRemoteIp(summary, getObject(probe, 'remoteIpDetails'));
    readPort(summary, 'localPort', getObject(probe, 'localPortDetails'));
    readLocalIp(summary, getObject(probe, 'localIpDetails'));
  }
}

function readRemoteIp(summary: MutableAction, remote: Record<string, unknown> | undefined): void {
  if (remote === undefined || summary.remoteIp !== undefined) return;
  setText(summary, 'remoteIp', getText(remote, 'ipAddressV4') ?? getText(remote, 'ipAddressV6'));
  const country = getObject(remote, 'country');
  setText(summary, 'country', getText(country, 'countryName') ?? getText(country, 'countryCode'));
  setText(summary, 'city', getText(getObject(remote, 'city'), 'cityName'));
  const organization = getObject(remote, 'organization');
  setText(
    summary,
    'organization',
    getText(organization, 'org') ?? getText(organization, 'asnOrg') ?? getText(organization, 'isp') ?? getText(organization, 'orgName'),
  );
  setText(summary, 'asn', getText(organization, 'asn'));
}

function readLocalIp(summary: MutableAction, local: Record<string, unknown> | undefined): void {
  if (local === undefined) return;
  setText(summary, 'localIp', getText(local, 'ipAddressV4') ?? getText(local, 'ipAddressV6'));
}

function readPort(summary: MutableAction, field: 'remotePort' | 'localPort', port: Record<string, unknown> | undefined): void {
  if (port === undefined || summary[field] !== undefined) return;
  const value = getNumber(port, 'port');
  if (value !== undefined && Number.isInteger(value) && value >= 0 && value <= 65_535) summary[field] = value;
}

type TextField = {
  [K in keyof MutableAction]-?: NonNullable<MutableAction[K]> extends string ? K : never;
}[keyof MutableAction];

function setText(summary: MutableAction, field: TextField, value: string | undefined): void {
  if (value !== undefined && summary[field] === undefined) summary[field] = value;
}

/** Exposed for ASFF, whose top-level `Action` is read like `service.action`. */
export function summariseAsffAction(asffFinding: unknown, addresses?: RemoteAddressList): ActionSummary {
  const action = get(asffFinding, 'Action');
  return action === undefined ? EMPTY_ACTION : summariseAction({ action }, undefined, addresses);
}
