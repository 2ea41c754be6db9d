import { describe, expect, it } from 'vitest';
import { classifyAddress, createAllowList, NEVER_BLOCK } from '../../src/respond/ip-safety.js';
import { canonicalCidr, parseCidr, parseIpAddress } from '../../src/core/ip-address.js';

describe('never-block ranges', () => {
  it.each([
    // private, CGNAT, NAT64 local use
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.254', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fc00::1', 'private'],
    ['64:ff9b:1::a00:1', 'private'],
    // loopback, link-local, multicast, broadcast, unspecified, other reserved
    ['127.0.0.1', 'reserved'],
    ['127.255.0.9', 'reserved'],
    ['::1', 'reserved'],
    ['169.254.169.254', 'reserved'],
    ['fe80::1', 'reserved'],
    ['224.0.0.251', 'reserved'],
    ['239.255.255.250', 'reserved'],
    ['ff02::1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['0.0.0.0', 'reserved'],
    ['::', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['100::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['4000::1', 'reserved'], // outside 2000::/3 global unicast
    // documentation
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.200', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['2001:DB8:ffff::1', 'documentation'],
    ['3fff::1', 'documentation'],
    // IPv4-mapped, NAT64 and 6to4 forms of the above
    ['::ffff:10.1.2.3', 'private'],
    ['::FFFF:a01:203', 'private'],
    ['::ffff:127.0.0.1', 'reserved'],
    ['::ffff:203.0.113.5', 'documentation'],
    ['64:ff9b::192.168.0.1', 'private'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:7f00:1::1', 'reserved'],
  ] as const)('never blocks %s (%s)', (ip, reason) => {
    const verdict = classifyAddress(ip);
    expect(verdict.blockable).toBe(false);
    expect(!verdict.blockable && verdict.reason).toBe(reason);
  });

  it.each([
    ['185.220.101.1', '185.220.101.1/32'],
    ['8.8.8.8', '8.8.8.8/32'],
    ['100.63.255.255', '100.63.255.255/32'],
    ['100.128.0.0', '100.128.0.0/32'],
    ['172.32.0.1', '172.32.0.1/32'],
    ['2001:67c:2e8:22::c100:68b', '2001:67c:2e8:22::c100:68b/128'],
    ['2606:4700:0000:0000:0000:0000:0000:1111', '2606:4700::1111/128'],
    ['::ffff:185.220.101.1', '185.220.101.1/32'],
    ['64:ff9b::b9dc:6501', '64:ff9b::b9dc:6501/128'],
    ['2002:b9dc:6501::1', '2002:b9dc:6501::1/128'],
  ])('blocks %s as %s', (ip, cidr) => {
    const verdict = classifyAddress(ip);
    expect(verdict).toMatchObject({ blockable: true, cidr });
  });

  it.each(['', ' 185.220.101.1', '185.220.101.1/32', '185.220.101', '010.1.2.3', '0x7f.0.0.1', '1::2::3', 'fe80::1%eth0', 'localhost', 'x'.repeat(5000)])(
    'refuses %j as invalid, never crashing',
    (text) => {
      expect(classifyAddress(text)).toMatchObject({ blockable: false, reason: 'invalid' });
    },
  );

  it.each([undefined, null, 42, {}, ['1.2.3.4']])('refuses a non-string (%j) as invalid', (value) => {
    expect(classifyAddress(value)).toMatchObject({ blockable: false, reason: 'invalid' });
  });

  it('names the range for people', () => {
    expect(classifyAddress('127.0.0.1')).toMatchObject({ label: 'loopback', range: '127.0.0.0/8' });
    expect(classifyAddress('100.64.1.1')).toMatchObject({ label: 'shared address space (carrier-grade NAT)' });
  });

  it('keeps every table entry a valid, canonical CIDR block', () => {
    for (const entry of NEVER_BLOCK) expect(parseCidr(entry.cidr)).toMatchObject({ cidr: entry.cidr });
  });
});

describe('allow list', () => {
  const allow = createAllowList(['185.220.101.0/24', '2001:67c:1234::/48', '45.9.148.3']);

  it.each([
    ['185.220.101.77', '185.220.101.0/24'],
    ['::ffff:185.220.101.77', '185.220.101.0/24'],
    ['2001:67c:1234:5::1', '2001:67c:1234::/48'],
    ['45.9.148.3', '45.9.148.3/32'],
  ])('never blocks %s (in %s)', (ip, entry) => {
    expect(classifyAddress(ip, allow)).toMatchObject({ blockable: false, reason: 'allow-list', range: entry });
  });

  it('still blocks the neighbours', () => {
    expect(classifyAddress('185.220.102.1', allow)).toMatchObject({ blockable: true });
    expect(classifyAddress('45.9.148.4', allow)).toMatchObject({ blockable: true });
  });

  it('reports the built-in reason before the allow list', () => {
    expect(classifyAddress('203.0.113.5', createAllowList(['203.0.113.0/24']))).toMatchObject({ reason: 'documentation' });
  });
});

describe('address parsing', () => {
  it.each([
    ['203.0.113.0/24', '203.0.113.0/24'],
    ['2001:DB8:1234::/48', '2001:db8:1234::/48'],
    ['10.0.0.1', '10.0.0.1/32'],
    ['::/0', '::/0'],
  ])('reads %s as %s', (text, cidr) => {
    expect(parseCidr(text)).toMatchObject({ cidr });
  });

  it.each([
    ['10.0.0.1/8', 'host bits set; did you mean 10.0.0.0/8?'],
    ['10.0.0.0/33', 'must be a whole number from 0 to 32'],
    ['10.0.0.0/08', 'must be a whole number'],
    ['10.0.0.0/', 'must be a whole number'],
    ['2001:db8::/129', 'from 0 to 128'],
    ['nope/24', 'expected a CIDR block'],
  ])('refuses %s', (text, problem) => {
    const parsed = parseCidr(text);
    expect('problem' in parsed && parsed.problem).toContain(problem);
  });

  it('compares what AWS prints back in canonical form', () => {
    expect(canonicalCidr('2001:0DB8:0000::0001/128')).toBe('2001:db8::1/128');
    expect(canonicalCidr('185.220.101.1')).toBe('185.220.101.1/32');
    expect(canonicalCidr('garbage')).toBeUndefined();
    expect(parseIpAddress('::FFFF:1.2.3.4')).toEqual({ address: '::ffff:1.2.3.4', family: 6 });
  });
});
