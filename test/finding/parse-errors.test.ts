import { describe, expect, it } from 'vitest';
import { FindingParseError } from '../../src/finding/errors.js';
import { parseFindingDocument, parseFindingText } from '../../src/finding/parse.js';
import { loadFixture } from '../support/finding-fixtures.js';

const EXPECTED =
  'expected a GuardDuty finding (Id, Type, Severity), an EventBridge event, a GetFindings response, a Security Hub event (ASFF or OCSF) or an SNS message holding one';

const minimalFinding = { id: 'f-1', type: 'Recon:EC2/Portscan', severity: 5 };

describe('documents that are not findings', () => {
  it.each<[description: string, doc: unknown, got: string]>([
    ['null', null, 'got null'],
    ['a number', 42, 'got the number 42'],
    ['a string', 'hello', 'got a string ("hello")'],
    ['an empty object', {}, 'got an empty object'],
    ['an unrelated object', { hello: 'world', answer: 42 }, 'got an object with keys "hello", "answer"'],
  ])('reports %s at $ with what was expected', (_description, doc, got) => {
    const { findings, errors } = parseFindingDocument(doc);
    expect(findings).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(FindingParseError);
    expect(errors[0]?.path).toBe('$');
    expect(errors[0]?.message).toBe(`$: ${EXPECTED}; ${got}`);
  });

  it('reports each bad element of a findings list at its own path and keeps the good ones', () => {
    const { findings, errors } = parseFindingDocument(loadFixture('invalid-elements-in-findings-list'));
    expect(findings.map((f) => f.id)).toEqual(['valid-among-invalid', 'also-valid']);
    expect(errors.map((e) => e.path)).toEqual(['$.Findings[1]', '$.Findings[2]', '$.Findings[3]', '$.Findings[4]']);
    expect(errors[0]?.message).toContain(
      'expected a GuardDuty finding (Id, Type, Severity), a Security Hub ASFF finding or an OCSF finding; got the number 42',
    );
  });

  it('reports bad elements of a top-level array by index', () => {
    const { findings, errors } = parseFindingDocument([minimalFinding, 'junk', [minimalFinding, {}]]);
    expect(findings).toHaveLength(2);
    expect(errors.map((e) => e.path)).toEqual(['$[1]', '$[2][1]']);
  });

  it('starts paths at the path it is given', () => {
    const { errors } = parseFindingDocument({ Findings: [1] }, '$.Records[3].body');
    expect(errors[0]?.path).toBe('$.Records[3].body.Findings[0]');
  });

  it('explains an EventBridge event whose detail is not a finding', () => {
    const event = {
      source: 'aws.guardduty',
      'detail-type': 'GuardDuty Malware Protection Object Scan Result',
      detail: { scanStatus: 'COMPLETED' },
    };
    const { errors } = parseFindingDocument(event);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('$.detail');
    expect(errors[0]?.message).toContain('source "aws.guardduty", detail-type "GuardDuty Malware Protection Object Scan Result"');
    expect(errors[0]?.message).toContain('expected an S3 object and its scan result (s3ObjectDetails, scanResultDetails) in its detail');
    expect(errors[0]?.message).toContain('got an object with keys "scanStatus"');
  });

  it('reports the element paths inside a Security Hub event', () => {
    const event = { source: 'aws.securityhub', 'detail-type': 'Security Hub Findings - Imported', detail: { findings: [{ nope: true }] } };
    expect(parseFindingDocument(event).errors[0]?.path).toBe('$.detail.findings[0]');
  });

  it('stops at absurdly nested arrays instead of recursing', () => {
    const { errors } = parseFindingDocument([[[[[minimalFinding]]]]]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('$[0][0][0][0]');
  });

  it('reads an empty findings list as no findings and no errors', () => {
    expect(parseFindingDocument({ findings: [] })).toEqual({ findings: [], errors: [] });
    expect(parseFindingDocument([])).toEqual({ findings: [], errors: [] });
  });

  it('never throws, whatever JSON-like value it gets', () => {
    const weird: unknown[] = [
      undefined,
      true,
      Number.NaN,
      { detail: null, source: 'aws.guardduty' },
      { 'detail-type': 'GuardDuty Finding', detail: 'not json' },
      { Findings: 'not a list' },
      { id: 'x', type: 7, severity: { deeply: [1, 2, 3] } },
      { id: 'x', type: 'T:R/F', service: 'oops', resource: [], severity: [] },
      { id: 'x', type: 'T:R/F', service: { action: { actionType: 'PORT_PROBE', portProbeAction: { portProbeDetails: 'x' } }, count: {} } },
      { ProductArn: 7, SchemaVersion: '2018-10-08', Resources: 'x', ProductFields: [], Types: [null, 3] },
      { SchemaVersion: '2018-10-08', ProductFields: { 'aws/guardduty/service/x.99999_/y': '1', 'a/b': 'c', 'a/b/c': 'd' } },
    ];
    for (const doc of weird) expect(() => parseFindingDocument(doc)).not.toThrow();
  });
});

describe('shape detection', () => {
  it.each<[shape: string, doc: unknown, format: string]>([
    ['a bare camelCase finding', minimalFinding, 'bare'],
    ['a bare PascalCase finding', { Id: 'f-1', Type: 'Recon:EC2/Portscan', Severity: 5 }, 'bare'],
    ['a finding with only an ARN and a type', { arn: 'arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/f-9', type: 'X:Y/Z' }, 'bare'],
    ['a GetFindings camelCase response', { findings: [minimalFinding] }, 'getfindings'],
    ['a GetFindings PascalCase response', { Findings: [minimalFinding] }, 'getfindings'],
    ['an EventBridge event', { source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: minimalFinding }, 'eventbridge'],
    ['an event without detail-type', { source: 'custom.replay', detail: minimalFinding }, 'eventbridge'],
    ['an event whose detail is JSON text (PutEvents)', { source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: JSON.stringify(minimalFinding) }, 'eventbridge'],
    ['a bare ASFF finding', { SchemaVersion: '2018-10-08', Id: 'x', AwsAccountId: '123456789012', Types: ['A/B'] }, 'asff'],
  ])('recognises %s', (_shape, doc, format) => {
    const { findings, errors } = parseFindingDocument(doc);
    expect(errors).toEqual([]);
    expect(findings.map((f) => f.format)).toEqual([format]);
  });

  it('takes the id from the ARN when the finding has none', () => {
    const [finding] = parseFindingDocument({ arn: 'arn:aws-cn:guardduty:cn-north-1:123456789012:detector/d/finding/f-9', type: 'X:Y/Z' }).findings;
    expect(finding).toMatchObject({ id: 'f-9', partition: 'aws-cn', region: 'cn-north-1', accountId: '123456789012' });
  });

  it('gives a finding without id or ARN a stable fingerprint id', () => {
    const doc = { type: 'X:Y/Z', severity: 5, title: 'no id' };
    const first = parseFindingDocument(doc).findings[0]?.id;
    expect(first).toMatch(/^unidentified-[0-9a-f]{32}$/);
    expect(parseFindingDocument({ ...doc }).findings[0]?.id).toBe(first);
  });

  it('takes account and region from the EventBridge envelope when the finding lacks them', () => {
    const event = { source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', account: '123456789012', region: 'ap-south-1', detail: minimalFinding };
    expect(parseFindingDocument(event).findings[0]).toMatchObject({ accountId: '123456789012', region: 'ap-south-1' });
  });

  it('reads the sample flag from the JSON text in additionalInfo.value', () => {
    const doc = { ...minimalFinding, service: { additionalInfo: { value: '{"sample":true}', type: 'default' } } };
    expect(parseFindingDocument(doc).findings[0]?.sample).toBe(true);
  });

  it('reads the string "false" as not archived and the string "true" as archived', () => {
    const archived = (value: unknown) => parseFindingDocument({ ...minimalFinding, service: { archived: value } }).findings[0]?.archived;
    expect(archived('false')).toBe(false);
    expect(archived('true')).toBe(true);
    expect(archived(true)).toBe(true);
    expect(archived('maybe')).toBe(false);
  });

  it('reads a Security Hub GetFindings response of ASFF findings as ASFF', () => {
    const doc = loadFixture('array-mixed-shapes') as unknown[];
    const { findings } = parseFindingDocument(doc[2]);
    expect(findings.map((f) => [f.format, f.product])).toEqual([['asff', 'GuardDuty']]);
  });
});

describe('parseFindingText', () => {
  it('reads a document from text', () => {
    const { findings, errors } = parseFindingText(JSON.stringify({ Findings: [minimalFinding, minimalFinding] }));
    expect(errors).toEqual([]);
    expect(findings).toHaveLength(2);
  });

  it('ignores a byte order mark', () => {
    expect(parseFindingText(`\uFEFF${JSON.stringify(minimalFinding)}`).findings).toHaveLength(1);
  });

  it.each<[description: string, text: string, message: string]>([
    [
      'a missing colon',
      '{\n  "id": "f-1",\n  "type" "Recon:EC2/Portscan"\n}',
      "invalid JSON at line 3, column 10: expected ':' after the property name, found '\"'",
    ],
    ['a trailing comma in an object', '{"id": "f-1",\n}', 'invalid JSON at line 2, column 1: expected a property name in double quotes (no trailing commas in JSON), found \'}\''],
    ['an unclosed array', '[1, 2', "invalid JSON at line 1, column 6: expected ',' or ']' after an array element, found end of input"],
    ['a truncated document', '{"id": "f-', 'invalid JSON at line 1, column 11: expected a closing \'"\' for the string, found end of input'],
    ['a missing value', '{"id": }', "invalid JSON at line 1, column 8: expected a JSON value (object, array, string, number, true, false or null), found '}'"],
    ['a bad literal', '{"archived": ture}', "invalid JSON at line 1, column 15: expected 'true', found 'u'"],
    ['single quotes', "{'id': 1}", "invalid JSON at line 1, column 2: expected a property name in double quotes or '}', found \"'\""],
    ['a raw newline in a string', '{"title": "a\nb"}', 'invalid JSON at line 1, column 13: expected an escaped control character (\\n, \\t, \\u0000...) inside a string, found control character U+000A'],
    ['a pretty-printed document followed by junk', '{\n  "id": "f-1"\n}\nhello', 'invalid JSON at line 4, column 1: expected end of input after the JSON value, found \'h\''],
  ])('reports the line and column of %s', (_description, text, message) => {
    const { findings, errors } = parseFindingText(text);
    expect(findings).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('$');
    expect(errors[0]?.message).toBe(`$: ${message}`);
  });

  it('says what was expected for empty text', () => {
    const { errors } = parseFindingText('  \n ');
    expect(errors[0]?.message).toBe(`$: the text is empty; ${EXPECTED} as JSON`);
  });

  it('reads JSON Lines, one document per line, with line numbers in the paths', () => {
    const text = [
      JSON.stringify({ source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: minimalFinding }),
      '',
      JSON.stringify({ ...minimalFinding, id: 'f-2' }),
      '{"id": "broken",',
      JSON.stringify({ hello: 'world' }),
      JSON.stringify({ ...minimalFinding, id: 'f-3' }),
    ].join('\r\n');
    const { findings, errors } = parseFindingText(text);
    expect(findings.map((f) => f.id)).toEqual(['f-1', 'f-2', 'f-3']);
    expect(errors.map((e) => e.path)).toEqual(['line 4', 'line 5 $']);
    expect(errors[0]?.message).toContain('invalid JSON at line 4, column 17');
  });
});
