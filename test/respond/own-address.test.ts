import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/finding/finding.js';
import { parseFindingDocument } from '../../src/finding/parse.js';
import { planBlocks } from '../../src/respond/plan-blocks.js';
import { planManualBlock } from '../../src/respond/plan-manual.js';
import { ownAddressListOf, remoteAddressesOf } from '../../src/respond/remote-addresses.js';
import { loadFixture } from '../support/finding-fixtures.js';
import { makeFinding } from '../support/make-finding.js';
import { respondConfig, T0 } from './helpers.js';

/**
 * The affected resource's own address is never blocked, whichever part of the document names it as remote and in
 * whichever textual form: parsed addresses are compared, not texts. The instance's public IP here is 52.95.110.1
 * (a globally reachable address, so only the own-address rule stands between it and a block).
 */

const OWN = '52.95.110.1';
const OWN_FORMS = [OWN, `::ffff:${OWN}`, '::FFFF:345f:6e01', ` ${OWN} `];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const clone = (name: string): Json => structuredClone(loadFixture(name)) as Json;

function parseOnly(doc: unknown): Finding {
  const { findings, errors } = parseFindingDocument(doc);
  expect(errors).toEqual([]);
  expect(findings).toHaveLength(1);
  return findings[0] as Finding;
}

/** Each: a document in which the instance's own public IP (in `form`) is named where a remote address is read. */
const SOURCES: ReadonlyArray<[source: string, build: (form: string) => Json]> = [
  [
    'GuardDuty networkConnectionAction.remoteIpDetails',
    (form) => {
      const doc = clone('eventbridge-camel-instance-network');
      doc.detail.resource.instanceDetails.networkInterfaces[0].publicIp = OWN;
      doc.detail.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4 = form;
      return doc;
    },
  ],
  [
    'GuardDuty service.remoteIpDetails',
    (form) => {
      const doc = clone('eventbridge-camel-instance-network');
      doc.detail.resource.instanceDetails.networkInterfaces[0].privateIpAddresses = [{ privateIpAddress: '10.20.30.40' }];
      doc.detail.resource.instanceDetails.networkInterfaces[0].ipv6Addresses = [`::ffff:${OWN}`];
      delete doc.detail.resource.instanceDetails.networkInterfaces[0].publicIp;
      delete doc.detail.service.action.networkConnectionAction.remoteIpDetails;
      doc.detail.service.remoteIpDetails = { ipAddressV4: form };
      return doc;
    },
  ],
  [
    'GuardDuty portProbeAction (localIpDetails names the instance)',
    (form) => {
      const doc = clone('eventbridge-camel-instance-network');
      delete doc.detail.resource.instanceDetails.networkInterfaces;
      doc.detail.service.action = {
        actionType: 'PORT_PROBE',
        portProbeAction: {
          blocked: false,
          portProbeDetails: [
            { localIpDetails: { ipAddressV4: OWN }, localPortDetails: { port: 22 }, remoteIpDetails: { ipAddressV4: '45.9.148.3' } },
            { localIpDetails: { ipAddressV4: OWN }, localPortDetails: { port: 22 }, remoteIpDetails: { ipAddressV4: form } },
          ],
        },
      };
      return doc;
    },
  ],
  [
    'GuardDuty kubernetesApiCallAction.sourceIPs',
    (form) => {
      const doc = clone('eventbridge-camel-instance-network');
      doc.detail.resource.instanceDetails.networkInterfaces[0].publicIp = OWN;
      doc.detail.service.action = { actionType: 'KUBERNETES_API_CALL', kubernetesApiCallAction: { requestUri: '/api', verb: 'get', sourceIPs: [form, '45.9.148.3'] } };
      return doc;
    },
  ],
  [
    'ASFF ProductFields remoteIpDetails (Resources IpV4Addresses)',
    (form) => {
      const doc = clone('securityhub-event-guardduty-asff-instance-network');
      const finding = doc.detail.findings[0];
      finding.Resources[0].Details.AwsEc2Instance.IpV4Addresses = ['10.20.30.40', OWN];
      finding.ProductFields['aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/ipAddressV4'] = form;
      finding.Network.DestinationIpV4 = form;
      return doc;
    },
  ],
  [
    'ASFF Action (no ProductFields action)',
    (form) => {
      const doc = clone('securityhub-event-guardduty-asff-instance-network');
      const finding = doc.detail.findings[0];
      finding.Resources[0].Details.AwsEc2Instance.IpV4Addresses = ['10.20.30.40', OWN];
      for (const key of Object.keys(finding.ProductFields)) if (key.startsWith('aws/guardduty/service/action/')) delete finding.ProductFields[key];
      delete finding.Network;
      finding.Action = { ActionType: 'NETWORK_CONNECTION', NetworkConnectionAction: { ConnectionDirection: 'OUTBOUND', RemoteIpDetails: { IpAddressV4: form } } };
      return doc;
    },
  ],
  [
    'OCSF dst_endpoint',
    (form) => {
      const doc = clone('securityhub-v2-event-guardduty-ocsf');
      const finding = doc.detail.findings[0];
      finding.resources[0].data.network_interfaces[0].public_ip = OWN;
      finding.evidences[0].dst_endpoint.ip = form;
      return doc;
    },
  ],
];

