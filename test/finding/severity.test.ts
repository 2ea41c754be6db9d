import { describe, expect, it } from 'vitest';
import { bandOf } from '../../src/finding/finding.js';
import { asffSeverity, guardDutySeverity } from '../../src/finding/severity.js';

describe('guardDutySeverity', () => {
  it.each<[value: unknown, severity: number | null, band: string]>([
    [8, 8, 'High'],
    [8.7, 8.7, 'High'],
    ['8.0', 8, 'High'],
    [' 5 ', 5, 'Medium'],
    [1, 1, 'Low'],
    [3.9, 3.9, 'Low'],
    [4, 4, 'Medium'],
    [6.9, 6.9, 'Medium'],
    [7, 7, 'High'],
    [9, 9, 'Critical'],
    [10, 10, 'Critical'],
    [0, 0, 'Low'],
    [-1, null, 'Unknown'],
    ['-1', null, 'Unknown'],
    [11, null, 'Unknown'],
    ['high', null, 'Unknown'],
    ['', null, 'Unknown'],
    [null, null, 'Unknown'],
    [undefined, null, 'Unknown'],
    [Number.NaN, null, 'Unknown'],
    [Number.POSITIVE_INFINITY, null, 'Unknown'],
    [true, null, 'Unknown'],
    [{}, null, 'Unknown'],
  ])('reads %j as %j (%s)', (value, severity, band) => {
    expect(guardDutySeverity(value)).toBe(severity);
    expect(bandOf(guardDutySeverity(value)).name).toBe(band);
  });
});

describe('asffSeverity', () => {
  it.each<[description: string, severity: unknown, isGuardDuty: boolean, expected: number | null]>([
    ['GuardDuty: the native Original value', { Original: '8', Label: 'HIGH', Normalized: 80 }, true, 8],
    ['GuardDuty: the older Product value', { Product: 2, Label: 'LOW', Normalized: 20 }, true, 2],
    ['GuardDuty: Normalized when no native value', { Normalized: 50 }, true, 5],
    ['other products: Normalized / 10', { Label: 'HIGH', Normalized: 70 }, false, 7],
    ['other products: Label alone', { Label: 'CRITICAL' }, false, 9],
    ['other products: Label wins over a contradicting Normalized', { Label: 'LOW', Normalized: 90 }, false, 1],
    ['other products: INFORMATIONAL', { Label: 'INFORMATIONAL', Normalized: 0 }, false, 0],
    ['other products: Product is not on our scale and is ignored', { Product: 99 }, false, null],
    ['a bare number', 8, false, 8],
    ['nothing', undefined, false, null],
  ])('reads %s', (_description, severity, isGuardDuty, expected) => {
    expect(asffSeverity({ Severity: severity }, isGuardDuty)).toBe(expected);
  });

  it('falls back to FindingProviderFields for GuardDuty findings', () => {
    expect(asffSeverity({ Severity: { Label: 'MEDIUM' }, FindingProviderFields: { Severity: { Original: '5.5' } } }, true)).toBe(5.5);
  });
});
