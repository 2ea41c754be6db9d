import { describe, expect, it } from 'vitest';
import { renderDigestMessage, MAX_DIGEST_TOP } from '../../src/render/digest.js';
import { checkSlackLimits, SNS_MESSAGE_MAX_BYTES, SNS_SUBJECT_MAX } from '../../src/render/limits.js';
import type { DigestItem } from '../../src/render/render-context.js';
import type { ContextBlock, HeaderBlock, SectionBlock, SlackMessage } from '../../src/core/message.js';
import { makeFinding, NOW } from '../support/make-finding.js';
import { allText, messageProblems } from './inert.js';

const TYPES = [
  'CryptoCurrency:EC2/BitcoinTool.B!DNS',
  'Recon:EC2/PortProbeUnprotectedPort',
  'UnauthorizedAccess:EC2/SSHBruteForce',
  'Trojan:EC2/DNSDataExfiltration',
  'Backdoor:EC2/C&CActivity.B!DNS',
  'Policy:S3/BucketPublicAccessGranted',
  'Discovery:S3/TorIPCaller',
];
const SEVERITIES = [9.5, 8, 7.2, 5, 4.1, 2, 1.5, null];
const consoleUrl = (i: number) => `https://us-east-1.console.aws.amazon.com/guardduty/home#/findings?fId=f${i}&macros=current`;

/** n findings spread over bands, types and accounts, deterministic. */
function makeItems(n: number): DigestItem[] {
  return Array.from({ length: n }, (_, i) => ({
    finding: makeFinding({
      id: `f${i}`,
      severity: SEVERITIES[i % SEVERITIES.length] ?? null,
      type: TYPES[i % TYPES.length]!,
      title: `Finding number ${i}`,
      accountId: `1111111111${String(i % 13).padStart(2, '0')}`,
      region: i % 2 === 0 ? 'us-east-1' : 'eu-west-1',
      sample: i % 3 === 0,
    }),
    accountName: i % 13 === 0 ? 'prod-payments' : undefined,
    consoleUrl: consoleUrl(i),
  }));
}

const header = (message: SlackMessage) => (message.blocks![0] as HeaderBlock).text.text;
const body = (message: SlackMessage) => message.attachments![0]!.blocks;
const listLines = (message: SlackMessage) =>
  body(message)
    .filter((block): block is SectionBlock => block.type === 'section' && block.text !== undefined)
    .slice(1)
    .flatMap((block) => block.text!.text.split('\n'));

/** Adds up "N Band" pairs of a summary such as "2 Critical, 10 High". */
function sumSummary(summary: string): number {
  return [...summary.matchAll(/([\d,]+) (?:Critical|High|Medium|Low|Unknown)/g)].reduce(
    (sum, match) => sum + Number(match[1]!.replace(/,/g, '')),
    0,
  );
}

