import { describe, expect, it } from 'vitest';
import { renderSlackMessage, ACTIONS_BLOCK_ID } from '../../src/render/slack-blocks.js';
import { checkSlackLimits, HEADER_TEXT_MAX, NOTIFICATION_TEXT_MAX } from '../../src/render/limits.js';
import type { ActionsBlock, ContextBlock, HeaderBlock, SectionBlock, SlackMessage } from '../../src/core/message.js';
import type { RenderContext } from '../../src/render/render-context.js';
import type { Finding } from '../../src/finding/finding.js';
import { BASE_FINDING, makeFinding, NOW } from '../support/make-finding.js';
import { allText, messageProblems } from './inert.js';

const CONSOLE_URL =
  'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=9ec5b9a3f4c1e2d3b4a5968778695a4b';
const RUNBOOK_URL = 'https://wiki.example.com/runbooks/guardduty';
const ctx: RenderContext = { now: NOW, accountName: 'prod-payments', consoleUrl: CONSOLE_URL };

function header(message: SlackMessage): HeaderBlock {
  return message.blocks![0] as HeaderBlock;
}
function body(message: SlackMessage) {
  return message.attachments![0]!.blocks;
}
function factsSection(message: SlackMessage): SectionBlock {
  return body(message)[0] as SectionBlock;
}
function fieldText(message: SlackMessage, label: string): string | undefined {
  const field = factsSection(message).fields!.find((f) => f.text.startsWith(`*${label}*\n`));
  return field?.text.slice(label.length + 3);
}
function actions(message: SlackMessage): ActionsBlock | undefined {
  return body(message).find((block): block is ActionsBlock => block.type === 'actions');
}

describe('renderSlackMessage: golden', () => {
  it('renders the exact notification text and field labels for a known finding', () => {
    const message = renderSlackMessage(BASE_FINDING, ctx);
    expect(message.text).toBe(
      '[High 8.0] EC2 instance i-99999999 is querying a domain name associated with Bitcoin-related activity. — prod-payments (us-east-1)',
    );
    expect(factsSection(message).fields!.map((field) => field.text.split('\n')[0])).toEqual([
      '*Severity*',
      '*Account*',
      '*Region*',
      '*Type*',
      '*Resource*',
      '*Remote*',
      '*Action*',
      '*Count*',
      '*First seen*',
      '*Last seen*',
    ]);
    expect(fieldText(message, 'Severity')).toBe('*High* 8.0');
    expect(fieldText(message, 'Account')).toBe('prod-payments `123456789012`');
    expect(fieldText(message, 'Region')).toBe('`us-east-1`');
    expect(fieldText(message, 'Type')).toBe('`CryptoCurrency:EC2/BitcoinTool.B!DNS`');
    expect(fieldText(message, 'Resource')).toBe('Instance `i-99999999 (web-1)`');
    expect(fieldText(message, 'Remote')).toBe('`pool.example-miner.com`');
    expect(fieldText(message, 'Action')).toBe('`DNS_REQUEST` UDP');
    expect(fieldText(message, 'Count')).toBe('42');
    expect(fieldText(message, 'First seen')).toBe('2024-05-01 11:58 UTC (35 min ago)');
    expect(fieldText(message, 'Last seen')).toBe('2024-05-01 12:29 UTC (4 min ago)');
  });

  it('puts the band emoji and title in a plain_text header', () => {
    const message = renderSlackMessage(BASE_FINDING, ctx);
    expect(header(message)).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: ':large_orange_circle: EC2 instance i-99999999 is querying a domain name associated with Bitcoin-related activity.',
        emoji: true,
      },
    });
  });

  it('draws the band colour bar with one attachment and never sends link_names', () => {
    const message = renderSlackMessage(BASE_FINDING, ctx);
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments![0]!.color).toBe('#d93f0b');
    expect(message).not.toHaveProperty('link_names');
    expect(message.unfurl_links).toBe(false);
    expect(checkSlackLimits(message)).toEqual([]);
    expect(messageProblems(message, [CONSOLE_URL])).toEqual([]);
  });

  it('shows the description, resource details and meta line', () => {
    const message = renderSlackMessage(BASE_FINDING, ctx);
    const text = allText(message);
    expect(text).toContain('If this use is unexpected, your instance may be compromised.');
    expect(text).toContain('Instance type: `t2.micro`');
    expect(text).toContain('Tags: `Name=web-1` `env=prod`');
    const meta = body(message).find((block): block is ContextBlock => block.type === 'context')!;
    expect(meta.elements.map((element) => element.text)).toEqual([
      'Finding `9ec5b9a3f4c1e2d3b4a5968778695a4b`',
      'GuardDuty',
      'Updated 2024-05-01 12:30 UTC (3 min ago)',
    ]);
  });
});

