/**
 * Test helpers: walk a rendered Slack message and report anything attacker text could have turned into a mention, a
 * link, formatting or an emoji. Not a test file itself (no `.test.ts`).
 */
import type { Block, SlackMessage, TextObject } from '../../src/core/message.js';
import { escapeMrkdwnEntities } from '../../src/render/mrkdwn.js';

export interface TextAt {
  path: string;
  object: TextObject;
}

/** Every text object of a message (top-level blocks and attachment blocks), with its path. */
export function textObjects(message: SlackMessage): TextAt[] {
  const out: TextAt[] = [];
  const walk = (blocks: readonly Block[], path: string): void => {
    blocks.forEach((block, i) => {
      const at = `${path}[${i}]`;
      switch (block.type) {
        case 'header':
          out.push({ path: `${at}.text`, object: block.text });
          break;
        case 'section':
          if (block.text) out.push({ path: `${at}.text`, object: block.text });
          (block.fields ?? []).forEach((field, j) => out.push({ path: `${at}.fields[${j}]`, object: field }));
          break;
        case 'context':
          block.elements.forEach((element, j) => out.push({ path: `${at}.elements[${j}]`, object: element }));
          break;
        case 'actions':
          block.elements.forEach((element, j) => {
            if (element.type === 'button') {
              out.push({ path: `${at}.elements[${j}].text`, object: element.text });
              return;
            }
            out.push({ path: `${at}.elements[${j}].placeholder`, object: element.placeholder });
            element.options.forEach((option, k) => out.push({ path: `${at}.elements[${j}].options[${k}].text`, object: option.text }));
          });
          break;
        default:
          break;
      }
    });
  };
  walk(message.blocks ?? [], 'blocks');
  (message.attachments ?? []).forEach((attachment, i) => walk(attachment.blocks, `attachments[${i}].blocks`));
  return out;
}

/** All visible text of a message, joined (for "is X shown somewhere" assertions). */
export function allText(message: SlackMessage): string {
  return textObjects(message)
    .map((entry) => entry.object.text)
    .join('\n');
}

/** Emoji shortcodes our renderers write themselves. */
const OUR_EMOJI = /:(?:red_circle|large_orange_circle|large_yellow_circle|large_blue_circle|white_circle|rotating_light|test_tube|file_cabinet|arrow_up|alarm_clock|repeat|white_check_mark|outbox_tray):/g;
/** Bold labels and scores our renderers write: `*Severity*`, `*First seen*`, `*High*`, `*8.0*`. */
const OUR_BOLD = /\*(?:[A-Z][a-z]+(?: [a-z]+)*|\d+\.\d)\*/g;
const CODE_SPAN = /`[^`\n]*`/g;
const LINK = /<([^<>|]*)\|([^<>]*)>/g;
const ENTITY_OR_AMP = /&(?!amp;|lt;|gt;)/;
const CONTROL_OR_BIDI = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SHORTCODE = /:[a-z0-9_+'-]+:/i;
const LINKABLE = /:\/\/|[a-z0-9-]\.[a-z]{2,}/i;

/**
 * Problems in one mrkdwn string: raw `<` `>` outside our own links, `&` that is not an entity, a link to a URL we did
 * not give, formatting characters / emoji shortcodes / linkable names outside code spans, a leading quote, control or
 * bidi characters. Empty when the text is inert.
 */
export function mrkdwnProblems(text: string, allowedUrls: readonly string[] = []): string[] {
  const problems: string[] = [];
  if (CONTROL_OR_BIDI.test(text)) problems.push('control or bidi character');
  if (LONE_SURROGATE.test(text)) problems.push('lone surrogate');
  if (ENTITY_OR_AMP.test(text)) problems.push('& that is not an entity');
  const allowed = new Set(allowedUrls.map(escapeMrkdwnEntities));
  let rest = text.replace(CODE_SPAN, (span) => {
    if (/[<>]/.test(span)) problems.push(`raw < or > in code span ${span}`);
    return ' CODE ';
  });
  rest = rest.replace(LINK, (_whole, url: string, label: string) => {
    if (!allowed.has(url)) problems.push(`link to a URL we did not give: ${url}`);
    if (/[*_~`|]/.test(label)) problems.push(`formatting or | in link label ${label}`);
    if (SHORTCODE.test(label)) problems.push(`emoji shortcode in link label ${label}`);
    return ' LINK ';
  });
  if (/[<>]/.test(rest)) problems.push('raw < or > (mention or link syntax)');
  if (/(^|\n)\s*&gt;/.test(rest)) problems.push('line starting with a quote');
  rest = rest.replace(OUR_EMOJI, ' EMOJI ').replace(OUR_BOLD, ' BOLD ');
  if (/[*_~`]/.test(rest)) problems.push(`formatting character outside code: ${JSON.stringify(rest.slice(0, 200))}`);
  if (SHORTCODE.test(rest)) problems.push(`emoji shortcode outside code: ${SHORTCODE.exec(rest)?.[0]}`);
  if (LINKABLE.test(rest)) problems.push(`linkable name outside code: ${LINKABLE.exec(rest)?.[0]}`);
  if (/(^|\s)[@#](here|channel|everyone)\b/.test(rest)) problems.push('bare @here/@channel/@everyone');
  return problems;
}

/** Problems in one plain_text string (header, button): control/bidi characters, emoji shortcodes other than ours. */
export function plainTextProblems(text: string): string[] {
  const problems: string[] = [];
  if (CONTROL_OR_BIDI.test(text)) problems.push('control or bidi character');
  if (LONE_SURROGATE.test(text)) problems.push('lone surrogate');
  if (/\n/.test(text)) problems.push('line break in plain_text');
  if (SHORTCODE.test(text.replace(OUR_EMOJI, ' '))) problems.push('emoji shortcode from the finding');
  return problems;
}

/** Every inertness problem of a whole message, each prefixed with its path. */
export function messageProblems(message: SlackMessage, allowedUrls: readonly string[] = []): string[] {
  const problems: string[] = [];
  for (const { path, object } of textObjects(message)) {
    const found =
      object.type === 'mrkdwn'
        ? [...mrkdwnProblems(object.text, allowedUrls), ...(object.verbatim === true ? [] : ['mrkdwn without verbatim: true'])]
        : plainTextProblems(object.text);
    for (const problem of found) problems.push(`${path}: ${problem}`);
  }
  const fallback = mrkdwnProblems(message.text, allowedUrls);
  for (const problem of fallback) problems.push(`text: ${problem}`);
  if ('link_names' in message) problems.push('link_names present');
  return problems;
}
