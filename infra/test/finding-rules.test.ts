/**
 * The optional rules for the 2026 shapes: the new Security Hub's Findings Imported V2 events (GuardDuty only unless
 * told otherwise, filters nested under detail.findings) and Malware Protection for S3 scan results, and the role
 * the function may assume for account names.
 */
import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { HEALTH_DETAIL_TYPES, healthPattern, malwareScanPattern, securityHubV2Pattern } from '../lib/finding-rules.js';
import { HEALTH_DETAIL_TYPES as READ_HEALTH_DETAIL_TYPES } from '../../src/finding/parse-health.js';
import { parseInfraConfig, toAppConfig } from '../lib/config.js';
import { synth, testConfig } from './support/synth.js';

/** EventBridge matching for the parts of patterns these rules use: value lists, nesting, anything-but. */
function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.some((p) => {
      if (p !== null && typeof p === 'object' && 'anything-but' in p) return values.some((v) => v !== undefined && v !== (p as Record<string, unknown>)['anything-but']);
      return values.includes(p);
    });
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object') return false;
    return Object.entries(pattern).every(([key, sub]) => {
      const member = key === 'detailType' ? 'detail-type' : key;
      const inner = (value as Record<string, unknown>)[member];
      // Arrays of objects (detail.findings) match when any element does.
      if (Array.isArray(inner) && inner.some((item) => item !== null && typeof item === 'object')) return inner.some((item) => matches(sub, item));
      return matches(sub, inner);
    });
  }
  return false;
}

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/fixtures/findings/${name}.json`, import.meta.url), 'utf8'));
const rulesOf = (t: ReturnType<typeof synth>['home']) =>
  Object.values(t.findResources('AWS::Events::Rule')).filter((r) => r.Properties?.EventPattern !== undefined);

describe('the Findings Imported V2 rule', () => {
  it('is off by default', () => {
    const { home } = synth(testConfig());
    expect(JSON.stringify(rulesOf(home))).not.toContain('Findings Imported V2');
  });

  it('takes GuardDuty findings only by default, with the filters under detail.findings', () => {
    const { home } = synth(testConfig({ sources: { guardDuty: true, securityHubV2: true }, minSeverity: 7 }));
    home.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.securityhub'],
        'detail-type': ['Findings Imported V2'],
        detail: { findings: { metadata: { product: { name: ['GuardDuty'] } }, severity_id: [4, 5, 6, 0, 99] } },
      },
    });
    const pattern = rulesOf(home).find((r) => JSON.stringify(r.Properties?.EventPattern).includes('Findings Imported V2'))!.Properties!.EventPattern as Record<string, unknown>;
    expect(Object.keys(pattern.detail as object)).toEqual(['findings']);
  });

  it('matches a GuardDuty V2 event at or above the threshold, and neither Inspector nor a lower band', () => {
    const pattern = securityHubV2Pattern(['GuardDuty'], 7);
    expect(matches(pattern, fixture('securityhub-v2-event-guardduty-ocsf'))).toBe(true);
    const medium = structuredClone(fixture('securityhub-v2-event-guardduty-ocsf')) as { detail: { findings: Array<Record<string, unknown>> } };
    medium.detail.findings[0]!.severity_id = 3;
    expect(matches(pattern, medium)).toBe(false);
    const inspector = structuredClone(fixture('securityhub-v2-event-guardduty-ocsf')) as { detail: { findings: Array<{ metadata: { product: { name: string } } }> } };
    inspector.detail.findings[0]!.metadata.product.name = 'Inspector';
    expect(matches(pattern, inspector)).toBe(false);
    expect(matches(securityHubV2Pattern(['GuardDuty', 'Inspector'], 7), inspector)).toBe(true);
  });

  it('keeps every band the function would keep: a threshold of 4 lets Medium and above through', () => {
    expect((securityHubV2Pattern(['GuardDuty'], 4).detail as { findings: { severity_id: number[] } }).findings.severity_id).toEqual([3, 4, 5, 6, 0, 99]);
    expect((securityHubV2Pattern(['GuardDuty'], undefined).detail as { findings: Record<string, unknown> }).findings.severity_id).toBeUndefined();
  });

  it('names other products when configured', () => {
    const { home } = synth(testConfig({ sources: { guardDuty: false, securityHubV2: true, securityHubV2Products: ['GuardDuty', 'Inspector'] } }));
    home.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { findings: Match.objectLike({ metadata: { product: { name: ['GuardDuty', 'Inspector'] } } }) } }),
    });
  });
});

describe('the Malware Protection scan result rule', () => {
  it('takes only threats found when the threshold is above Low, all but clean scans otherwise', () => {
    const { home } = synth(testConfig({ sources: { guardDuty: true, malwareScanResults: true }, minSeverity: 4 }));
    home.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.guardduty'],
        'detail-type': ['GuardDuty Malware Protection Object Scan Result'],
        detail: { scanResultDetails: { scanResultStatus: ['THREATS_FOUND'] } },
      },
    });
    expect(matches(malwareScanPattern(4), fixture('eventbridge-malware-scan-threats-found'))).toBe(true);
    expect(matches(malwareScanPattern(4), fixture('eventbridge-malware-scan-access-denied'))).toBe(false);
    expect(matches(malwareScanPattern(0), fixture('eventbridge-malware-scan-access-denied'))).toBe(true);
    expect(matches(malwareScanPattern(undefined), fixture('eventbridge-malware-scan-access-denied'))).toBe(true);
    const clean = structuredClone(fixture('eventbridge-malware-scan-threats-found')) as { detail: { scanResultDetails: Record<string, unknown> } };
    clean.detail.scanResultDetails.scanResultStatus = 'NO_THREATS_FOUND';
    expect(matches(malwareScanPattern(undefined), clean)).toBe(false);
  });

  it('does not also catch scan results with the GuardDuty finding rule', () => {
    const { home } = synth(testConfig({ sources: { guardDuty: true, malwareScanResults: true } }));
    const detailTypes = rulesOf(home).map((r) => (r.Properties!.EventPattern as Record<string, string[]>)['detail-type']);
    expect(detailTypes).toEqual([['GuardDuty Finding'], ['GuardDuty Malware Protection Object Scan Result']]);
  });

  it('is refused with a minSeverity that no scan result reaches', () => {
    expect(() => parseInfraConfig({ regions: { home: 'eu-west-1' }, destinations: [{ name: 's', type: 'slack-webhook', secret: 'gd/s' }], sources: { malwareScanResults: true }, minSeverity: 8 }, 'config.yaml')).toThrow(
      /sources\.malwareScanResults: scan results are High \(7\) at most/,
    );
  });
});

describe('the detector health rule (sources.health)', () => {
  it('is off by default', () => {
    const { home } = synth(testConfig({}));
    const detailTypes = rulesOf(home).map((r) => (r.Properties!.EventPattern as Record<string, string[]>)['detail-type']);
    expect(detailTypes.flat()).not.toContain('GuardDuty Runtime Protection Unhealthy');
  });

  it('adds one rule on every health event, the healthy ones too (they close the notices)', () => {
    const { home } = synth(testConfig({ sources: { guardDuty: true, health: true }, minSeverity: 4 }));
    home.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.guardduty'], 'detail-type': [...HEALTH_DETAIL_TYPES] },
    });
    for (const name of ['eventbridge-runtime-protection-unhealthy-eks', 'eventbridge-runtime-protection-healthy-eks', 'eventbridge-malware-plan-status-error', 'eventbridge-malware-post-scan-action-failed']) {
      expect(matches(healthPattern(), fixture(name)), name).toBe(true);
    }
    expect(matches(healthPattern(), fixture('eventbridge-camel-instance-network'))).toBe(false);
  });

  it('names the same events the function reads', () => {
    expect([...HEALTH_DETAIL_TYPES]).toEqual([...READ_HEALTH_DETAIL_TYPES]);
  });

  it('is refused with a minSeverity that drops every notice', () => {
    expect(() => parseInfraConfig({ regions: { home: 'eu-west-1' }, destinations: [{ name: 's', type: 'slack-webhook', secret: 'gd/s' }], sources: { health: true }, minSeverity: 7 }, 'config.yaml')).toThrow(
      /sources\.health: health notices are Medium \(4\)/,
    );
  });
});

describe('organizations.assumeRole', () => {
  const role = 'arn:aws:iam::999988887777:role/guardduty-notifier-account-names';

  it('lets the function assume the role instead of calling DescribeAccount itself, and passes it to the app config', () => {
    const config = testConfig({ organizations: { enabled: true, assumeRole: role } });
    const { home } = synth(config);
    const statements = Object.values(home.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown; Sid?: string }> }).Statement,
    );
    expect(statements).toContainEqual(expect.objectContaining({ Sid: 'AssumeAccountNamesRole', Action: 'sts:AssumeRole', Resource: role }));
    expect(statements.some((s) => JSON.stringify(s.Action).includes('organizations:DescribeAccount'))).toBe(false);
    expect(toAppConfig(config).organizations).toMatchObject({ enabled: true, assumeRole: role });
  });

  it('rejects something that is not a role ARN', () => {
    expect(() => testConfig({ organizations: { enabled: true, assumeRole: 'admin' } })).toThrow(/organizations\.assumeRole: expected an IAM role ARN/);
  });
});
