import { describe, expect, it } from 'vitest';
import {
  escapeMrkdwn,
  escapeMrkdwnEntities,
  escapeMrkdwnTo,
  inlineCode,
  linkLabel,
  mrkdwnLink,
  plainText,
  safeUrl,
  sanitizeText,
  truncate,
} from '../../src/render/mrkdwn.js';
import { mrkdwnProblems } from './inert.js';
import { seededRandom } from '../support/seeded-random.js';

describe('escapeMrkdwn', () => {
  it.each([
    ['<!channel> look', '&lt;!channel&gt; look'],
    ['<!here>', '&lt;!here&gt;'],
    ['<!everyone>', '&lt;!everyone&gt;'],
    ['hi <@U024BE7LH>', 'hi &lt;@U024BE7LH&gt;'],
    ['join <#C024BE7LR|general>', 'join &lt;#C024BE7LR|general&gt;'],
    ['<!subteam^SAZ94GDB8>', '&lt;!subteam^SAZ94GDB8&gt;'],
    ['a & b', 'a &amp; b'],
    ['already &amp; escaped', 'already &amp;amp; escaped'],
  ])('turns %j into inert text', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it('turns <!channel> in a title into inert text', () => {
    const out = escapeMrkdwn('Alert <!channel> now');
    expect(out).not.toContain('<');
    expect(mrkdwnProblems(out)).toEqual([]);
  });

  it('keeps a link from becoming a link: <https://x|y> is shown as text, its URL in a code span', () => {
    const out = escapeMrkdwn('click <https://evil.example/login|your bank>');
    expect(out).toBe('click `&lt;https://evil.example/login|your` bank&gt;');
    expect(mrkdwnProblems(out)).toEqual([]);
  });

  it.each([
    ['see http://evil.example/x', 'see `http://evil.example/x`'],
    ['query to pool.example-miner.com.', 'query to `pool.example-miner.com`.'],
    ['mail alice@corp.example now', 'mail `alice@corp.example` now'],
    ['ftp://files', '`ftp://files`'],
  ])('puts a bare URL or domain into a code span so Slack cannot auto-link it: %j', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it.each([
    ['*bold*', '`*bold*`'],
    ['_italic_ text', '`_italic_` text'],
    ['~strike~', '`~strike~`'],
    ['`code`', '`ˋcodeˋ`'],
    ['*two words*', '`*two` `words*`'],
    ['PORT_PROBE', '`PORT_PROBE`'],
    ['> quoted', '`&gt;` quoted'],
    ['@here and @channel', '`@here` and `@channel`'],
    ['#general', '`#general`'],
    ['fire :fire: now', 'fire `:fire:` now'],
  ])('keeps %j from becoming formatting', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it('leaves ordinary prose alone apart from entities', () => {
    const prose = 'EC2 instance i-99999999 is communicating with IP address 198.51.100.1 on port 443.';
    expect(escapeMrkdwn(prose)).toBe(prose);
  });

  it('keeps line breaks in prose', () => {
    expect(escapeMrkdwn('one\ntwo\r\nthree')).toBe('one\ntwo\nthree');
  });

  it('escapes <, > and & inside code spans too, because Slack parses <…> inside backticks', () => {
    expect(escapeMrkdwn('<!here>_x')).toBe('`&lt;!here&gt;_x`');
  });
});

describe('sanitizeText', () => {
  it.each([
    ['right-to-left override', 'invoice\u202Egpj.exe', 'invoice\uFFFDgpj.exe'],
    ['first strong isolate', 'a\u2068b\u2069c', 'a\uFFFDb\uFFFDc'],
    ['left-to-right mark', 'a\u200Eb', 'a\uFFFDb'],
    ['zero-width space', 'ev\u200Bil', 'ev\uFFFDil'],
    ['soft hyphen', 'ev\u00ADil', 'ev\uFFFDil'],
    ['byte order mark', '\uFEFFx', '\uFFFDx'],
    ['NUL and BEL', 'a\u0000b\u0007c', 'abc'],
    ['C1 control', 'a\u009Bb', 'ab'],
    ['tab', 'a\tb', 'a b'],
    ['lone high surrogate', 'a\uD83Db', 'a\uFFFDb'],
    ['lone low surrogate', 'a\uDE00b', 'a\uFFFDb'],
  ])('shows or drops a %s so it cannot reorder or hide text', (_name, input, expected) => {
    expect(sanitizeText(input)).toBe(expected);
  });

  it('keeps emoji and non-Latin text', () => {
    expect(sanitizeText('😀 中文 é')).toBe('😀 中文 é');
  });

  it('folds lines into one with singleLine', () => {
    expect(sanitizeText('a\n  b\r\nc', { singleLine: true })).toBe('a b c');
  });
});

describe('truncate', () => {
  it.each([
    ['short text is unchanged', 'abc', 3, 'abc'],
    ['long text ends in an ellipsis', 'abcdef', 4, 'abc…'],
    ['max 1 is just the ellipsis', 'abcdef', 1, '…'],
    ['max 0 is empty', 'abcdef', 0, ''],
    ['never splits a surrogate pair', 'ab😀cd', 4, 'ab…'],
    ['never cuts inside &amp;', 'abc&amp;def', 6, 'abc…'],
    ['never cuts inside &lt;', 'x&lt;yyyy', 4, 'x…'],
    ['keeps a whole entity that fits', 'a&gt;bcdef', 7, 'a&gt;b…'],
    ['never leaves a code span open', 'see `evil.example` and `other.example`', 30, 'see `evil.example` and…'],
  ])('%s', (_name, input, max, expected) => {
    const out = truncate(input, max);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(max);
  });

  it('cuts a 100 KB string to exactly the limit', () => {
    expect(truncate('x'.repeat(100_000), 3000)).toHaveLength(3000);
  });
});

describe('escapeMrkdwnTo', () => {
  it('cuts a 100 KB description of entities to the limit without breaking an entity', () => {
    const out = escapeMrkdwnTo('&'.repeat(100_000), 3000);
    expect(out.length).toBeLessThanOrEqual(3000);
    expect(out.endsWith('&amp;…')).toBe(true);
    expect(mrkdwnProblems(out)).toEqual([]);
  });

  it('says it cut even when sanitising shortens what was kept', () => {
    const out = escapeMrkdwnTo(`${'a'.repeat(10)}${'\u0000'.repeat(20)}${'b'.repeat(50)}`, 20);
    expect(out.endsWith('…')).toBe(true);
  });
});

describe('inlineCode', () => {
  it.each([
    ['198.51.100.1', '`198.51.100.1`'],
    ['a`b', '`aˋb`'],
    ['<@U123>', '`&lt;@U123&gt;`'],
    ['  ', ''],
    ['line\nbreak', '`line break`'],
  ])('shows %j as one inert code span', (input, expected) => {
    expect(inlineCode(input)).toBe(expected);
  });

  it('fits the whole span, backticks included, in max', () => {
    const out = inlineCode('&'.repeat(500), 50);
    expect(out.length).toBeLessThanOrEqual(50);
    expect(out.startsWith('`') && out.endsWith('`')).toBe(true);
    expect(mrkdwnProblems(out)).toEqual([]);
  });
});

describe('link labels', () => {
  it('cannot break out of <url|label>: | < > become inert', () => {
    const out = mrkdwnLink('https://console.example/x?a=1&b=2', 'evil|<https://phish.example|click>', {
      urlMax: 500,
      labelMax: 200,
    });
    expect(out).toBe('<https://console.example/x?a=1&amp;b=2|evil¦&lt;https://phish.example¦click&gt;>');
    expect(mrkdwnProblems(out, ['https://console.example/x?a=1&b=2'])).toEqual([]);
  });

  it('replaces formatting characters with look-alikes and breaks emoji shortcodes', () => {
    expect(linkLabel('*a* _b_ ~c~ `d` :fire:')).toBe('∗a∗ ˍbˍ ∼c∼ ˋdˋ :\u200Bfire:');
  });

  it.each([
    'javascript:alert(1)',
    'https://x.example/a b',
    'https://x.example/<b>',
    'https://x.example/a|b',
    'https://x.example/\u202Eabc',
    'https://exämple.example/',
    'ftp://x.example',
    '',
  ])(
    'does not link %j',
    (url) => {
      expect(safeUrl(url, 500)).toBeUndefined();
      expect(mrkdwnLink(url, 'title', { urlMax: 500, labelMax: 100 })).toBe('title');
    },
  );
});

describe('plainText', () => {
  it('is not entity-escaped, because Slack does not parse plain_text', () => {
    expect(plainText('A & B <x>')).toBe('A & B <x>');
  });

  it('breaks emoji shortcodes from the finding', () => {
    expect(plainText(':rotating_light: all clear :white_check_mark:')).toBe(
      ':\u200Brotating_light: all clear :\u200Bwhite_check_mark:',
    );
  });

  it('folds lines and cuts to max', () => {
    expect(plainText('a\nb'.repeat(100), 10)).toHaveLength(10);
  });
});

describe('escapeMrkdwnEntities', () => {
  it('escapes only &, < and >', () => {
    expect(escapeMrkdwnEntities(`&<>"'*`)).toBe(`&amp;&lt;&gt;"'*`);
  });
});

describe('escapeMrkdwn fast path (which text needs code spans at all)', () => {
  // The whole-string test the fast path used to be; escapeMrkdwn now asks it as four cheaper questions.
  const RISKY_ANYWHERE = /[*_~`]|(?:^|\s)[>@#]|:[a-z0-9_+'-]+:|:\/\/|[a-z0-9-]\.[a-z]{2,}/im;
  const ATOMS = ['*', '_', '~', '`', '>', '@', '#', ':', '.', '/', ' ', '\n', 'a', 'Z', '0', '-', '+', "'", 'ex', ':ok:', '://', 'evil.example', 'x.y', 'é', '—', '&', '<'];

  it('decides as the one regular expression did which text is escaped word by word', () => {
    const next = seededRandom(11);
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let n = 1 + Math.floor(next() * 10); n > 0; n--) text += ATOMS[Math.floor(next() * ATOMS.length)];
      const clean = sanitizeText(text);
      // As before: whole text harmless by the one expression → entities only; else word by word.
      const expected = RISKY_ANYWHERE.test(clean) ? clean.replace(/\S+/g, (word) => escapeMrkdwn(word)) : escapeMrkdwnEntities(clean);
      if (escapeMrkdwn(text) !== expected) wrong.push(text);
    }
    expect(wrong).toEqual([]);
  });
});
