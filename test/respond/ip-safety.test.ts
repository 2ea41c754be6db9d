import { describe, expect, it } from 'vitest';
import { classifyAddress, createAllowList, createOwnAddressList, NEVER_BLOCK } from '../../src/respond/ip-safety.js';
import { SPECIAL_PURPOSE_ADDRESSES, specialPurposeRow } from '../../src/respond/special-purpose-addresses.js';
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
    for (const entry of SPECIAL_PURPOSE_ADDRESSES) expect(parseCidr(entry.cidr)).toMatchObject({ cidr: entry.cidr });
    expect(NEVER_BLOCK.every((r) => r.reachable !== true)).toBe(true);
  });

  it('lets the most specific registry row decide', () => {
    expect(specialPurposeRow({ address: '192.0.0.9', family: 4 })?.cidr).toBe('192.0.0.9/32');
    expect(specialPurposeRow({ address: '192.0.0.11', family: 4 })?.cidr).toBe('192.0.0.0/24');
    expect(specialPurposeRow({ address: '192.0.0.3', family: 4 })?.cidr).toBe('192.0.0.0/29');
    expect(specialPurposeRow({ address: '2001:3::1', family: 6 })?.cidr).toBe('2001:3::/32');
    expect(specialPurposeRow({ address: '2001:5::1', family: 6 })?.cidr).toBe('2001::/23');
    expect(specialPurposeRow({ address: '185.220.101.1', family: 4 })).toBeUndefined();
  });
});

describe('globally reachable special-purpose addresses get the normal rules (IANA registries)', () => {
  it.each([
    ['192.0.0.9', 'Port Control Protocol anycast'],
    ['192.0.0.10', 'TURN anycast'],
    ['192.31.196.1', 'AS112-v4'],
    ['192.52.193.7', 'AMT'],
    ['192.175.48.6', 'AS112 direct delegation'],
    ['2001:1::1', 'PCP anycast'],
    ['2001:1::2', 'TURN anycast'],
    ['2001:1::3', 'DNS-SD SRP anycast'],
    ['2001:3::1', 'AMT'],
    ['2001:3:ffff:ffff:ffff:ffff:ffff:ffff', 'AMT'],
    ['2001:4:112::1', 'AS112-v6'],
    ['2001:4:112:ffff::9', 'AS112-v6'],
    ['2001:20::1', 'ORCHIDv2'],
    ['2001:2f:ffff::1', 'ORCHIDv2'],
    ['2001:30::1', 'DETs'],
    ['2620:4f:8000::1', 'AS112 direct delegation'],
    ['64:ff9b::808:808', 'NAT64 of a public address'],
    ['::ffff:192.0.0.9', 'IPv4-mapped PCP anycast'],
  ])('blocks %s (%s)', (ip) => {
    expect(classifyAddress(ip)).toMatchObject({ blockable: true });
  });

  it.each([
    ['192.0.0.11', 'reserved'], // 192.0.0.0/24 IETF protocol assignments, not globally reachable
    ['192.0.0.170', 'reserved'],
    ['192.88.99.2', 'reserved'],
    ['2001:1::4', 'reserved'], // inside 2001::/23, no reachable row of its own
    ['2001::1', 'reserved'], // Teredo: N/A
    ['2001:2::1', 'reserved'], // benchmarking
    ['2001:10::1', 'reserved'], // deprecated ORCHID
    ['100:0:0:1::1', 'reserved'],
    ['5f00::1', 'reserved'],
    ['64:ff9b:1::808:808', 'private'],
  ] as const)('still never blocks %s (%s)', (ip, reason) => {
    expect(classifyAddress(ip)).toMatchObject({ blockable: false, reason });
  });
});

describe('every list is checked on the normalised forms of the address', () => {
  const allow = createAllowList(['8.8.8.0/24']);

  it.each(['8.8.8.8', '::ffff:8.8.8.8', '::FFFF:808:808', '64:ff9b::8.8.8.8', '64:ff9b::808:808', '64:FF9B::0808:0808', '2002:808:808::1', '2002:808:8ff:1234::1'])(
    'allow: [8.8.8.0/24] refuses %s',
    (ip) => {
      expect(classifyAddress(ip, allow)).toMatchObject({ blockable: false, reason: 'allow-list', range: '8.8.8.0/24' });
    },
  );

  it('still blocks the neighbours in the same forms', () => {
    for (const ip of ['8.8.9.8', '64:ff9b::808:908', '2002:808:908::1']) expect(classifyAddress(ip, allow)).toMatchObject({ blockable: true });
  });

  it.each([
    ['::ffff:8.8.8.0/120', '64:ff9b::808:808'],
    ['64:ff9b::808:800/120', '8.8.8.8'],
    ['2002:808:800::/40', '8.8.8.8'],
    ['2002:808:808::/48', '::ffff:8.8.8.8'],
  ])('an allow entry written as %s covers %s', (entry, ip) => {
    expect(classifyAddress(ip, createAllowList([entry]))).toMatchObject({ blockable: false, reason: 'allow-list' });
  });

  it('does not read an embedding prefix that fixes no IPv4 bit as "all of IPv4"', () => {
    expect(classifyAddress('8.8.8.8', createAllowList(['64:ff9b::/96', '2002::/16']))).toMatchObject({ blockable: true });
  });

  it('judges the built-in ranges on the embedded IPv4 address too, naming the embedding', () => {
    expect(classifyAddress('64:ff9b::a00:1')).toMatchObject({ reason: 'private', label: 'private (RFC 1918), embedded in IPv6 (NAT64)' });
    expect(classifyAddress('2002:a00:1::1')).toMatchObject({ reason: 'private', label: 'private (RFC 1918), embedded in IPv6 (6to4)' });
  });

  it('compares the resource’s own addresses the same way', () => {
    const own = createOwnAddressList(['52.95.110.1', 'not an ip']);
    for (const ip of ['52.95.110.1', '::ffff:52.95.110.1', '64:ff9b::345f:6e01']) {
      expect(classifyAddress(ip, undefined, own)).toMatchObject({ blockable: false, reason: 'own-address' });
    }
    expect(classifyAddress('52.95.110.2', undefined, own)).toMatchObject({ blockable: true });
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
