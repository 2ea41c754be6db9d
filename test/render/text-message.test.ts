import { describe, expect, it } from 'vitest';
import { renderTextMessage, snsSubject, toAsciiLine } from '../../src/render/text-message.js';
import { renderFindingMessage } from '../../src/render/render-message.js';
import { SNS_MESSAGE_MAX_BYTES, SNS_SUBJECT_MAX } from '../../src/render/limits.js';
import type { RenderContext } from '../../src/render/render-context.js';
import { BASE_FINDING, makeFinding, NOW } from '../support/make-finding.js';

const CONSOLE_URL = 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?fId=abc';
const ctx: RenderContext = { now: NOW, accountName: 'prod-payments', consoleUrl: CONSOLE_URL };

/** SNS Subject rules: printable ASCII, no line breaks, fewer than 100 characters, starts with a letter/digit/punctuation. */
function expectValidSubject(subject: string): void {
  expect(subject).toMatch(/^[\x21-\x7E][\x20-\x7E]*$/);
  expect(subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX);
}

describe('renderTextMessage: subject', () => {
  it('reads [band score] title (account, region)', () => {
    expect(renderTextMessage(makeFinding({ title: 'Bitcoin domain queried' }), ctx).subject).toBe(
      '[High 8.0] Bitcoin domain queried (prod-payments, us-east-1)',
    );
  });

  it('cuts the title, not the account and region, to fit fewer than 100 characters', () => {
    const subject = renderTextMessage(BASE_FINDING, ctx).subject;
    expectValidSubject(subject);
    expect(subject).toMatch(/^\[High 8\.0\] EC2 instance i-99999999 .*\.\.\. \(prod-payments, us-east-1\)$/);
  });

  it.each([
    ['a newline and tab', 'line one\nline\ttwo'],
    ['emoji and CJK', '🚨 攻撃 detected 😀'],
    ['accents', 'Connexion refusée à Zürich'],
    ['bidi and zero-width characters', 'a\u202Eb\u200Bc'],
    ['control characters', 'a\u0000b\u0007c\u009Bd'],
    ['a 10,000-char title', 'x'.repeat(10_000)],
    ['a leading space', '   padded'],
  ])('keeps the subject valid for SNS with %s', (_name, title) => {
    expectValidSubject(renderTextMessage(makeFinding({ title }), ctx).subject);
  });

  it('spells accents and punctuation in ASCII', () => {
    expect(toAsciiLine('refusée — “ok” … →')).toBe('refusee - "ok" ... ->');
    expect(toAsciiLine('😀中')).toBe('??');
  });

  it('never gives an empty subject', () => {
    expectValidSubject(snsSubject(''));
    expect(snsSubject('')).toBe('GuardDuty');
  });

  it('says Unknown for a finding without severity', () => {
    expect(renderTextMessage(makeFinding({ severity: null }), ctx).subject.startsWith('[Unknown] ')).toBe(true);
  });
});

describe('renderTextMessage: body', () => {
  it('has the same facts as the Slack message, labelled, and the console link', () => {
    const { body } = renderTextMessage(BASE_FINDING, { ...ctx, runbookUrl: 'https://wiki.example.com/rb' });
    for (const line of [
      'Severity:    High 8.0',
      'Account:     prod-payments (123456789012)',
      'Region:      us-east-1',
      'Type:        CryptoCurrency:EC2/BitcoinTool.B!DNS',
      'Resource:    Instance i-99999999 (web-1)',
      'Remote:      pool.example-miner.com',
      'Count:       42',
      'First seen:  2024-05-01 11:58 UTC (35 min ago)',
      'Last seen:   2024-05-01 12:29 UTC (4 min ago)',
      'Finding id:  9ec5b9a3f4c1e2d3b4a5968778695a4b',
      `Open in GuardDuty: ${CONSOLE_URL}`,
      'Runbook: https://wiki.example.com/rb',
    ]) {
      expect(body).toContain(line);
    }
    expect(body).toContain('If this use is unexpected, your instance may be compromised.');
  });

  it('is plain text: nothing is entity-escaped, but control and bidi characters are gone', () => {
    const { body } = renderTextMessage(makeFinding({ title: 'A & B <x>\u202E\u0007' }), ctx);
    // The joiner after `<` keeps Slack syntax inert should the text be bridged into Slack (test/render/text-control-syntax).
    expect(body.split('\n')[0]).toBe('A & B <\u200Dx>\uFFFD');
  });

  it('says why for an escalation', () => {
    const message = renderTextMessage(BASE_FINDING, { ...ctx, kind: 'escalated', previousBand: 'Medium' });
    expect(message.body).toContain('Severity rose: Medium → High');
    expect(message.subject.startsWith('[High 8.0] Escalated from Medium: ')).toBe(true);
  });

  it('keeps the console link even with a 100 KB description and 500 tags', () => {
    const finding = makeFinding({
      description: 'd'.repeat(100_000),
      resource: {
        ...BASE_FINDING.resource,
        details: Array.from({ length: 500 }, (_, i) => [`l${i}`, 'v'.repeat(1000)] as const),
        tags: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v'.repeat(500)])),
      },
    });
    const { body } = renderTextMessage(finding, ctx);
    expect(body).toContain(`Open in GuardDuty: ${CONSOLE_URL}`);
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    expect(body.length).toBeLessThanOrEqual(8000);
  });
});

describe('renderFindingMessage', () => {
  it('gives slack, text and SNS attributes', () => {
    const message = renderFindingMessage(BASE_FINDING, ctx);
    expect(message.slack.text.startsWith('[High 8.0] ')).toBe(true);
    expect(message.text.subject.startsWith('[High 8.0] ')).toBe(true);
    expect(message.attributes).toEqual({
      severity: '8.0',
      band: 'High',
      type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
      account: '123456789012',
      region: 'us-east-1',
      kind: 'new',
    });
  });

  it('leaves out attributes it does not know (SNS refuses empty values)', () => {
    const message = renderFindingMessage(makeFinding({ severity: null, accountId: undefined, region: undefined, type: '' }), ctx);
    expect(message.attributes).toEqual({ band: 'Unknown', kind: 'new' });
  });

  it('is plain JSON that survives the outbox round trip', () => {
    const message = renderFindingMessage(BASE_FINDING, ctx);
    expect(JSON.parse(JSON.stringify(message))).toEqual(message);
  });
});
