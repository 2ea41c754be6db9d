/**
 * respond/'s announcements for people, in every medium — pure, like every renderer. The lines come from
 * respond/announce.ts ("Blocked 185.220.101.1 for 12 h in edge (source and destination)", "Would block … (dry-run)",
 * "Not blocked: 10.1.2.3 is a private address"); they can carry attacker-influenced text (the address of an `invalid`
 * refusal, a finding type), so each line is escaped as inert mrkdwn like every finding field.
 *
 * - {@link withRespondLines}: the lines as a section of the finding's own message, before its buttons;
 * - {@link renderRespondMessage}: a message of their own (a finding without a message in this batch, an unblock, a
 *   target that cannot be written).
 */
import type { Block, MessageInEveryFormat, RenderedMessage, SectionBlock, SlackMessage, TextMessage } from '../core/message.js';
import { MAX_BLOCKS_PER_ATTACHMENT, MAX_BLOCKS_PER_MESSAGE, NOTIFICATION_TEXT_MAX, SECTION_TEXT_MAX, TEXT_BODY_MAX } from './limits.js';
import { escapeMrkdwnTo, sanitizeText, truncate } from './mrkdwn.js';
import { ACTIONS_BLOCK_ID } from './interactive-actions.js';
import { mrkdwn } from './slack-blocks.js';
import { teamsCardWithResponse, teamsRespondCard } from './teams-notices.js';

/** The section's block id: a later edit of the message (interact/) can find the lines. */
export const RESPOND_BLOCK_ID = 'gdn-respond';
/** Lines shown in one message; the rest are counted ("…and 4 more"). */
export const RESPOND_LINES_SHOWN = 15;
/** One line at most this long (an IPv6 address, a target name and an ISO time fit many times over). */
const LINE_MAX = 400;

function shownLines(lines: readonly string[]): string[] {
  const shown = lines.slice(0, RESPOND_LINES_SHOWN);
  if (lines.length > shown.length) shown.push(`…and ${lines.length - shown.length} more`);
  return shown;
}

function linesSection(lines: readonly string[], heading: string): SectionBlock {
  const body = shownLines(lines).map((line) => `• ${escapeMrkdwnTo(line, LINE_MAX, { singleLine: true })}`);
  return { type: 'section', block_id: RESPOND_BLOCK_ID, text: mrkdwn(truncate(`*${heading}*\n${body.join('\n')}`, SECTION_TEXT_MAX)) };
}

function plainLines(lines: readonly string[]): string {
  return shownLines(lines)
    .map((line) => `- ${truncate(sanitizeText(line, { singleLine: true }), LINE_MAX)}`)
    .join('\n');
}

/**
 * The finding's message with the lines added: in Slack a "Response" section inside the colour bar, just before the
 * buttons (or at the end of the message when the bar is full); in e-mail/SNS text a "Response:" paragraph.
 *
 * @example
 * row.message = withRespondLines(row.message, ['Blocked 185.220.101.1 for 12 h in edge (source and destination)']);
 */
export function withRespondLines<M extends RenderedMessage>(message: M, lines: readonly string[]): M {
  if (lines.length === 0) return message;
  // Each format the payload holds gets the lines its own way (a row holds only its destination's format).
  const next: Record<string, unknown> = { ...message };
  if ('slack' in message) next['slack'] = slackWithLines(message.slack, linesSection(lines, 'Response'));
  if ('teams' in message) next['teams'] = teamsCardWithResponse(message.teams, lines);
  if ('text' in message) next['text'] = { ...message.text, body: truncate(`${message.text.body}\n\nResponse:\n${plainLines(lines)}`, TEXT_BODY_MAX) };
  return next as M;
}

