import { describe, expect, it } from 'vitest';
import { renderTextMessage } from '../../src/render/text-message.js';
import { renderDigestMessage } from '../../src/render/digest.js';
import { renderFallbackMessage } from '../../src/render/fallback-message.js';
import { numeric } from '../../src/finding/keys.js';
import { parseFindingDocument } from '../../src/finding/parse.js';
import { makeFinding, NOW } from '../support/make-finding.js';

/**
 * Issue 11 item 7. The SNS/e-mail text is plain text, so it carried `<!channel>` literally: harmless in e-mail, but
 * live once someone bridges the SNS topic into Slack (a Lambda posting the message, an e-mail-to-Slack app). Every
 * `<` is followed by a zero-width joiner there, which Slack does not parse as control syntax and a reader never sees.
 */
const CONTROL_SYNTAX = /<[!@#a-z]/i;
const HOSTILE = '<!channel> <!here|here> <@U024BE7LH> <#C024BE7LR> <https://evil.example|click> <mailto:a@b.example|mail>';

describe('Slack control syntax in the SNS/e-mail text', () => {
  it('is neutralised in the body and the subject of a finding', () => {
    const { subject, body } = renderTextMessage(makeFinding({ title: HOSTILE, description: HOSTILE, type: `Recon:EC2/<!everyone>` }), { now: NOW });
    expect(body).not.toMatch(CONTROL_SYNTAX);
    expect(subject).not.toMatch(CONTROL_SYNTAX);
    expect(body).toContain('<\u200D!channel>');
  });

  it('is neutralised in a digest', () => {
    const items = [1, 2, 3].map((i) => ({ finding: makeFinding({ id: `f${i}`, title: HOSTILE, type: `Recon:EC2/<!here>${i}`, accountId: '123456789012' }), accountName: '<!channel>' }));
    const { text } = renderDigestMessage(items, { now: NOW });
    expect(text.body).not.toMatch(CONTROL_SYNTAX);
    expect(text.subject).not.toMatch(CONTROL_SYNTAX);
  });

  it('is neutralised in the fallback message', () => {
    const { text } = renderFallbackMessage({ id: '<!channel>', type: '<@U1>', accountId: '<#C1>' });
    expect(text.body).not.toMatch(CONTROL_SYNTAX);
    expect(text.subject).not.toMatch(CONTROL_SYNTAX);
  });
});

describe('numeric() on strings', () => {
  it.each<[string, number | undefined]>([
    ['0x8', undefined],
    ['0X8', undefined],
    ['0b101', undefined],
    ['0o7', undefined],
    ['Infinity', undefined],
    ['8', 8],
    ['8.0', 8],
    [' 5 ', 5],
    ['.5', 0.5],
    ['-1', -1],
    ['1e1', 10],
  ])('reads %j as %j (decimal only)', (value, expected) => {
    expect(numeric(value)).toBe(expected);
  });

  it('gives a finding with severity "0x8" an unknown severity, not 8', () => {
    const [finding] = parseFindingDocument({ id: 'a'.repeat(32), type: 'Recon:EC2/PortProbeUnprotectedPort', severity: '0x8', accountId: '123456789012' }).findings;
    expect(finding?.severity).toBeNull();
  });
});
