/**
 * The limits Slack (and SNS) put on what we send, as named constants, and `checkSlackLimits`, which lists every way a
 * message breaks them. The renderers cut everything to these numbers; the tests run the checker on many inputs.
 *
 * Counts are JavaScript string lengths (UTF-16 code units). A character outside the BMP counts 2 here and at most 2
 * for Slack, so measuring this way can only be stricter than Slack is.
 */
import type { Block, PlainText, SlackMessage, StaticSelectElement, TextObject } from '../core/message.js';

// ---- Block Kit ---------------------------------------------------------------------------------------------------

/** "You can include up to 50 blocks in each message." https://api.slack.com/reference/block-kit/blocks */
export const MAX_BLOCKS_PER_MESSAGE = 50;

/**
 * Blocks inside one attachment. Slack documents no number of its own (50 is its answer in slackapi/bolt-python#914),
 * but the reporter of that issue got `invalid_attachments` past 20 blocks in one attachment; we stay at 20 or fewer.
 * https://github.com/slackapi/bolt-python/issues/914
 */
export const MAX_BLOCKS_PER_ATTACHMENT = 20;

/** Header text: plain_text, "Maximum length for the text in this field is 150 characters."
 * https://docs.slack.dev/reference/block-kit/blocks/header-block */
export const HEADER_TEXT_MAX = 150;

/** Section `text`: "Maximum length for the text in this field is 3000 characters."
 * https://docs.slack.dev/reference/block-kit/blocks/section-block */
export const SECTION_TEXT_MAX = 3000;

/** Section `fields`: "Maximum number of items is 10. Maximum length for the text in each item is 2000 characters."
 * https://docs.slack.dev/reference/block-kit/blocks/section-block */
export const SECTION_FIELDS_MAX = 10;
export const SECTION_FIELD_TEXT_MAX = 2000;

/** Any text object: "The minimum length is 1 and maximum length is 3000 characters."
 * https://docs.slack.dev/reference/block-kit/composition-objects/text-object */
export const TEXT_OBJECT_MIN = 1;
export const TEXT_OBJECT_MAX = 3000;

/** Context block: "An array of image elements and text objects. Maximum number of items is 10."
 * https://docs.slack.dev/reference/block-kit/blocks/context-block */
export const CONTEXT_ELEMENTS_MAX = 10;

/** Actions block: "There is a maximum of 25 elements in each action block."
 * https://api.slack.com/reference/block-kit/blocks (actions block) */
export const ACTIONS_ELEMENTS_MAX = 25;

/** Button: text "Maximum length for the text in this field is 75 characters"; url "Maximum length ... 3000 characters";
 * value 2000; action_id 255. https://docs.slack.dev/reference/block-kit/block-elements/button-element */
export const BUTTON_TEXT_MAX = 75;
export const BUTTON_URL_MAX = 3000;
export const BUTTON_VALUE_MAX = 2000;
export const ACTION_ID_MAX = 255;

/** static_select: placeholder "Maximum length for the text in this field is 150 characters"; options "Maximum number of
 * options is 100". https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element */
export const SELECT_PLACEHOLDER_MAX = 150;
export const SELECT_OPTIONS_MAX = 100;

/** Option object: text 75 characters, value 150. https://docs.slack.dev/reference/block-kit/composition-objects/option-object */
export const OPTION_TEXT_MAX = 75;
export const OPTION_VALUE_MAX = 150;

/** block_id: "Maximum length for this field is 255 characters." (every block type's reference page) */
export const BLOCK_ID_MAX = 255;

/**
 * All the text in one message's blocks, summed. Slack documents no such limit for sections, but chat.postMessage
 * answers `msg_blocks_too_long` at about 13,000 characters of block text (Slack's engineer in that thread: "12,000 text
 * characters with a buffer for block containers"), so we keep every message under 12,000.
 * https://github.com/slackapi/bolt-js/issues/2509 and https://github.com/slackapi/bolt-js/issues/2867
 */
export const MESSAGE_BLOCKS_TEXT_BUDGET = 12_000;

/**
 * Top-level `text`: "For best results, limit the number of characters in the text field to 4,000 characters ... Slack will truncate
 * messages containing more than 40,000 characters." https://api.slack.com/methods/chat.postMessage
 */
export const MESSAGE_TEXT_MAX = 4000;

/**
 * Our own cap for the top-level `text`. With blocks present Slack shows `text` only where blocks cannot be drawn: push
 * and desktop notifications, which show the first line or two (roughly 100–200 characters). 300 holds the whole
 * `[High 8.0] <title> — <account> (<region>)` line with a title of up to 150 characters (the header's own limit), and
 * stays far below Slack's 4,000.
 */
export const NOTIFICATION_TEXT_MAX = 300;

// ---- our own per-value budgets (keep every message under MESSAGE_BLOCKS_TEXT_BUDGET, whatever the finding) --------