describe('renderDigestMessage', () => {
  it.each([1, 11, 300, 5000])('stays within Slack limits and accounts for every one of %d findings', (n) => {
    const items = makeItems(n);
    const { slack, text, attributes } = renderDigestMessage(items, { now: NOW });
    expect(checkSlackLimits(slack)).toEqual([]);
    expect(messageProblems(slack, items.map((item) => item.consoleUrl!))).toEqual([]);

    const listed = listLines(slack).length;
    expect(listed).toBe(Math.min(n, 10));
    const more = body(slack).find(
      (block): block is ContextBlock => block.type === 'context' && block.elements[0]!.text.startsWith('…and'),
    );
    if (n > 10) {
      const moreText = more!.elements[0]!.text;
      expect(moreText).toMatch(new RegExp(`^…and ${(n - listed).toLocaleString('en-US')} more \\(`));
      expect(sumSummary(moreText)).toBe(n - listed);
    } else {
      expect(more).toBeUndefined();
    }
    expect(sumSummary(slack.text)).toBe(n);
    expect(text.subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX);
    expect(Buffer.byteLength(text.body, 'utf8')).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    expect(attributes.count).toBe(String(n));
  });

  it('says how many findings in the header and the fallback text', () => {
    const { slack } = renderDigestMessage(makeItems(42), { now: NOW });
    expect(header(slack)).toBe(':rotating_light: 42 GuardDuty findings');
    expect(slack.text).toBe('[Digest] 42 findings: 6 Critical, 11 High, 10 Medium, 10 Low, 5 Unknown');
  });

  it('counts by band with emoji, worst first', () => {
    const { slack } = renderDigestMessage(makeItems(42), { now: NOW });
    const bands = (body(slack)[0] as SectionBlock).text!.text.split('\n')[0];
    expect(bands).toBe(
      ':red_circle: *Critical* 6 · :large_orange_circle: *High* 11 · :large_yellow_circle: *Medium* 10 · :large_blue_circle: *Low* 10 · :white_circle: *Unknown* 5',
    );
  });

  it('lists the worst first, each linking to its console URL', () => {
    const items = makeItems(42);
    const lines = listLines(renderDigestMessage(items, { now: NOW }).slack);
    expect(lines[0]).toBe(
      `:red_circle: *9.5* <${consoleUrl(0).replace(/&/g, '&amp;')}|Finding number 0> · prod-payments \`111111111100\` · \`CryptoCurrency:EC2/BitcoinTool.B!DNS\` · ×42 · sample`,
    );
    expect(lines.every((line) => line.startsWith(':red_circle:') || line.startsWith(':large_orange_circle:'))).toBe(true);
  });

  it('shows top types and top accounts with counts, and how many others', () => {
    const { slack } = renderDigestMessage(makeItems(42), { now: NOW });
    const fields = (body(slack)[1] as SectionBlock).fields!.map((field) => field.text);
    // Seven types with six findings each: ties go alphabetically, and `&` is escaped inside the code span.
    expect(fields[0]!.split('\n').slice(0, 2)).toEqual(['*Top types*', '6 × `Backdoor:EC2/C&amp;CActivity.B!DNS`']);
    expect(fields[0]).toContain('…and 2 more types (12 findings)');
    expect(fields[1]!.split('\n').slice(0, 2)).toEqual(['*Top accounts*', '4 × prod-payments `111111111100`']);
    expect(fields[1]).toContain('…and 8 more accounts');
  });

  it('says how many are sample findings (a "Generate sample findings" burst)', () => {
    expect(allText(renderDigestMessage(makeItems(42), { now: NOW }).slack)).toContain(':test_tube: 14 sample findings');
  });

  it('labels a part of a split burst', () => {
    const { slack, text } = renderDigestMessage(makeItems(5), { now: NOW, part: { index: 1, of: 3 } });
    expect(header(slack)).toBe(':rotating_light: 5 GuardDuty findings · Digest 1/3');
    expect(slack.text.startsWith('[Digest 1/3] 5 findings: ')).toBe(true);
    expect(text.subject.startsWith('[Digest 1/3] 5 GuardDuty findings: ')).toBe(true);
  });

  it('lists at most MAX_DIGEST_TOP however large top is', () => {
    const lines = listLines(renderDigestMessage(makeItems(300), { now: NOW, top: 1000 }).slack);
    expect(lines.length).toBeLessThanOrEqual(MAX_DIGEST_TOP);
  });

  it('lists none with top 0 and still counts them all', () => {
    const { slack } = renderDigestMessage(makeItems(20), { now: NOW, top: 0 });
    expect(listLines(slack)).toEqual([]);
    expect(allText(slack)).toContain('…and 20 more (');
  });

  it('renders an empty digest validly', () => {
    const { slack, text } = renderDigestMessage([], { now: NOW });
    expect(checkSlackLimits(slack)).toEqual([]);
    expect(slack.text).toBe('[Digest] 0 findings');
    expect(text.subject).toBe('[Digest] 0 GuardDuty findings');
  });

  it('keeps an attacker title from breaking out of the link label', () => {
    const url = consoleUrl(1);
    const items: DigestItem[] = [
      {
        finding: makeFinding({ title: 'x|<!channel>|<https://phish.example|login> *b* _i_ `c` :fire:' }),
        consoleUrl: url,
        accountName: '<!here> *ops*',
      },
    ];
    const { slack } = renderDigestMessage(items, { now: NOW });
    expect(messageProblems(slack, [url])).toEqual([]);
    const line = listLines(slack)[0]!;
    expect(line).toContain(`<${url.replace(/&/g, '&amp;')}|x¦&lt;!channel&gt;¦&lt;https://phish.example¦login&gt; ∗b∗ ˍiˍ ˋcˋ :\u200Bfire:>`);
  });

  it('does not link a finding whose console URL is not http(s)', () => {
    const items: DigestItem[] = [{ finding: makeFinding({ title: 'T' }), consoleUrl: 'javascript:alert(1)' }];
    expect(listLines(renderDigestMessage(items, { now: NOW }).slack)[0]).toMatch(/^:large_orange_circle: \*8\.0\* T · /);
  });

  it('gives the e-mail the counts, the worst findings with links, and the rest counted', () => {
    const { text } = renderDigestMessage(makeItems(42), { now: NOW });
    expect(text.subject).toBe('[Digest] 42 GuardDuty findings: 6 Critical, 11 High, 10 Medium, 10 Low, 5 Unknown');
    expect(text.body).toContain('By severity: 6 Critical, 11 High, 10 Medium, 10 Low, 5 Unknown');
    expect(text.body).toContain('  [Critical 9.5] Finding number 0');
    expect(text.body).toContain(consoleUrl(0));
    expect(text.body).toContain('…and 32 more (');
  });

  it('sets SNS attributes for the digest', () => {
    expect(renderDigestMessage(makeItems(42), { now: NOW }).attributes).toEqual({
      kind: 'digest',
      count: '42',
      band: 'Critical',
      severity: '9.5',
    });
  });

  it('orders the same findings the same way whatever order they arrive in', () => {
    const items = makeItems(30);
    const forward = renderDigestMessage(items, { now: NOW }).slack;
    const backward = renderDigestMessage([...items].reverse(), { now: NOW }).slack;
    expect(backward).toEqual(forward);
  });
});
