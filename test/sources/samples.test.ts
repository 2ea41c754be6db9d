import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFindingText } from '../../src/finding/parse.js';
import { renderFindingMessage } from '../../src/render/render-message.js';
import { checkSlackLimits } from '../../src/render/limits.js';
import { SAMPLE_FEATURES, SAMPLE_TEMPLATES } from '../../src/sources/sample-templates.js';
import {
  EXAMPLE_ACCOUNT_IDS,
  MAX_SAMPLE_COUNT,
  generateSampleFindings,
  republishSample,
  typeGlobMatcher,
  typeSlug,
  type SampleEvent,
} from '../../src/sources/samples.js';
import { runSamplesCommand } from '../../src/sources/samples-command.js';
import { registerSamplesCommand } from '../../src/entry/samples-command.js';

const NOW = Date.parse('2026-05-01T12:00:00.000Z');
const all = generateSampleFindings({ now: NOW, seed: 42 });

/** Every string value anywhere in a JSON value, with the key it sits under. */
function* strings(value: unknown, key = ''): Generator<[key: string, value: string]> {
  if (typeof value === 'string') yield [key, value];
  else if (Array.isArray(value)) for (const item of value) yield* strings(item, key);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* strings(v, k);
}

/** Every `remoteIpDetails` object in a JSON value. */
function remoteIpDetails(value: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(value)) return value.flatMap(remoteIpDetails);
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'remoteIpDetails' && v && typeof v === 'object' ? [v as Record<string, unknown>] : remoteIpDetails(v),
  );
}

const IPV4 = /\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b/g;
const isDocumentationIp = (ip: string) => /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}$/.test(ip);
const isPrivateIp = (ip: string) => /^10\./.test(ip) || ip === '169.254.169.254';

function stdout(): PassThrough & { text(): string } {
  const stream = new PassThrough() as PassThrough & { text(): string };
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.text = () => Buffer.concat(chunks).toString('utf8');
  return stream;
}

