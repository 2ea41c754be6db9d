import { describe, expect, it } from 'vitest';
import { renderFindingMessage } from '../../src/render/render-message.js';
import { checkSlackLimits } from '../../src/render/limits.js';
import { RESPOND_BLOCK_ID, RESPOND_LINES_SHOWN, renderRespondMessage, withRespondLines } from '../../src/render/respond-lines.js';
import { makeFinding } from '../support/make-finding.js';

const NOW = Date.parse('2024-05-01T12:30:00.000Z');
const line = 'Blocked 185.220.101.1 for 12 h in edge (source and destination)';

describe("respond's lines in messages", () => {
  it('puts the lines in the finding message just before its buttons, and in the e-mail text', () => {
    const base = renderFindingMessage(makeFinding(), { now: NOW, consoleUrl: 'https://console.aws.amazon.com/guardduty/home' });
    const message = withRespondLines(base, [line, 'Not blocked: 10.1.2.3 is a private address (private (RFC 1918))']);
    const blocks = message.slack.attachments?.[0]?.blocks ?? [];
    const at = blocks.findIndex((b) => b.block_id === RESPOND_BLOCK_ID);
    expect(at).toBeGreaterThan(0);
    expect(blocks[at + 1]?.type).toBe('actions');
    expect(JSON.stringify(blocks[at])).toContain(line);
    expect(message.text.body).toContain(`Response:\n- ${line}`);
    expect(checkSlackLimits(message.slack)).toEqual([]);
    // The message without lines is left as it was.
    expect(withRespondLines(base, [])).toBe(base);
  });

  it('turns attacker text in a line into inert mrkdwn, and counts what it does not show', () => {
    const hostile = Array.from({ length: RESPOND_LINES_SHOWN + 4 }, (_, i) => `Not blocked: "<!channel> *x* evil.example ${i}" is not an IP address`);
    const message = renderRespondMessage({ lines: hostile, finding: { id: 'f-1', type: 'Recon:EC2/PortProbeUnprotectedPort' } });
    const text = JSON.stringify(message.slack.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('…and 4 more');
    expect(checkSlackLimits(message.slack)).toEqual([]);
  });

  it('words an alert as a failure in the notification text and an ASCII subject', () => {
    const message = renderRespondMessage({ lines: ['Cannot write network-firewall edge: access-denied. What to do: grant …'], tone: 'alert' });
    expect(message.slack.text).toMatch(/^Blocking failed: Cannot write/);
    expect(message.text.subject).toBe('GuardDuty notifier: BLOCKING FAILED');
    expect(message.attributes.kind).toBe('respond-alert');
  });
});
