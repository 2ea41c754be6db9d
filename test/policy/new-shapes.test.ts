/**
 * Policy on the 2026 shapes, from the parsed fixtures: OCSF findings and scan results have a band but no 0–10 number
 * and are compared by the band's lower bound; `products` routes; a clean scan is suppressed as `clean`; and the same
 * GuardDuty finding arriving natively, as ASFF and as OCSF (or a scan result and GuardDuty's finding about the same
 * S3 object) is one finding, in one batch and across batches.
 */
import { describe, expect, it } from 'vitest';
import type { MatchConfig } from '../../src/config/schema.js';
import type { Finding } from '../../src/finding/finding.js';
import { parseFindingDocument } from '../../src/finding/parse.js';
import { decideNotification, dedupeBatch, nextLedgerEntry } from '../../src/policy/decide.js';
import type { Decision } from '../../src/policy/decision.js';
import { formatDecisionReason } from '../../src/policy/decision-record.js';
import type { LedgerEntry } from '../../src/policy/ledger.js';
import { matchesFinding } from '../../src/policy/match.js';
import type { RouteTarget } from '../../src/policy/route.js';
import { loadFixture } from '../support/finding-fixtures.js';

const T0 = Date.parse('2026-03-10T12:00:00.000Z');
const target: RouteTarget = { destination: 'sec', route: 'routes[0]' };

function parsed(fixture: string, index = 0): Finding {
  const { findings, errors } = parseFindingDocument(loadFixture(fixture));
  expect(errors).toEqual([]);
  const finding = findings[index];
  if (finding === undefined) throw new Error(`${fixture} has no finding #${index}`);
  return finding;
}

function decide(finding: Finding, minSeverity = 0, ledger?: LedgerEntry): Decision {
  return decideNotification({ finding, target, mutes: [], now: T0, minSeverity, dropSamples: false, threads: false, ...(ledger && { ledger }) });
}

function outcome(decision: Decision): string {
  return decision.outcome === 'notify' ? decision.kind : formatDecisionReason(decision.reason);
}

/** One batch per document, as Lambda invocations come: decide against the ledger, then write the next row. */
function replay(findings: readonly Finding[]): string[] {
  const ledger = new Map<string, LedgerEntry>();
  return findings.map((finding, i) => {
    const previous = ledger.get(finding.id);
    const decision = decideNotification({ finding, target, mutes: [], now: T0 + i * 60_000, minSeverity: 4, dropSamples: false, threads: false, ...(previous && { ledger: previous }) });
    const next = nextLedgerEntry(decision, previous, T0 + i * 60_000);
    if (next) ledger.set(finding.id, next);
    return outcome(decision);
  });
}

const ocsfHigh = () => parsed('securityhub-v2-event-guardduty-ocsf');
const ocsfMedium = () => parsed('ocsf-bare-guardduty-api-ipv6-resolved');
const inspectorCritical = () => parsed('getfindingsv2-inspector-and-control-ocsf', 0);
const controlInformational = () => parsed('getfindingsv2-inspector-and-control-ocsf', 1);
const scanHit = () => parsed('eventbridge-malware-scan-threats-found');
const couldNotScan = () => parsed('eventbridge-malware-scan-access-denied');

describe('severity bounds on findings that carry a band but no number', () => {
  it.each<[string, MatchConfig, () => Finding, boolean]>([
    ['an OCSF High passes minSeverity 7 (its lower bound is 7)', { minSeverity: 7 }, ocsfHigh, true],
    ['an OCSF High fails minSeverity 7.5', { minSeverity: 7.5 }, ocsfHigh, false],
    ['an OCSF Medium fails minSeverity 7', { minSeverity: 7 }, ocsfMedium, false],
    ['an OCSF Medium passes maxSeverity 6.9', { maxSeverity: 6.9 }, ocsfMedium, true],
    ['an OCSF Critical passes minSeverity 9', { minSeverity: 9 }, inspectorCritical, true],
    ['an OCSF Informational sorts with Low: passes minSeverity 1', { minSeverity: 1 }, controlInformational, true],
    ['a scan hit (High) passes minSeverity 7', { minSeverity: 7 }, scanHit, true],
    ['a could-not-scan notice (Low) fails minSeverity 4', { minSeverity: 4 }, couldNotScan, false],
  ])('%s', (_name, match, finding, expected) => {
    expect(matchesFinding(match, finding())).toBe(expected);
  });

  it('drops a could-not-scan notice below the usual minSeverity 4 and keeps it at 1', () => {
    expect(outcome(decide(couldNotScan(), 4))).toBe('below-threshold');
    expect(outcome(decide(couldNotScan(), 1))).toBe('new');
  });

  it('notifies a scan hit at minSeverity 7 and drops an OCSF Medium there', () => {
    expect(outcome(decide(scanHit(), 7))).toBe('new');
    expect(outcome(decide(ocsfMedium(), 7))).toBe('archived'); // it is also Resolved: archived comes first
    expect(outcome(decide({ ...ocsfMedium(), archived: false }, 7))).toBe('below-threshold');
  });
});