const config = respondConfig({ allow: [], maxActive: 50, maxNewPerHour: 50, rules: [{ name: 'all', match: {}, for: '1h', targets: ['edge'] }] });

describe('the resource’s own address is never blocked', () => {
  describe.each(SOURCES)('named by %s', (_source, build) => {
    it.each(OWN_FORMS)('in the form %j: not listed as remote, and no plan blocks it', (form) => {
      const finding = parseOnly(build(form));
      expect(remoteAddressesOf(finding).map((a) => a.ip.trim())).not.toContain(form.trim());
      const intents = planBlocks({ finding: { ...finding, sample: false, archived: false }, respondConfig: config, activeBlocks: [], recentNewCount: new Map(), now: T0 });
      const blocked = intents.flatMap((i) => (i.kind === 'refuse' ? [] : [i.record.ip]));
      expect(blocked).not.toContain(OWN);
    });
  });

  it('still blocks the other remote addresses of the same finding', () => {
    const finding = parseOnly(SOURCES[2]![1](`::ffff:${OWN}`));
    const intents = planBlocks({ finding, respondConfig: config, activeBlocks: [], recentNewCount: new Map(), now: T0 });
    expect(intents.filter((i) => i.kind === 'block').map((i) => (i.kind === 'block' ? i.record.ip : ''))).toEqual(['45.9.148.3']);
  });

  it('refuses it in a finding parsed before the parser left it out (remoteIp alone, or listed)', () => {
    const stored = makeFinding({ id: 'old', action: { type: 'NETWORK_CONNECTION', remoteIp: `::ffff:${OWN}`, ownAddresses: [OWN] } });
    expect(remoteAddressesOf(stored)).toEqual([]);
    const listed = makeFinding({ id: 'old2', action: { remoteIp: OWN, localIp: '::FFFF:345f:6e01', remoteAddresses: [{ ip: OWN, from: 'remoteIpDetails' }] } });
    expect(remoteAddressesOf(listed)).toEqual([]);
  });

  it('is refused as own-address when a person asks to block it from the finding', () => {
    const finding = parseOnly(SOURCES[0]![1]('45.9.148.3'));
    const intents = planManualBlock({
      ip: `::ffff:${OWN}`,
      forMs: 3_600_000,
      reason: 'test',
      actor: 'alice',
      respond: config,
      standing: [],
      recentNewCount: new Map(),
      now: T0,
      own: ownAddressListOf(finding),
    });
    expect(intents).toMatchObject([{ kind: 'refuse', reason: 'own-address', ip: OWN }]);
  });
});