function slackWithLines(message: SlackMessage, section: SectionBlock): SlackMessage {
  const insert = (blocks: readonly Block[]): Block[] => {
    const at = blocks.findIndex((b) => b.block_id === ACTIONS_BLOCK_ID);
    return at < 0 ? [...blocks, section] : [...blocks.slice(0, at), section, ...blocks.slice(at)];
  };
  const slack = { ...message };
  const [bar, ...otherAttachments] = slack.attachments ?? [];
  if (bar !== undefined && bar.blocks.length < MAX_BLOCKS_PER_ATTACHMENT) {
    slack.attachments = [{ ...bar, blocks: insert(bar.blocks) }, ...otherAttachments];
  } else if ((slack.blocks?.length ?? 0) < MAX_BLOCKS_PER_MESSAGE) {
    slack.blocks = insert(slack.blocks ?? []);
  }
  return slack;
}

export interface RespondMessageInput {
  readonly lines: readonly string[];
  /** `alert`: a target cannot be written (a warning heading); default: blocking news. */
  readonly tone?: 'news' | 'alert' | 'recovered';
  /** The finding the lines are about (shown as context); absent for a batch of several, an alert. */
  readonly finding?: { readonly id: string; readonly type: string; readonly title?: string };
}

const HEADINGS = {
  news: 'Blocking',
  alert: ':rotating_light: Blocking failed',
  recovered: ':white_check_mark: Blocking works again',
} as const;

/** ASCII only: SNS subjects allow no line breaks and are ASCII-safe (limits.ts SNS_SUBJECT_MAX). */
const SUBJECTS = {
  news: 'GuardDuty notifier: blocking',
  alert: 'GuardDuty notifier: BLOCKING FAILED',
  recovered: 'GuardDuty notifier: blocking works again',
} as const;

/** The lines of a message of its own as Slack blocks: the lines under the tone's heading, the finding as context. */
export function respondSlack(input: RespondMessageInput): SlackMessage {
  const tone = input.tone ?? 'news';
  const heading = HEADINGS[tone];
  const blocks: Block[] = [linesSection(input.lines, heading)];
  if (input.finding !== undefined) {
    const about = input.finding.title ?? input.finding.type;
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`Finding ${escapeMrkdwnTo(input.finding.id, 100, { singleLine: true })}: ${escapeMrkdwnTo(about, 200, { singleLine: true })}`)],
    });
  }
  return { text: respondNotificationText(input), blocks, unfurl_links: false, unfurl_media: false };
}

/** The one-line summary of respond's news: its first line, "Blocking failed: " first for an alert. */
export function respondNotificationText(input: RespondMessageInput): string {
  const tone = input.tone ?? 'news';
  const first = input.lines[0] ?? HEADINGS[tone];
  return truncate(`${tone === 'alert' ? 'Blocking failed: ' : ''}${sanitizeText(first, { singleLine: true })}`, NOTIFICATION_TEXT_MAX);
}

export function respondText(input: RespondMessageInput): TextMessage {
  const tone = input.tone ?? 'news';
  const about = input.finding === undefined ? '' : `\n\nFinding ${sanitizeText(input.finding.id, { singleLine: true })}: ${sanitizeText(input.finding.title ?? input.finding.type, { singleLine: true })}`;
  return { subject: SUBJECTS[tone], body: truncate(`${plainLines(input.lines)}${about}`, TEXT_BODY_MAX) };
}

export function respondAttributes(input: RespondMessageInput): Record<string, string> {
  const tone = input.tone ?? 'news';
  return { kind: tone === 'alert' ? 'respond-alert' : 'respond', ...(input.finding === undefined ? {} : { type: truncate(sanitizeText(input.finding.type, { singleLine: true }), 256) }) };
}

/**
 * A message of its own for respond's lines, in every medium (the pipeline renders its destination's format through
 * render/renderers.ts).
 *
 * @example
 * const message = renderRespondMessage({ lines: ['Unblocked 185.220.101.1 in edge (expired after 12 h)'] });
 */
export function renderRespondMessage(input: RespondMessageInput): MessageInEveryFormat {
  return { slack: respondSlack(input), text: respondText(input), attributes: respondAttributes(input), teams: teamsRespondCard(input) };
}
