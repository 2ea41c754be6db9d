import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../src/policy/glob.js';

describe('compileGlob', () => {
  it.each([
    ['Recon:*', 'Recon:EC2/PortProbeUnprotectedPort', true],
    ['Recon:*', 'UnauthorizedAccess:EC2/SSHBruteForce', false],
    ['Recon:*', 'recon:EC2/PortProbeUnprotectedPort', false],
    ['*:EC2/*', 'CryptoCurrency:EC2/BitcoinTool.B!DNS', true],
    ['*:EC2/*', 'Policy:S3/BucketBlockPublicAccessDisabled', false],
    ['*', 'anything:at/all', true],
    ['*', '', true],
    ['CryptoCurrency:EC2/BitcoinTool.B!DNS', 'CryptoCurrency:EC2/BitcoinTool.B!DNS', true],
    ['CryptoCurrency:EC2/BitcoinTool.B!DNS', 'CryptoCurrency:EC2/BitcoinToolXB!DNS', false],
    ['CryptoCurrency:EC2/BitcoinTool.B!DNS', 'CryptoCurrency:EC2/BitcoinTool.B', false],
    ['CryptoCurrency:EC2/BitcoinTool.B', 'CryptoCurrency:EC2/BitcoinTool.B!DNS', false],
    ['Backdoor:EC2/C&CActivity.?!DNS', 'Backdoor:EC2/C&CActivity.B!DNS', true],
    ['Backdoor:EC2/C&CActivity.?!DNS', 'Backdoor:EC2/C&CActivity.!DNS', false],
    ['*SSHBruteForce', 'UnauthorizedAccess:EC2/SSHBruteForce', true],
    ['*:*/*.B', 'Trojan:EC2/DNSDataExfiltration.B', true],
    ['a(b)[c]{1}^$|+', 'a(b)[c]{1}^$|+', true],
    ['a(b)+', 'abb', false],
    ['\\d', '\\d', true],
    ['\\d', '1', false],
    ['?', '😀', true],
  ])('glob %j against %j → %s', (glob, value, expected) => {
    expect(compileGlob(glob)(value)).toBe(expected);
  });

  it('returns the same compiled predicate for the same glob', () => {
    expect(compileGlob('Recon:*')).toBe(compileGlob('Recon:*'));
  });

  it('stays fast on a pathological glob that would make a backtracking regex crawl', () => {
    const glob = `${'*a'.repeat(20)}*b`;
    const value = 'a'.repeat(5_000);
    const started = performance.now();
    expect(compileGlob(glob)(value)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