/** One finding value shown in a field (resource summary, remote host, user agent...). */
export const FIELD_VALUE_MAX = 300;
/** The description section: Slack's section limit. */
export const DESCRIPTION_MAX = SECTION_TEXT_MAX;
/** The resource details section (labelled facts and tags). */
export const DETAILS_TEXT_MAX = 2000;
/** One element of a context block. */
export const CONTEXT_ELEMENT_MAX = 300;
/**
 * The attack sequence section: counts, the sequence's description, the worst signals and the endpoints. With the
 * facts (10 × ~300), description (3,000), details (2,000) and footer it keeps a message under the 12,000 budget.
 */
export const SEQUENCE_TEXT_MAX = 1500;
/** The sequence's own description inside that section (the finding's description has its own section). */
export const SEQUENCE_DESCRIPTION_MAX = 400;
/** A signal's or endpoint's name in that section. */
export const SEQUENCE_NAME_MAX = 100;
/** URLs longer than this are not linked (a console deep link is about 150 characters). */
export const LINK_URL_MAX = 1000;

// ---- SNS -----------------------------------------------------------------------------------------------------------

/**
 * SNS Publish `Subject`: "must be ASCII text that begins with a letter, number, or punctuation mark; must not include
 * line breaks or control characters; and must be less than 100 characters long" (newer wording: "UTF-8 text with no
 * line breaks or control characters, and less than 100 characters long"). "Less than 100" → at most 99; printable
 * ASCII satisfies both wordings. https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 */
export const SNS_SUBJECT_MAX = 99;

/** SNS Publish `Message`: "at most 256 KB in size (262,144 bytes, not 262,144 characters)".
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html */
export const SNS_MESSAGE_MAX_BYTES = 262_144;

/** Our cap for the e-mail/SNS body of one finding (the description is most of it). */
export const TEXT_BODY_MAX = 8000;

// ---- the checker -------------------------------------------------------------------------------------------------

/**
 * Every way `message` breaks Slack's limits (and our own rules: no `link_names`, no empty text), one line each, with the
 * path of the offending part. Empty when the message is fine.
 *
 * @example
 * expect(checkSlackLimits(renderSlackMessage(finding, { now }))).toEqual([]);
 */
