import { describe, expect, it } from 'vitest';
import { renderSlackMessage } from '../../src/render/slack-blocks.js';
import { renderDigestMessage } from '../../src/render/digest.js';
import { checkSlackLimits } from '../../src/render/limits.js';
import {
  ACTIONS_BLOCK_ID,
  BLOCK_DURATIONS,
  INTERACT_ACTIONS,
  MUTE_DURATIONS,
  digestActionsBlock,
  encodeActionValue,
} from '../../src/render/interactive-actions.js';
import { decodeActionValue } from '../../src/interact/action-value.js';
import type { ActionElement, ActionsBlock, SlackMessage, StaticSelectElement } from '../../src/core/message.js';
import type { RenderContext } from '../../src/render/render-context.js';
import { BASE_FINDING, makeFinding, NOW } from '../support/make-finding.js';
import { validateSlackMessage } from '../support/slack-standin.js';
import { messageProblems } from './inert.js';
import { parseFindingText } from '../../src/finding/parse.js';
import { listCorpus, listCorpus2026, listFixtures, loadCorpusText, loadFixtureText } from '../support/finding-fixtures.js';

const CONSOLE_URL = 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?fId=9ec5b9a3f4c1e2d3b4a5968778695a4b';
const interactive: RenderContext = { now: NOW, consoleUrl: CONSOLE_URL, interact: { destination: 'sec', canBlock: true } };
const attacker = makeFinding({
  action: {
    type: 'NETWORK_CONNECTION',
    remoteIp: '185.220.101.1',
    remoteAddresses: [{ ip: '185.220.101.1', direction: 'inbound', from: 'networkConnectionAction' }],
  },
});

function actionsOf(message: SlackMessage): ActionsBlock | undefined {
  return message.attachments?.[0]?.blocks.find((b): b is ActionsBlock => b.type === 'actions' && b.block_id === ACTIONS_BLOCK_ID);
}
function labels(elements: readonly ActionElement[]): string[] {
  return elements.map((e) => (e.type === 'button' ? e.text.text : e.placeholder.text));
}

describe('finding buttons', () => {
  it('carry Acknowledge · Archive · Block IP · Mute similar · Open in GuardDuty when the config has interact:', () => {
    const block = actionsOf(renderSlackMessage(attacker, interactive))!;
    expect(labels(block.elements)).toEqual(['Acknowledge', 'Archive', 'Block IP', 'Mute similar', 'Open in GuardDuty']);
    expect(block.elements.map((e) => e.action_id)).toEqual(['gdn.acknowledge', 'gdn.archive', 'gdn.block', 'gdn.mute', 'gdn.open']);
  });

  it('stay link buttons only without interact:', () => {
    const block = actionsOf(renderSlackMessage(attacker, { now: NOW, consoleUrl: CONSOLE_URL }))!;
    expect(block.elements).toEqual([{ type: 'button', text: { type: 'plain_text', text: 'Open in GuardDuty', emoji: true }, url: CONSOLE_URL }]);
  });

  it('offer the Block IP menu with 1 h, 12 h, 24 h, 7 d and Mute similar with 7 d, 30 d', () => {
    const block = actionsOf(renderSlackMessage(attacker, interactive))!;
    const menu = (id: string) => block.elements.find((e): e is StaticSelectElement => e.action_id === id)!;
    expect(menu('gdn.block').options.map((o) => o.text.text)).toEqual(['1 h', '12 h', '24 h', '7 d']);
    expect(menu('gdn.mute').options.map((o) => o.text.text)).toEqual(['7 d', '30 d']);
    expect(BLOCK_DURATIONS.map((d) => d.ms)).toEqual([3_600_000, 43_200_000, 86_400_000, 604_800_000]);
    expect(MUTE_DURATIONS.map((d) => d.ms)).toEqual([604_800_000, 2_592_000_000]);
  });

  it('name the finding and destination in every value, in a form the handler reads back', () => {
    const block = actionsOf(renderSlackMessage(attacker, interactive))!;
    const values = block.elements.flatMap((e) => (e.type === 'button' ? (e.value === undefined ? [] : [e.value]) : e.options.map((o) => o.value)));
    expect(values.length).toBe(2 + 4 + 2);
    for (const value of values) {
      const decoded = decodeActionValue(value);
      expect(decoded).toMatchObject({ ok: true, ref: { d: 'sec', f: BASE_FINDING.id } });
    }
  });

  it.each([
    ['respond has no target', { ...interactive, interact: { destination: 'sec' } }, attacker],
    ['the finding names no remote address', interactive, BASE_FINDING],
    ["respond's own check blocks none of the addresses", { ...interactive, interact: { destination: 'sec', canBlock: true, isBlockable: () => false } }, attacker],
    ['the finding is a sample', interactive, makeFinding({ ...attacker, sample: true })],
  ] as const)('leave out Block IP when %s', (_name, ctx, finding) => {
    expect(actionsOf(renderSlackMessage(finding, ctx))!.elements.map((e) => e.action_id)).not.toContain('gdn.block');
  });

  it('leave out Archive for an archived finding and for another product', () => {
    for (const finding of [makeFinding({ ...attacker, archived: true }), makeFinding({ ...attacker, product: 'Inspector', arn: undefined })]) {
      expect(actionsOf(renderSlackMessage(finding, interactive))!.elements.map((e) => e.action_id)).not.toContain('gdn.archive');
    }
  });

  it('leave out an element whose value would not fit Slack, rather than cut it', () => {
    const finding = makeFinding({ ...attacker, id: 'f'.repeat(140) });
    const ids = actionsOf(renderSlackMessage(finding, interactive))!.elements.map((e) => e.action_id);
    // Buttons hold 2000 characters, menu options 150: the menus go, the buttons stay.
    expect(ids).toEqual(['gdn.acknowledge', 'gdn.archive', 'gdn.open']);
  });

  it('keep the message within Slack limits and the stand-in accepting it', () => {
    const message = renderSlackMessage(attacker, { ...interactive, runbookUrl: 'https://wiki.example.com/rb' });
    expect(checkSlackLimits(message)).toEqual([]);
    expect(validateSlackMessage(message as unknown as Record<string, unknown>)).toBeUndefined();
  });

  it('keep finding text in menus inert', () => {
    const hostile = makeFinding({ ...attacker, type: '<!channel> :skull: *x*', title: '<@U0EVIL> hi' });
    const message = renderSlackMessage(hostile, interactive);
    expect(messageProblems(message)).toEqual([]);
  });
});

