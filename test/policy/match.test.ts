import { describe, expect, it } from 'vitest';
import type { MatchConfig } from '../../src/config/schema.js';
import { matchesFinding } from '../../src/policy/match.js';
import { makeTestFinding, type TestFindingOptions } from './make-test-finding.js';

describe('matchesFinding', () => {
  it.each<[string, MatchConfig, TestFindingOptions, boolean]>([
    ['an empty match matches everything', {}, {}, true],
    ['an empty match matches unknown severity', {}, { severity: null }, true],
    ['minSeverity: at the bound', { minSeverity: 7 }, { severity: 7 }, true],
    ['minSeverity: below the bound', { minSeverity: 7 }, { severity: 6.9 }, false],
    ['minSeverity > 0 never matches unknown severity', { minSeverity: 1 }, { severity: null }, false],
    ['minSeverity 0 matches unknown severity', { minSeverity: 0 }, { severity: null }, true],
    ['maxSeverity: at the bound', { maxSeverity: 3.9 }, { severity: 3.9 }, true],
    ['maxSeverity: above the bound', { maxSeverity: 3.9 }, { severity: 4 }, false],
    ['maxSeverity < 10 never matches unknown severity', { maxSeverity: 3.9 }, { severity: null }, false],
    ['a severity range', { minSeverity: 4, maxSeverity: 6.9 }, { severity: 5 }, true],
    ['types: any glob matches', { types: ['Policy:*', 'Recon:*'] }, { type: 'Recon:EC2/Portscan' }, true],
    ['types: no glob matches', { types: ['Policy:*'] }, { type: 'Recon:EC2/Portscan' }, false],
    ['types: an empty list matches nothing', { types: [] }, {}, false],
    ['accounts: exact', { accounts: ['111122223333'] }, { accountId: '111122223333' }, true],
    ['accounts: no prefix matching', { accounts: ['11112222333'] }, { accountId: '111122223333' }, false],
    ['regions: exact', { regions: ['eu-west-1'] }, { region: 'eu-west-1' }, true],
    ['regions: other region', { regions: ['eu-west-1'] }, { region: 'us-east-1' }, false],
    ['resourceTypes: case-insensitive', { resourceTypes: ['s3bucket'] }, { resourceType: 'S3Bucket' }, true],
    ['resourceTypes: other type', { resourceTypes: ['AccessKey'] }, { resourceType: 'Instance' }, false],
    ['sample: true matches samples', { sample: true }, { sample: true }, true],
    ['sample: false excludes samples', { sample: false }, { sample: true }, false],
    ['tags: exact value', { tags: { env: 'prod' } }, { tags: { env: 'prod', team: 'pay' } }, true],
    ['tags: other value', { tags: { env: 'prod' } }, { tags: { env: 'dev' } }, false],
    ['tags: any value with *', { tags: { env: '*' } }, { tags: { env: 'dev' } }, true],
    ['tags: * still needs the key', { tags: { env: '*' } }, { tags: {} }, false],
    ['tags: every key must match', { tags: { env: 'prod', team: 'pay' } }, { tags: { env: 'prod' } }, false],
    ['tags: a prototype name is not a tag', { tags: { constructor: '*' } }, { tags: {} }, false],
    ['every key must match (one fails)', { types: ['Recon:*'], regions: ['eu-west-1'] }, { type: 'Recon:x', region: 'us-east-1' }, false],
  ])('%s', (_name, match, findingOptions, expected) => {
    expect(matchesFinding(match, makeTestFinding(findingOptions))).toBe(expected);
  });
});
