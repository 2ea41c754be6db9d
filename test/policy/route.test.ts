import { describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { routeFinding } from '../../src/policy/route.js';
import { makeTestFinding, type TestFindingOptions } from './make-test-finding.js';

const destinations = [
  { name: 'sec', type: 'stdout' },
  { name: 'ops', type: 'stdout' },
  { name: 'audit', type: 'stdout' },
] as const;

function config(extra: Partial<ConfigInput>) {
  return configSchema.parse({ destinations, ...extra });
}

/** The routing table the classification cases run against: one rule per matcher kind. */
const table = config({
  routes: [
    { name: 'samples', match: { sample: true }, to: ['audit'] },
    { name: 'bitcoin', match: { types: ['CryptoCurrency:EC2/BitcoinTool.B!DNS'] }, to: ['sec', 'ops'] },
    { name: 'recon', match: { types: ['Recon:*'] }, to: ['ops'] },
    { name: 'prod-ec2', match: { types: ['*:EC2/*'], tags: { env: 'prod' } }, to: ['sec'] },
    { name: 'buckets', match: { resourceTypes: ['S3Bucket'] }, to: ['audit'] },
    { match: { minSeverity: 7 }, to: ['sec'] },
  ],
  defaultRoute: { to: ['audit'] },
});

describe('routeFinding', () => {
  it.each<[string, TestFindingOptions, Array<[destination: string, route: string]>]>([
    ['a sample goes to the samples route only', { sample: true, type: 'Recon:EC2/Portscan', severity: 8 }, [['audit', 'samples']]],
    ['an exact type with glob metacharacters', { type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS' }, [['sec', 'bitcoin'], ['ops', 'bitcoin']]],
    ['a near-miss of that type is not it', { type: 'CryptoCurrency:EC2/BitcoinToolXB!DNS', severity: 2 }, [['audit', 'default']]],
    ['Recon:* (first match wins over later rules)', { type: 'Recon:EC2/Portscan', severity: 8 }, [['ops', 'recon']]],
    ['*:EC2/* with a prod tag', { type: 'Backdoor:EC2/Spambot', tags: { env: 'prod' }, severity: 2 }, [['sec', 'prod-ec2']]],
    ['*:EC2/* without the tag falls through', { type: 'Backdoor:EC2/Spambot', tags: { env: 'dev' }, severity: 2 }, [['audit', 'default']]],
    ['a resource type, case-insensitive', { type: 'Policy:S3/BucketPublicAccessGranted', resourceType: 's3bucket', severity: 2 }, [['audit', 'buckets']]],
    ['an unnamed route is named by its index', { type: 'UnauthorizedAccess:IAMUser/TorIPCaller', resourceType: 'AccessKey', severity: 8 }, [['sec', 'routes[5]']]],
    ['nothing matched → the default route', { type: 'UnauthorizedAccess:IAMUser/TorIPCaller', resourceType: 'AccessKey', severity: 5 }, [['audit', 'default']]],
    ['unknown severity skips severity routes → default', { type: 'UnauthorizedAccess:IAMUser/TorIPCaller', resourceType: 'AccessKey', severity: null }, [['audit', 'default']]],
  ])('%s', (_name, findingOptions, expected) => {
    const targets = routeFinding(makeTestFinding(findingOptions), table);
    expect(targets.map((t) => [t.destination, t.route])).toEqual(expected);
  });

  it('keeps evaluating after a route with continue: true, and lists each destination once with the first route\'s settings', () => {
    const cfg = config({
      routes: [
        { name: 'all-high', match: { minSeverity: 7 }, to: ['sec'], continue: true, repeatAfter: '1h' },
        { name: 'ec2', match: { types: ['*:EC2/*'] }, to: ['ops', 'sec'], repeatAfter: '10m' },
        { name: 'never-reached', match: {}, to: ['audit'] },
      ],
    });
    const targets = routeFinding(makeTestFinding({ type: 'Backdoor:EC2/Spambot', severity: 8 }), cfg);
    expect(targets).toEqual([
      { destination: 'sec', route: 'all-high', repeatAfterMs: 3_600_000 },
      { destination: 'ops', route: 'ec2', repeatAfterMs: 600_000 },
    ]);
  });

  it('sends every finding to every destination when no routes are configured', () => {
    const targets = routeFinding(makeTestFinding({ severity: 1 }), config({}));
    expect(targets).toEqual([
      { destination: 'sec', route: 'all' },
      { destination: 'ops', route: 'all' },
      { destination: 'audit', route: 'all' },
    ]);
  });

  it('routes nowhere when nothing matched and there is no default route', () => {
    const cfg = config({ routes: [{ match: { minSeverity: 9 }, to: ['sec'] }] });
    expect(routeFinding(makeTestFinding({ severity: 4 }), cfg)).toEqual([]);
  });

  it('gives the default route its repeatAfter', () => {
    const cfg = config({ routes: [{ match: { minSeverity: 9 }, to: ['sec'] }], defaultRoute: { to: ['ops'], repeatAfter: '12h' } });
    expect(routeFinding(makeTestFinding({ severity: 4 }), cfg)).toEqual([
      { destination: 'ops', route: 'default', repeatAfterMs: 43_200_000 },
    ]);
  });

  describe('runbooks', () => {
    const withRunbooks = config({
      routes: [
        {
          name: 'rb',
          match: {},
          to: ['sec'],
          runbooks: {
            'CryptoCurrency:*': 'https://wiki.example.com/runbooks/crypto?type={type}&id={id}',
            '*': 'https://wiki.example.com/runbooks/{account}/{region}/{type}',
          },
        },
      ],
    });

    it('uses the first runbook whose glob matches the type', () => {
      const [target] = routeFinding(makeTestFinding({ type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', id: 'abc123' }), withRunbooks);
      expect(target?.runbookUrl).toBe(
        'https://wiki.example.com/runbooks/crypto?type=CryptoCurrency%3AEC2%2FBitcoinTool.B%21DNS&id=abc123',
      );
    });

    it('fills account and region, falling through to a later glob', () => {
      const [target] = routeFinding(makeTestFinding({ type: 'Recon:EC2/Portscan', accountId: '111122223333', region: 'eu-west-1' }), withRunbooks);
      expect(target?.runbookUrl).toBe('https://wiki.example.com/runbooks/111122223333/eu-west-1/Recon%3AEC2%2FPortscan');
    });

    it('keeps hostile values URL-encoded so they cannot change the path, query, fragment or host', () => {
      const hostile = makeTestFinding({
        type: 'CryptoCurrency:x/../../admin?delete=1#frag',
        id: '{type}&id=evil https://evil.example/<b>"\')](javascript:alert(1))',
      });
      const [target] = routeFinding(hostile, withRunbooks);
      const url = new URL(target?.runbookUrl ?? '');
      expect(url.host).toBe('wiki.example.com');
      expect(url.pathname).toBe('/runbooks/crypto');
      expect(url.hash).toBe('');
      expect([...url.searchParams.keys()]).toEqual(['type', 'id']);
      expect(url.searchParams.get('type')).toBe(hostile.type);
      expect(url.searchParams.get('id')).toBe(hostile.id);
      expect(target?.runbookUrl).not.toMatch(/[<>"' {}()!]/);
    });

    it('has no runbook when no glob matches', () => {
      const cfg = config({ routes: [{ match: {}, to: ['sec'], runbooks: { 'Policy:*': 'https://wiki.example.com/{type}' } }] });
      const [target] = routeFinding(makeTestFinding({ type: 'Recon:EC2/Portscan' }), cfg);
      expect(target).toEqual({ destination: 'sec', route: 'routes[0]' });
    });
  });
});