describe('products', () => {
  it.each<[string, string[], () => Finding, boolean]>([
    ['GuardDuty over OCSF', ['GuardDuty'], ocsfHigh, true],
    ['case and spaces do not matter', ['guardduty'], ocsfHigh, true],
    ['"Amazon GuardDuty" is GuardDuty', ['Amazon GuardDuty'], ocsfHigh, true],
    ['Inspector is not GuardDuty', ['GuardDuty'], inspectorCritical, false],
    ['Inspector when listed', ['GuardDuty', 'Inspector'], inspectorCritical, true],
    ['Security Hub controls', ['SecurityHub'], controlInformational, true],
    ['scan results are GuardDuty', ['GuardDuty'], scanHit, true],
    ['an empty list matches nothing', [], ocsfHigh, false],
  ])('%s', (_name, products, finding, expected) => {
    expect(matchesFinding({ products }, finding())).toBe(expected);
  });
});

describe('scan results', () => {
  it('suppresses a clean scan as clean, whatever the threshold', () => {
    const clean = parseFindingDocument({
      ...(loadFixture('eventbridge-malware-scan-threats-found') as Record<string, unknown>),
      detail: {
        scanStatus: 'COMPLETED',
        s3ObjectDetails: { bucketName: 'customer-uploads-example', objectKey: 'ok.pdf', versionId: 'v1' },
        scanResultDetails: { scanResultStatus: 'NO_THREATS_FOUND', threats: null },
      },
    }).findings[0]!;
    expect(outcome(decide(clean, 0))).toBe('clean');
    expect(nextLedgerEntry(decide(clean, 0), undefined, T0)).toBeUndefined();
  });

  it('makes GuardDuty\'s Object:S3/MaliciousFile finding for the scanned object a duplicate of the scan hit, in either order', () => {
    const finding = parsed('eventbridge-malware-s3-maliciousfile-finding');
    expect(finding.id).toBe(scanHit().id);
    expect(replay([scanHit(), finding])).toEqual(['new', 'duplicate']);
    expect(replay([finding, scanHit()])).toEqual(['new', 'duplicate']);
    expect(dedupeBatch([scanHit(), finding])).toHaveLength(1);
  });

  it('escalates a could-not-scan notice when a re-scan of the same object version finds malware', () => {
    const notice = couldNotScan();
    const doc = loadFixture('eventbridge-malware-scan-access-denied') as { detail: Record<string, Record<string, unknown>> };
    doc.detail.scanResultDetails = { scanResultStatus: 'THREATS_FOUND', threats: [{ name: 'EICAR-Test-File (not a virus)' }] };
    const hit = parseFindingDocument(doc).findings[0]!;
    expect(hit.id).toBe(notice.id);
    const ledger = new Map<string, LedgerEntry>();
    const first = decideNotification({ finding: notice, target, mutes: [], now: T0, minSeverity: 0, dropSamples: false, threads: false });
    ledger.set(notice.id, nextLedgerEntry(first, undefined, T0)!);
    const second = decide(hit, 0, ledger.get(hit.id));
    expect(outcome(second)).toBe('escalated');
  });
});

describe('one finding, one message, however it arrives', () => {
  const native = () => parsed('eventbridge-camel-instance-network');
  const asff = () => parsed('securityhub-event-guardduty-asff-instance-network');
  const ocsf = () => ocsfHigh();

  it('gives the three copies one id, type and band', () => {
    const copies = [native(), asff(), ocsf()];
    expect(new Set(copies.map((f) => f.id))).toEqual(new Set(['a1b2c3d4e5f60718293a4b5c6d7e8f90']));
    expect(new Set(copies.map((f) => f.type)).size).toBe(1);
    expect(new Set(copies.map((f) => f.band.name))).toEqual(new Set(['High']));
    expect(copies.map((f) => f.format)).toEqual(['eventbridge', 'asff', 'ocsf']);
  });

  it('keeps one of them in a batch', () => {
    expect(dedupeBatch([native(), asff(), ocsf()])).toHaveLength(1);
  });

  it.each([
    ['native, ASFF, OCSF', [native, asff, ocsf]],
    ['OCSF, native, ASFF', [ocsf, native, asff]],
    ['ASFF, OCSF, native', [asff, ocsf, native]],
  ])('sends one message across batches (%s)', (_order, makers) => {
    expect(replay(makers.map((make) => make()))).toEqual(['new', 'duplicate', 'duplicate']);
  });
});