describe('renderSlackMessage: buttons', () => {
  it('links the console with an "Open in GuardDuty" button in the gdn-actions block', () => {
    const block = actions(renderSlackMessage(BASE_FINDING, ctx))!;
    expect(block.block_id).toBe(ACTIONS_BLOCK_ID);
    expect(block.elements).toEqual([
      { type: 'button', text: { type: 'plain_text', text: 'Open in GuardDuty', emoji: true }, url: CONSOLE_URL },
    ]);
    expect(block.elements[0]).not.toHaveProperty('action_id');
  });

  it('uses the console label and adds a Runbook button', () => {
    const block = actions(
      renderSlackMessage(BASE_FINDING, { ...ctx, consoleLabel: 'Open in Security Hub', runbookUrl: RUNBOOK_URL }),
    )!;
    expect(block.elements.map((button) => (button.type === 'button' ? [button.text.text, button.url] : [button.type]))).toEqual([
      ['Open in Security Hub', CONSOLE_URL],
      ['Runbook', RUNBOOK_URL],
    ]);
  });

  it('leaves the actions block out when there is nothing to link (an empty actions block is invalid)', () => {
    const message = renderSlackMessage(BASE_FINDING, { now: NOW });
    expect(actions(message)).toBeUndefined();
    expect(checkSlackLimits(message)).toEqual([]);
  });

  it.each(['javascript:alert(1)', 'https://x.example/a b', `https://x.example/${'a'.repeat(3000)}`])(
    'drops a console URL that is not a plain http(s) URL within 3000 chars: %s',
    (consoleUrl) => {
      expect(actions(renderSlackMessage(BASE_FINDING, { now: NOW, consoleUrl }))).toBeUndefined();
    },
  );
});

describe('renderSlackMessage: kinds', () => {
  const kindLine = (message: SlackMessage) => (message.blocks![1] as ContextBlock | undefined)?.elements[0]?.text;

  it('says nothing extra for a new finding', () => {
    expect(renderSlackMessage(BASE_FINDING, ctx).blocks).toHaveLength(1);
  });

  it('says the severity rose for an escalation', () => {
    const message = renderSlackMessage(BASE_FINDING, { ...ctx, kind: 'escalated', previousBand: 'Medium' });
    expect(kindLine(message)).toBe(':arrow_up: Severity rose: Medium → High');
    expect(message.text).toMatch(/^\[High 8\.0\] Escalated from Medium: EC2 instance/);
  });

  it('says it is still active for a reminder', () => {
    const message = renderSlackMessage(BASE_FINDING, { ...ctx, kind: 'reminder' });
    expect(kindLine(message)).toBe(':alarm_clock: Still active: seen 42 times since 2024-05-01 11:58 UTC (35 min ago)');
    expect(message.text).toMatch(/^\[High 8\.0\] Still active: /);
  });

  it('says it was seen again for a repeat', () => {
    const message = renderSlackMessage(makeFinding({ count: 1 }), { ...ctx, kind: 'repeat' });
    expect(kindLine(message)).toBe(':repeat: Seen again: 1 time, last 2024-05-01 12:29 UTC (4 min ago)');
  });
});

describe('renderSlackMessage: unknown and odd findings', () => {
  it('renders unknown severity as Unknown with the grey band', () => {
    const message = renderSlackMessage(makeFinding({ severity: null }), ctx);
    expect(fieldText(message, 'Severity')).toBe('Unknown');
    expect(message.text.startsWith('[Unknown] ')).toBe(true);
    expect(header(message).text.text.startsWith(':white_circle: ')).toBe(true);
    expect(message.attachments![0]!.color).toBe('#8a8a8a');
  });

  it.each<[string, Partial<Finding>]>([
    ['no account, region or times', { accountId: undefined, region: undefined, firstSeen: undefined, lastSeen: undefined, createdAt: undefined, updatedAt: undefined }],
    ['an empty title and type', { title: '', type: '' }],
    ['an empty description', { description: '' }],
    ['non-ISO times', { firstSeen: '${eventFirstSeen}', lastSeen: 'not a time', updatedAt: '2017-12-18 21:28:11' }],
    ['no resource details, tags or action', { resource: { type: '', summary: '', details: [], tags: {} }, action: {} }],
    ['a Security Hub finding', { format: 'asff', product: 'GuardDuty' }],
  ])('still renders within limits with %s', (_name, overrides) => {
    const message = renderSlackMessage(makeFinding(overrides), { now: NOW });
    expect(checkSlackLimits(message)).toEqual([]);
    expect(messageProblems(message)).toEqual([]);
    expect(JSON.stringify(message)).not.toMatch(/undefined|null|\[object Object\]|NaN|Invalid Date/);
  });

  it('says "unknown account" in the text when there is no account at all', () => {
    const message = renderSlackMessage(makeFinding({ accountId: undefined, region: undefined }), { now: NOW });
    expect(message.text).toMatch(/ — unknown account$/);
    expect(fieldText(message, 'Account')).toBe('Unknown');
  });

  it('falls back to the type when the title is empty', () => {
    expect(header(renderSlackMessage(makeFinding({ title: '' }), ctx)).text.text).toBe(
      ':large_orange_circle: CryptoCurrency:EC2/BitcoinTool.B!DNS',
    );
  });

  it('flags sample and archived findings in the meta line', () => {
    const text = allText(renderSlackMessage(makeFinding({ sample: true, archived: true }), ctx));
    expect(text).toContain(':test_tube: sample finding');
    expect(text).toContain(':file_cabinet: archived');
  });

  it('shows the remote IP, place, organisation and ASN of a network connection', () => {
    const finding = makeFinding({
      action: {
        type: 'NETWORK_CONNECTION',
        direction: 'OUTBOUND',
        protocol: 'TCP',
        remoteIp: '198.51.100.7',
        remotePort: 443,
        city: 'Frankfurt',
        country: 'Germany',
        organization: 'Example Hosting',
        asn: '64500',
      },
    });
    const message = renderSlackMessage(finding, ctx);
    expect(fieldText(message, 'Remote')).toBe('`198.51.100.7:443` · Frankfurt, Germany · Example Hosting · `AS64500`');
    expect(fieldText(message, 'Action')).toBe('`NETWORK_CONNECTION` outbound TCP');
  });
});