describe('digest Mute type', () => {
  const items = [
    { finding: makeFinding({ id: 'a', type: 'Recon:EC2/PortProbeUnprotectedPort' }) },
    { finding: makeFinding({ id: 'b', type: 'Recon:EC2/PortProbeUnprotectedPort' }) },
    { finding: makeFinding({ id: 'c', type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS' }) },
  ];

  it('is one menu with an option per listed type and duration', () => {
    const message = renderDigestMessage(items, { now: NOW, interact: { destination: 'sec' } }).slack;
    const block = actionsOf(message)!;
    const menu = block.elements[0] as StaticSelectElement;
    expect(menu.placeholder.text).toBe(INTERACT_ACTIONS.muteType.label);
    expect(menu.options.map((o) => o.text.text)).toEqual([
      'Recon:EC2/PortProbeUnprotectedPort · 7 d',
      'Recon:EC2/PortProbeUnprotectedPort · 30 d',
      'CryptoCurrency:EC2/BitcoinTool.B!DNS · 7 d',
      'CryptoCurrency:EC2/BitcoinTool.B!DNS · 30 d',
    ]);
    expect(decodeActionValue(menu.options[0]!.value)).toEqual({ ok: true, ref: { d: 'sec', t: 'Recon:EC2/PortProbeUnprotectedPort', for: '7d' } });
    expect(checkSlackLimits(message)).toEqual([]);
  });

  it('is absent without interact:', () => {
    expect(actionsOf(renderDigestMessage(items, { now: NOW }).slack)).toBeUndefined();
  });

  it('skips a type too long for an option value', () => {
    expect(digestActionsBlock(['x'.repeat(200)], { destination: 'sec' })).toBeUndefined();
  });

  it('encodes values compactly', () => {
    expect(encodeActionValue({ d: 'sec', f: 'abc', for: '12h' })).toBe('{"v":1,"d":"sec","f":"abc","for":"12h"}');
  });
});

describe('every real finding with buttons on', () => {
  const documents = [
    ...listFixtures().map((name) => ({ name, text: loadFixtureText(name) })),
    ...[...listCorpus(), ...listCorpus2026()].map((file) => ({ name: file, text: loadCorpusText(file) })),
  ];

  it('renders within Slack limits, inert, every value readable by the handler', () => {
    let checked = 0;
    for (const { name, text } of documents) {
      for (const finding of parseFindingText(text).findings) {
        const message = renderSlackMessage(finding, { ...interactive, interact: { destination: 'sec', canBlock: true } });
        expect(checkSlackLimits(message), name).toEqual([]);
        expect(validateSlackMessage(message as unknown as Record<string, unknown>), name).toBeUndefined();
        expect(messageProblems(message, [CONSOLE_URL]), name).toEqual([]);
        for (const element of actionsOf(message)?.elements ?? []) {
          const values = element.type === 'button' ? (element.value === undefined ? [] : [element.value]) : element.options.map((o) => o.value);
          for (const value of values) expect(decodeActionValue(value), name).toMatchObject({ ok: true, ref: { d: 'sec', f: finding.id } });
        }
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
