import { SAMPLE_TEMPLATES } from '../sources/sample-templates.js';
import { buildSample, type SampleEvent } from '../sources/samples.js';

/**
 * respond/ in the demo: a `respond:` section in dry-run (decide, record, announce; a target is never read nor written:
 * its ARN is an example), and now and then a port probe that is not a sample, from two addresses — one public, which
 * respond would block, one in a documentation range, which it refuses. Its message carries the lines ("Would block …
 * (dry-run)", "Not blocked: … is a documentation address"). Sample findings of the types the rule matches show the
 * other safety rule: never block from a sample ("Not blocked: … comes from a sample finding").
 */

/** A public address for the demo to "block" in dry-run (a well-known Tor exit range; nothing is written anywhere). */
export const DEMO_BLOCKED_ADDRESS = '185.220.101.1';
/** An address in TEST-NET-2 (RFC 5737): respond refuses it as documentation. */
export const DEMO_DOCUMENTATION_ADDRESS = '198.51.100.23';

/** The demo config's `respond:` (raw, before the schema fills in defaults). */
export const DEMO_RESPOND = {
  mode: 'dry-run',
  targets: [
    {
      name: 'edge',
      type: 'network-firewall',
      ruleGroupArn: 'arn:aws:network-firewall:us-east-1:123456789012:stateless-rulegroup/guardduty-blocks',
      priority: 30000,
    },
  ],
  rules: [{ name: 'attackers', match: { types: ['Recon:EC2/PortProbe*', 'UnauthorizedAccess:EC2/SSHBruteForce'] }, for: '12h', targets: ['edge'] }],
} as const;

/**
 * A port probe from {@link DEMO_BLOCKED_ADDRESS} and {@link DEMO_DOCUMENTATION_ADDRESS}, not marked as a sample.
 *
 * @example
 * await pipeline.ingest([respondSample({ seed: 1, now: Date.now() })]);
 */
export function respondSample(options: { seed: number; now: number }): SampleEvent {
  const template = SAMPLE_TEMPLATES.find((t) => t.type === 'Recon:EC2/PortProbeUnprotectedPort');
  if (!template) throw new Error('the port probe sample template is missing');
  const event = buildSample(template, { seed: options.seed, accountId: '123456789012', region: 'us-east-1', now: options.now });
  // One set of facts, from which the action, the title and the description are all written.
  const probes = [
    { ip: DEMO_BLOCKED_ADDRESS, port: 22, portName: 'SSH' },
    { ip: DEMO_DOCUMENTATION_ADDRESS, port: 3389, portName: 'RDP' },
  ] as const;
  const instanceId = String((event.detail.resource.instanceDetails as { instanceId?: string } | undefined)?.instanceId);
  event.detail.service.action = {
    actionType: 'PORT_PROBE',
    portProbeAction: {
      blocked: false,
      portProbeDetails: probes.map(({ ip, port, portName }) => ({
        localPortDetails: { port, portName },
        remoteIpDetails: { ipAddressV4: ip, country: { countryName: 'Exampleland' }, organization: { asn: '64500', asnOrg: 'Example Net' } },
      })),
    },
  };
  const { sample: _sample, ...info } = event.detail.service.additionalInfo as Record<string, unknown>;
  void _sample;
  (event.detail.service as { additionalInfo: Record<string, unknown> }).additionalInfo = info;
  const [first, second] = probes;
  event.detail.title = `Unprotected ports on EC2 instance ${instanceId} are being probed by ${first.ip} and ${second.ip}.`;
  event.detail.description =
    `EC2 instance ${instanceId} has unprotected ports ${first.port} (${first.portName}) and ${second.port} (${second.portName}) ` +
    `which are being probed by ${first.ip} and ${second.ip}.`;
  return event;
}
