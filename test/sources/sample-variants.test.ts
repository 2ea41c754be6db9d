import { describe, expect, it } from 'vitest';
import { parseFindingDocument } from '../../src/finding/parse.js';
import { renderFindingMessage } from '../../src/render/render-message.js';
import { checkSlackLimits } from '../../src/render/limits.js';
import { generateSampleVariants, sampleFindingIds } from '../../src/sources/sample-variants.js';

const NOW = Date.parse('2026-05-01T12:00:00.000Z');

describe('generateSampleVariants', () => {
  const documents = generateSampleVariants({ now: NOW, seed: 9 });
  const findings = documents.map((doc) => {
    const { findings: parsed, errors } = parseFindingDocument(doc);
    expect(errors).toEqual([]);
    expect(parsed).toHaveLength(1);
    return parsed[0]!;
  });

  it('makes one of each shape the demo shows', () => {
    expect(documents.map((d) => d['detail-type'])).toEqual([
      'Findings Imported V2',
      'Findings Imported V2',
      'GuardDuty Malware Protection Object Scan Result',
      'GuardDuty Malware Protection Object Scan Result',
      'GuardDuty Finding',
      'GuardDuty Finding',
      'GuardDuty Finding',
      'GuardDuty Finding',
      'GuardDuty Runtime Protection Unhealthy',
      'GuardDuty Runtime Protection Healthy',
    ]);
    expect(findings.map((f) => [f.format, f.product, f.band.name])).toEqual([
      ['ocsf', 'GuardDuty', findings[0]!.band.name],
      ['ocsf', 'Inspector', 'High'],
      ['malware-scan', 'GuardDuty', 'High'],
      ['malware-scan', 'GuardDuty', 'Low'],
      ['eventbridge', 'GuardDuty', 'Critical'],
      ['eventbridge', 'GuardDuty', 'Medium'],
      ['eventbridge', 'GuardDuty', 'High'],
      ['eventbridge', 'GuardDuty', 'Critical'],
      ['health', 'GuardDuty', 'Medium'],
      ['health', 'GuardDuty', 'Low'],
    ]);
  });

  it('shows a Malware Protection for Backup finding with its scanned snapshot and threats', () => {
    const backup = findings[6]!;
    expect(backup.type).toBe('Execution:EC2/MaliciousFile!Snapshot');
    expect(backup.resourceScan).toMatchObject({ scannedType: 'EBSSnapshot', scanType: 'BACKUP_INITIATED', threatCount: 2 });
    expect(backup.resourceScan!.threats.map((t) => t.name)).toEqual(['Trojan.Linux.ExampleMiner', 'EICAR-Test-File (not a virus)']);
  });

  it('shows an attack sequence with the 2026 context indicators', () => {
    const sequence = findings[7]!;
    expect(sequence.attackSequence!.indicators!.map((i) => i.key)).toEqual(['MALICIOUS_PACKAGE', 'VULNERABILITY', 'REACHABILITY', 'MISCONFIGURATION', 'SENSITIVE_DATA']);
    expect(sequence.attackSequence!.additionalTypes).toContain('AttackSequence:IAM/CompromisedCredentials');
  });

  it('shows a coverage notice and then its recovery, about the same cluster', () => {
    const [drop, recovery] = findings.slice(8);
    expect([drop!.type, recovery!.type]).toEqual(['Health:RuntimeProtection/Unhealthy', 'Health:RuntimeProtection/Healthy']);
    expect(recovery!.id).toBe(drop!.id);
  });

  it('gives the OCSF copy the GuardDuty id and type it was made from, and no invented number', () => {
    expect(findings[0]!.id).toMatch(/^[0-9a-f]{32}$/);
    expect(findings[0]!.type).toMatch(/^(CryptoCurrency:EC2\/BitcoinTool\.B|UnauthorizedAccess:IAMUser\/TorIPCaller)$/);
    expect(findings[0]!.severity).toBeNull();
    expect(findings[0]!.action.remoteAddresses?.length).toBeGreaterThan(0);
  });

  it('makes an attack sequence with signals, and a finding that is one of them', () => {
    const [sequence, signal] = findings.slice(4);
    expect(sequence!.attackSequence!.signalCount).toBe(4);
    expect(sequence!.attackSequence!.signals.some((s) => s.severity !== undefined)).toBe(true);
    expect(signal!.attackSequenceId).toBe(sequence!.id);
  });

  it('renders every variant within Slack limits', () => {
    for (const finding of findings) expect(checkSlackLimits(renderFindingMessage(finding, { now: NOW }).slack)).toEqual([]);
  });

  it('is a function of its options', () => {
    expect(generateSampleVariants({ now: NOW, seed: 9 })).toEqual(documents);
    expect(generateSampleVariants({ now: NOW, seed: 10 })).not.toEqual(documents);
  });

  it('names the ledger id each document gets', () => {
    expect(documents.map(sampleFindingIds)).toEqual(findings.map((f) => [f.id]));
  });
});