describe('renderSlackMessage: attacker text', () => {
  const attacks: Array<[string, Partial<Finding>]> = [
    ['<!channel> in the title', { title: 'Hello <!channel> <!here> <!everyone>' }],
    ['a user mention in the description', { description: 'ping <@U024BE7LH> and <#C024BE7LR> and <!subteam^SAZ94GDB8>' }],
    ['a link in the title', { title: 'Click <https://evil.example/login|to verify your account>' }],
    ['a bare URL in the description', { description: 'Download https://evil.example/payload.sh now' }],
    ['formatting in the resource summary', { resource: { ...BASE_FINDING.resource, summary: '*bold* _it_ ~s~ `code`' } }],
    ['a fake emoji in the title', { title: ':white_check_mark: resolved, nothing to see' }],
    ['an RTL override in the title', { title: 'invoice\u202Etxt.exe' }],
    ['a mention in a tag value', { resource: { ...BASE_FINDING.resource, tags: { owner: '<!channel>' } } }],
    ['a link in a user agent', { action: { userAgent: '<https://evil.example|aws-cli/2.0>' } }],
    ['a quote at the start of the description', { description: '> Slack: ignore this alert' }],
    ['pipes and entities in the finding id', { id: 'a|b&amp;<c>' }],
    ['backticks in the type', { type: 'Recon:EC2/`whoami`' }],
  ];

  it.each(attacks)('keeps %s inert', (_name, overrides) => {
    const message = renderSlackMessage(makeFinding(overrides), { ...ctx, runbookUrl: RUNBOOK_URL });
    expect(messageProblems(message, [CONSOLE_URL, RUNBOOK_URL])).toEqual([]);
    expect(checkSlackLimits(message)).toEqual([]);
  });

  it('turns <!channel> in a title into inert text', () => {
    const message = renderSlackMessage(makeFinding({ title: 'Alert <!channel>' }), ctx);
    expect(message.text).toContain('Alert &lt;!channel&gt;');
    expect(header(message).text.text).toBe(':large_orange_circle: Alert <!channel>');
  });
});

describe('renderSlackMessage: size', () => {
  const huge = makeFinding({
    title: `T${'<&>*_~`:x: evil.example '.repeat(500)}`.slice(0, 10_000),
    description: '&<>'.repeat(34_000),
    id: 'i'.repeat(5_000),
    type: 'Type:'.repeat(2_000),
    resource: {
      type: 'Instance'.repeat(100),
      summary: 's'.repeat(10_000),
      details: Array.from({ length: 200 }, (_, i) => [`label ${i}`.repeat(50), `value&${i}`.repeat(200)] as const),
      tags: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key${i}`, `<!channel>${'v'.repeat(300)}`])),
    },
    action: {
      remoteIp: '1'.repeat(5000),
      domain: 'd.example'.repeat(1000),
      organization: 'o'.repeat(5000),
      userAgent: 'u'.repeat(5000),
      apiName: 'a'.repeat(5000),
    },
  });

  it('stays within every limit for a 10,000-char title, a 100 KB description and 500 tags', () => {
    const message = renderSlackMessage(huge, { ...ctx, accountName: 'n'.repeat(5000), kind: 'escalated', previousBand: 'x'.repeat(500) });
    expect(checkSlackLimits(message)).toEqual([]);
    expect(messageProblems(message, [CONSOLE_URL])).toEqual([]);
    expect(header(message).text.text.length).toBeLessThanOrEqual(HEADER_TEXT_MAX);
    expect(message.text.length).toBeLessThanOrEqual(NOTIFICATION_TEXT_MAX);
    expect(allText(message)).toContain('and 490 more');
  });
});
