import { describe, expect, it } from 'vitest';
import { checkSlackLimits } from '../../src/render/limits.js';
import type { Block, SlackMessage } from '../../src/core/message.js';

const md = (text: string) => ({ type: 'mrkdwn' as const, text, verbatim: true });
const pt = (text: string) => ({ type: 'plain_text' as const, text });
const withBlocks = (blocks: Block[], extra: Partial<SlackMessage> = {}): SlackMessage => ({ text: 'fallback', blocks, ...extra });

describe('checkSlackLimits', () => {
  it('accepts a small valid message', () => {
    expect(
      checkSlackLimits(
        withBlocks([{ type: 'header', text: pt('Hello') }], {
          attachments: [{ color: '#d93f0b', blocks: [{ type: 'section', text: md('hi') }] }],
        }),
      ),
    ).toEqual([]);
  });

  it.each<[string, SlackMessage, string]>([
    ['empty top-level text', { text: '' }, 'text: must be a non-empty string'],
    ['top-level text over 4000', { text: 'x'.repeat(4001) }, 'text: 4001 chars > 4000'],
    ['51 blocks', withBlocks(Array.from({ length: 51 }, () => ({ type: 'divider' as const }))), 'message: 51 blocks > 50'],
    ['header over 150', withBlocks([{ type: 'header', text: pt('x'.repeat(151)) }]), 'blocks[0].text: 151 chars > 150'],
    ['mrkdwn header', withBlocks([{ type: 'header', text: md('x') as never }]), 'header text must be plain_text'],
    ['section text over 3000', withBlocks([{ type: 'section', text: md('x'.repeat(3001)) }]), 'blocks[0].text: 3001 chars > 3000'],
    ['empty section text', withBlocks([{ type: 'section', text: md('') }]), 'blocks[0].text: empty text'],
    ['section without text or fields', withBlocks([{ type: 'section' }]), 'section needs text or fields'],
    ['11 fields', withBlocks([{ type: 'section', fields: Array.from({ length: 11 }, () => md('f')) }]), 'fields: 11 > 10'],
    ['field over 2000', withBlocks([{ type: 'section', fields: [md('x'.repeat(2001))] }]), 'fields[0]: 2001 chars > 2000'],
    ['11 context elements', withBlocks([{ type: 'context', elements: Array.from({ length: 11 }, () => md('c')) }]), 'elements: 11 > 10'],
    [
      '26 buttons',
      withBlocks([{ type: 'actions', elements: Array.from({ length: 26 }, () => ({ type: 'button' as const, text: pt('b') })) }]),
      'elements: 26 > 25',
    ],
    [
      'button text over 75',
      withBlocks([{ type: 'actions', elements: [{ type: 'button', text: pt('x'.repeat(76)) }] }]),
      'text: 76 chars > 75',
    ],
    [
      'button URL that is not http(s)',
      withBlocks([{ type: 'actions', elements: [{ type: 'button', text: pt('b'), url: 'javascript:x' }] }]),
      'url: not an http(s) URL',
    ],
    ['repeated block_id', withBlocks([{ type: 'divider', block_id: 'a' }, { type: 'divider', block_id: 'a' }]), 'block_id: "a" repeats'],
    ['link_names', { text: 'x', link_names: true } as unknown as SlackMessage, 'link_names must never be sent'],
    ['bad attachment colour', { text: 'x', attachments: [{ color: 'red', blocks: [] }] }, 'is not #rrggbb'],
    [
      '21 blocks in one attachment',
      { text: 'x', attachments: [{ color: '#000000', blocks: Array.from({ length: 21 }, () => ({ type: 'divider' as const })) }] },
      'attachments[0].blocks: 21 blocks > 20',
    ],
    [
      'more than 12,000 characters of block text',
      withBlocks(Array.from({ length: 5 }, () => ({ type: 'section' as const, text: md('x'.repeat(2900)) }))),
      'chars of block text > 12000',
    ],
  ])('reports %s', (_name, message, expected) => {
    const problems = checkSlackLimits(message);
    expect(problems.some((problem) => problem.includes(expected)), problems.join('\n')).toBe(true);
  });

  it('counts blocks in attachments towards the 50', () => {
    const dividers = (n: number) => Array.from({ length: n }, () => ({ type: 'divider' as const }));
    const message: SlackMessage = {
      text: 'x',
      blocks: dividers(40),
      attachments: [{ color: '#000000', blocks: dividers(11) }],
    };
    expect(checkSlackLimits(message)).toContain('message: 51 blocks > 50');
  });
});