export function checkSlackLimits(message: SlackMessage): string[] {
  const problems: string[] = [];
  const record = message as unknown as Record<string, unknown>;
  // link_names turns "@channel" in text into a real mention; parse=full does the same and more.
  if ('link_names' in record) problems.push('message: link_names must never be sent');
  if ('parse' in record) problems.push('message: parse must never be sent');

  if (typeof message.text !== 'string' || message.text.length < 1) problems.push('text: must be a non-empty string');
  else if (message.text.length > MESSAGE_TEXT_MAX) problems.push(`text: ${message.text.length} chars > ${MESSAGE_TEXT_MAX}`);

  const budget = { blocks: 0, chars: 0 };
  const blockIds = new Set<string>();
  checkBlocks(message.blocks ?? [], 'blocks', problems, budget, blockIds);
  (message.attachments ?? []).forEach((attachment, index) => {
    const path = `attachments[${index}]`;
    if (!/^#[0-9a-fA-F]{6}$/.test(attachment.color)) problems.push(`${path}.color: "${attachment.color}" is not #rrggbb`);
    if (attachment.blocks.length > MAX_BLOCKS_PER_ATTACHMENT) {
      problems.push(`${path}.blocks: ${attachment.blocks.length} blocks > ${MAX_BLOCKS_PER_ATTACHMENT}`);
    }
    checkBlocks(attachment.blocks, `${path}.blocks`, problems, budget, blockIds);
  });
  if (budget.blocks > MAX_BLOCKS_PER_MESSAGE) problems.push(`message: ${budget.blocks} blocks > ${MAX_BLOCKS_PER_MESSAGE}`);
  if (budget.chars > MESSAGE_BLOCKS_TEXT_BUDGET) {
    problems.push(`message: ${budget.chars} chars of block text > ${MESSAGE_BLOCKS_TEXT_BUDGET}`);
  }
  return problems;
}

function checkBlocks(
  blocks: readonly Block[],
  path: string,
  problems: string[],
  budget: { blocks: number; chars: number },
  blockIds: Set<string>,
): void {
  blocks.forEach((block, index) => {
    const at = `${path}[${index}]`;
    budget.blocks += 1;
    if (block.block_id !== undefined) {
      if (block.block_id.length < 1 || block.block_id.length > BLOCK_ID_MAX) problems.push(`${at}.block_id: bad length`);
      // "block_id should be unique for each message" (every block type's reference page).
      if (blockIds.has(block.block_id)) problems.push(`${at}.block_id: "${block.block_id}" repeats`);
      blockIds.add(block.block_id);
    }
    const text = (object: TextObject | undefined, where: string, max: number): void => {
      if (object === undefined) return;
      budget.chars += checkText(object, `${at}.${where}`, max, problems);
    };
    switch (block.type) {
      case 'header':
        if (block.text.type !== 'plain_text') problems.push(`${at}.text: header text must be plain_text`);
        text(block.text, 'text', HEADER_TEXT_MAX);
        break;
      case 'section': {
        if (block.text === undefined && (block.fields === undefined || block.fields.length === 0)) {
          problems.push(`${at}: section needs text or fields`);
        }
        text(block.text, 'text', SECTION_TEXT_MAX);
        const fields = block.fields ?? [];
        if (block.fields !== undefined && fields.length === 0) problems.push(`${at}.fields: must not be empty`);
        if (fields.length > SECTION_FIELDS_MAX) problems.push(`${at}.fields: ${fields.length} > ${SECTION_FIELDS_MAX}`);
        fields.forEach((field, i) => text(field, `fields[${i}]`, SECTION_FIELD_TEXT_MAX));
        break;
      }
      case 'context':
        if (block.elements.length < 1) problems.push(`${at}.elements: must not be empty`);
        if (block.elements.length > CONTEXT_ELEMENTS_MAX) {
          problems.push(`${at}.elements: ${block.elements.length} > ${CONTEXT_ELEMENTS_MAX}`);
        }
        block.elements.forEach((element, i) => text(element, `elements[${i}]`, TEXT_OBJECT_MAX));
        break;
      case 'actions':
        if (block.elements.length < 1) problems.push(`${at}.elements: must not be empty`);
        if (block.elements.length > ACTIONS_ELEMENTS_MAX) {
          problems.push(`${at}.elements: ${block.elements.length} > ${ACTIONS_ELEMENTS_MAX}`);
        }
        block.elements.forEach((button, i) => {
          const b = `${at}.elements[${i}]`;
          if (button.type === 'static_select') {
            budget.chars += checkStaticSelect(button, b, problems);
            return;
          }
          if (button.text.type !== 'plain_text') problems.push(`${b}.text: button text must be plain_text`);
          budget.chars += checkText(button.text, `${b}.text`, BUTTON_TEXT_MAX, problems);
          if (button.url !== undefined) {
            if (button.url.length > BUTTON_URL_MAX) problems.push(`${b}.url: ${button.url.length} > ${BUTTON_URL_MAX}`);
            if (!/^https?:\/\/\S+$/.test(button.url)) problems.push(`${b}.url: not an http(s) URL`);
          }
          if (button.value !== undefined && button.value.length > BUTTON_VALUE_MAX) problems.push(`${b}.value: too long`);
          if (button.action_id !== undefined && (button.action_id.length < 1 || button.action_id.length > ACTION_ID_MAX)) {
            problems.push(`${b}.action_id: bad length`);
          }
        });
        break;
      case 'divider':
        break;
      default:
        problems.push(`${at}: unknown block type "${(block as { type: string }).type}"`);
    }
  });
}

/** A static_select's placeholder, options and action_id; returns its text length for the message-wide budget. */
function checkStaticSelect(select: StaticSelectElement, path: string, problems: string[]): number {
  let chars = 0;
  if (select.placeholder.type !== 'plain_text') problems.push(`${path}.placeholder: must be plain_text`);
  chars += checkText(select.placeholder, `${path}.placeholder`, SELECT_PLACEHOLDER_MAX, problems);
  if (select.action_id.length < 1 || select.action_id.length > ACTION_ID_MAX) problems.push(`${path}.action_id: bad length`);
  if (select.options.length < 1) problems.push(`${path}.options: must not be empty`);
  if (select.options.length > SELECT_OPTIONS_MAX) problems.push(`${path}.options: ${select.options.length} > ${SELECT_OPTIONS_MAX}`);
  const values = new Set<string>();
  select.options.forEach((option, i) => {
    const o = `${path}.options[${i}]`;
    if (option.text.type !== 'plain_text') problems.push(`${o}.text: must be plain_text`);
    chars += checkText(option.text, `${o}.text`, OPTION_TEXT_MAX, problems);
    if (option.value.length < 1 || option.value.length > OPTION_VALUE_MAX) problems.push(`${o}.value: bad length`);
    if (values.has(option.value)) problems.push(`${o}.value: repeats`);
    values.add(option.value);
  });
  return chars;
}

/** Checks one text object; returns its length for the message-wide budget. */
function checkText(object: TextObject | PlainText, path: string, max: number, problems: string[]): number {
  if (object.type !== 'plain_text' && object.type !== 'mrkdwn') {
    problems.push(`${path}: unknown text type "${(object as { type: string }).type}"`);
    return 0;
  }
  if (typeof object.text !== 'string') {
    problems.push(`${path}: text is not a string`);
    return 0;
  }
  const length = object.text.length;
  if (length < TEXT_OBJECT_MIN) problems.push(`${path}: empty text`);
  // A header or button of only spaces draws nothing: count it as empty too.
  else if (object.type === 'plain_text' && object.text.trim() === '') problems.push(`${path}: blank plain_text`);
  if (length > max) problems.push(`${path}: ${length} chars > ${max}`);
  return length;
}