describe('generateSampleFindings', () => {
  it('makes one finding of each of at least 30 distinct real types by default', () => {
    const types = new Set(all.map((e) => e.detail.type));
    expect(all.length).toBe(SAMPLE_TEMPLATES.length);
    expect(types.size).toBe(all.length);
    expect(types.size).toBeGreaterThanOrEqual(30);
    for (const type of types) expect(type).toMatch(/^[A-Za-z]+:[A-Za-z0-9]+\/[A-Za-z0-9&.]+(![A-Za-z0-9]+)?$/);
  });

  it('covers EC2, IAM, S3, EKS audit logs, runtime monitoring, malware protection, RDS login and Lambda network activity', () => {
    const features = new Set(SAMPLE_TEMPLATES.map((t) => t.feature));
    for (const feature of SAMPLE_FEATURES) expect(features).toContain(feature);
    const resourceTypes = new Set(all.map((e) => e.detail.resource.resourceType));
    for (const rt of ['Instance', 'AccessKey', 'S3Bucket', 'EKSCluster', 'RDSDBInstance', 'Lambda', 'S3Object']) {
      expect(resourceTypes).toContain(rt);
    }
  });

  it('covers every severity band, and the first four already show all of them', () => {
    const band = (s: number) => (s >= 9 ? 'Critical' : s >= 7 ? 'High' : s >= 4 ? 'Medium' : 'Low');
    expect(new Set(all.map((e) => band(e.detail.severity)))).toEqual(new Set(['Low', 'Medium', 'High', 'Critical']));
    expect(new Set(all.slice(0, 4).map((e) => band(e.detail.severity)))).toEqual(new Set(['Low', 'Medium', 'High', 'Critical']));
  });

  it('has the EventBridge envelope and the finding fields GuardDuty publishes', () => {
    for (const event of all) {
      expect(event).toMatchObject({ version: '0', 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', resources: [] });
      expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const d = event.detail;
      expect(d.schemaVersion).toBe('2.0');
      expect(d.partition).toBe('aws');
      expect(d.id).toMatch(/^[0-9a-f]{32}$/);
      expect(d.accountId).toBe(event.account);
      expect(d.region).toBe(event.region);
      expect(d.arn).toBe(`arn:aws:guardduty:${d.region}:${d.accountId}:detector/${d.service.detectorId}/finding/${d.id}`);
      expect(d.service.detectorId).toMatch(/^[0-9a-f]{32}$/);
      expect(d.service).toMatchObject({ serviceName: 'guardduty', archived: false });
      expect(d.service.count).toBeGreaterThanOrEqual(1);
      expect(d.title.length).toBeGreaterThan(10);
      expect(d.description.length).toBeGreaterThan(10);
    }
  });

  it('marks every finding as a sample', () => {
    for (const event of all) expect(event.detail.service.additionalInfo.sample).toBe(true);
  });

  it('uses only example account ids', () => {
    for (const event of all) expect(EXAMPLE_ACCOUNT_IDS).toContain(event.account);
    for (const [, value] of [...all.flatMap((e) => [...strings(e)])]) {
      for (const match of value.matchAll(/arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/g)) {
        expect(EXAMPLE_ACCOUNT_IDS as readonly string[]).toContain(match[1]);
      }
    }
  });

  it('puts remote hosts in the documentation ranges only (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)', () => {
    let remotes = 0;
    for (const event of all) {
      for (const [key, value] of strings(event)) {
        if (key === 'userAgent') continue; // "Chrome/124.0.0.0" is a version, not an address
        for (const [ip] of value.matchAll(IPV4)) {
          // Our own resources' private addresses (and the metadata service) are the only others.
          expect(isDocumentationIp(ip) || isPrivateIp(ip), `${event.detail.type} ${key}=${ip}`).toBe(true);
        }
      }
      for (const [key, value] of strings(event)) {
        if (key === 'publicIp') expect(isDocumentationIp(value), `publicIp=${value}`).toBe(true);
      }
      for (const remote of remoteIpDetails(event)) {
        remotes += 1;
        expect(isDocumentationIp(String(remote.ipAddressV4)), `${event.detail.type} remote ${String(remote.ipAddressV4)}`).toBe(true);
        // Documentation autonomous systems too (RFC 5398: 64496-64511).
        const asn = Number((remote.organization as { asn?: string } | undefined)?.asn);
        expect(asn >= 64496 && asn <= 64511, `asn ${asn}`).toBe(true);
      }
      for (const [key, value] of strings(event.detail.service.action ?? {})) {
        if (key === 'domain') expect(value, 'domains use the reserved .example TLD').toMatch(/\.example$/);
      }
    }
    expect(remotes).toBeGreaterThan(all.length / 2);
  });

  it('is internally consistent: times in order, and the title names the resource the finding is about', () => {
    for (const { detail: d, time } of all) {
      expect(Date.parse(d.createdAt)).toBeLessThanOrEqual(Date.parse(d.updatedAt));
      expect(Date.parse(d.service.eventFirstSeen)).toBeLessThanOrEqual(Date.parse(d.service.eventLastSeen));
      expect(Date.parse(d.service.eventFirstSeen)).toBeLessThanOrEqual(Date.parse(d.createdAt));
      expect(Date.parse(d.updatedAt)).toBeLessThanOrEqual(Date.parse(time) + 1000);
      expect(Date.parse(time)).toBeLessThanOrEqual(NOW);
      const instanceId = (d.resource.instanceDetails as { instanceId?: string } | undefined)?.instanceId;
      if (d.resource.resourceType === 'Instance' && instanceId) expect(`${d.title} ${d.description}`).toContain(instanceId);
      const bucket = (d.resource.s3BucketDetails as Array<{ name: string }> | undefined)?.[0]?.name;
      if (bucket) expect(d.title).toContain(bucket);
    }
  });

  it('is deterministic for a seed, and different for another seed', () => {
    expect(generateSampleFindings({ now: NOW, seed: 42 })).toEqual(all);
    const other = generateSampleFindings({ now: NOW, seed: 43 });
    expect(other.map((e) => e.detail.id)).not.toEqual(all.map((e) => e.detail.id));
  });

  it('filters by type glob (comma-separated, case-insensitive)', () => {
    const ec2 = generateSampleFindings({ now: NOW, seed: 1, types: '*:EC2/*' });
    expect(ec2.length).toBeGreaterThanOrEqual(10);
    for (const e of ec2) expect(e.detail.type).toMatch(/:EC2\//);
    const two = generateSampleFindings({ now: NOW, seed: 1, types: 'recon:ec2/portprobeunprotectedport, Backdoor:Lambda/*' });
    expect(new Set(two.map((e) => e.detail.type))).toEqual(new Set(['Recon:EC2/PortProbeUnprotectedPort', 'Backdoor:Lambda/C&CActivity.B']));
    expect(generateSampleFindings({ now: NOW, types: 'Nothing:Like/This' })).toEqual([]);
  });

  it.each([
    ['Low', 1, 3.9],
    ['Medium', 4, 6.9],
    ['High', 7, 8.9],
    ['Critical', 9, 10],
  ] as const)('filters by severity band %s', (severity, min, max) => {
    const events = generateSampleFindings({ now: NOW, seed: 5, severity });
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.detail.severity).toBeGreaterThanOrEqual(min);
      expect(e.detail.severity).toBeLessThanOrEqual(max);
    }
  });

  it('makes exactly --count findings, cycling through the types with fresh ids when there are more', () => {
    expect(generateSampleFindings({ now: NOW, seed: 9, count: 3 })).toHaveLength(3);
    const many = generateSampleFindings({ now: NOW, seed: 9, count: SAMPLE_TEMPLATES.length * 2 + 5 });
    expect(many).toHaveLength(SAMPLE_TEMPLATES.length * 2 + 5);
    expect(new Set(many.map((e) => e.detail.id)).size).toBe(many.length);
    expect(new Set(many.map((e) => e.id)).size).toBe(many.length);
    const high = generateSampleFindings({ now: NOW, seed: 9, count: 50, severity: 'High', types: '*:Lambda/*' });
    expect(high).toHaveLength(50);
    expect(new Set(high.map((e) => e.detail.type)).size).toBe(3);
    expect(() => generateSampleFindings({ now: NOW, count: 0 })).toThrow(/count/);
    expect(() => generateSampleFindings({ now: NOW, count: MAX_SAMPLE_COUNT + 1 })).toThrow(/count/);
  });

  it('honours a fixed account and region', () => {
    const events = generateSampleFindings({ now: NOW, seed: 3, accountId: '111122223333', region: 'eu-central-1', count: 12 });
    for (const e of events) {
      expect(e.account).toBe('111122223333');
      expect(e.detail.arn).toContain(':eu-central-1:111122223333:');
    }
    expect(new Set(events.map((e) => e.detail.service.detectorId)).size).toBe(1);
  });

  it('every sample parses as the finding it claims to be, and renders within Slack limits', () => {
    const parsed = parseFindingText(JSON.stringify(all));
    expect(parsed.errors).toEqual([]);
    expect(parsed.findings).toHaveLength(all.length);
    parsed.findings.forEach((finding, i) => {
      const event = all[i] as SampleEvent;
      // An S3 malware finding's id is its object's (shared with the scan result); GuardDuty's id is then providerId.
      expect(finding.providerId ?? finding.id).toBe(event.detail.id);
      expect(finding.type).toBe(event.detail.type);
      expect(finding.severity).toBe(event.detail.severity);
      expect(finding.sample).toBe(true);
      expect(finding.archived).toBe(false);
      expect(finding.accountId).toBe(event.account);
      expect(finding.resource.type).toBe(event.detail.resource.resourceType);
      const message = renderFindingMessage(finding, { now: NOW });
      expect(checkSlackLimits(message.slack), finding.type).toEqual([]);
      expect(JSON.stringify(message.slack)).not.toMatch(/undefined|\[object Object\]/);
    });
  });

  it('re-publishes a finding as GuardDuty does: same id, higher count, later update, optional new severity', () => {
    const first = all[0] as SampleEvent;
    const later = republishSample(first, { now: NOW + 15 * 60_000, addCount: 4, severity: 9 });
    expect(later.detail.id).toBe(first.detail.id);
    expect(later.id).not.toBe(first.id);
    expect(later.detail.service.count).toBe(first.detail.service.count + 4);
    expect(Date.parse(later.detail.updatedAt)).toBeGreaterThan(Date.parse(first.detail.updatedAt));
    expect(later.detail.severity).toBe(9);
    expect(first.detail.service.count).toBe(all[0]?.detail.service.count); // the original is untouched
  });
});

describe('type globs and slugs', () => {
  it.each([
    ['*', 'Recon:EC2/Portscan', true],
    ['Recon:*', 'Recon:EC2/Portscan', true],
    ['Recon:*', 'Backdoor:EC2/C&CActivity.B!DNS', false],
    ['*!DNS', 'Backdoor:EC2/C&CActivity.B!DNS', true],
    ['Backdoor:EC2/C&CActivity.B', 'Backdoor:EC2/C&CActivity.B!DNS', false],
    ['*:EC2/?ortscan', 'Recon:EC2/Portscan', true],
  ])('%s matches %s: %s', (glob, type, expected) => {
    expect(typeGlobMatcher(glob)(type)).toBe(expected);
  });

  it('makes file-name friendly slugs', () => {
    expect(typeSlug('Backdoor:EC2/C&CActivity.B!DNS')).toBe('backdoor-ec2-ccactivity-b-dns');
    expect(typeSlug('UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS')).toBe(
      'unauthorizedaccess-iamuser-instancecredentialexfiltration-outsideaws',
    );
  });
});

describe('guardduty-notifier samples', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('prints one JSON array that replay (parseFindingText on stdin) reads whole', async () => {
    const out = stdout();
    const result = await runSamplesCommand({ count: 40, seed: 1, now: NOW }, { stdout: out });
    expect(result.count).toBe(40);
    const text = out.text();
    expect(JSON.parse(text)).toHaveLength(40);
    const parsed = parseFindingText(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.findings).toHaveLength(40);
  });

  it('with --out writes one file per finding, <type-slug>-<n>.json, and prints their paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gdn-samples-'));
    dirs.push(dir);
    const out = stdout();
    const types = 'Recon:EC2/PortProbeUnprotectedPort,Policy:S3/*';
    // Three types match, so six findings are two of each.
    const result = await runSamplesCommand({ types, count: 6, seed: 2, out: join(dir, 'nested'), now: NOW }, { stdout: out });
    const names = (await readdir(join(dir, 'nested'))).sort();
    expect(names).toHaveLength(6);
    expect(names).toContain('recon-ec2-portprobeunprotectedport-1.json');
    expect(names).toContain('recon-ec2-portprobeunprotectedport-2.json');
    expect(out.text().trim().split('\n')).toEqual(result.files);
    for (const file of result.files) {
      const parsed = parseFindingText(await readFile(file, 'utf8'));
      expect(parsed.errors).toEqual([]);
      expect(parsed.findings).toHaveLength(1);
    }
  });

  it('lists the types with their bands', async () => {
    const out = stdout();
    await runSamplesCommand({ list: true, severity: 'Critical' }, { stdout: out });
    expect(out.text()).toContain('AttackSequence:IAM/CompromisedCredentials');
    expect(out.text()).not.toContain('Recon:');
  });

  it('says clearly when no type matches', async () => {
    await expect(runSamplesCommand({ types: 'Nope:*', now: NOW }, { stdout: stdout() })).rejects.toThrow(/no finding type matches --types "Nope:\*"/);
  });

  it('registers a commander command that validates its options', async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerSamplesCommand(program);
    const samples = program.commands.find((c) => c.name() === 'samples');
    expect(samples?.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--types', '--count', '--severity', '--out', '--seed']));
    await expect(program.parseAsync(['node', 'gdn', 'samples', '--count', 'lots'])).rejects.toThrow(/whole number/);
    await expect(program.parseAsync(['node', 'gdn', 'samples', '--severity', 'scary'])).rejects.toThrow(/Low, Medium, High, Critical/);
  });
});
