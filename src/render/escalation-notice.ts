/**
 * The chat side of on-call: the escalation notice ("Not acknowledged for 15 min — paged pager", with the config's
 * mentions live) and the acknowledgement note ("Acknowledged in PagerDuty by Dana, 03:04"). Pure.
 *
 * The mentions are the only control syntax these messages carry, and they come from the config (checked by the
 * schema, checked again here): the headline is finding text, escaped as everywhere (mrkdwn entities, no links, no
 * mentions). `@slack` mentions in a message notify only when written as `<!here>`, `<@U…>`, `<!subteam^S…>`
 * (https://docs.slack.dev/messaging/formatting-message-text#mentioning-users); we never send `link_names`.
 */
import { SLACK_MENTION } from '../config/schema.js';
import type { MessageInEveryFormat, PayloadFormat, RenderedMessage } from '../core/message.js';
import { escapeMrkdwn, sanitizeText, truncate } from './mrkdwn.js';
import { formatMinutes } from './pagerduty-event.js';
import { inertForSlackBridges, snsSubject } from './text-message.js';
import type { AdaptiveCard, CardElement } from '../core/adaptive-card.js';
import { adaptiveCard, richText, teamsRun } from './teams-text.js';

/** Slack section text is at most 3000 characters (Block Kit, section block); the headline is cut well below. */
const HEADLINE_MAX = 500;

export interface EscalationNoticeFacts {
  /** `[High 8.0] title — account (region)`: raw, finding text already sanitised once. */
  headline: string;
  /** From the config only. */
  mentions: readonly string[];
  /** Nominal time since the message ("15 min"). */
  notAcknowledgedForMs: number;
  /** PagerDuty destinations paged by this escalation, by name (config). */
  paged: readonly string[];
  /** Other destinations told (chat), by name (config). */
  told: readonly string[];
  /** 1-based, and of how many. */
  step: number;
  times: number;
  /** On a webhook the notice is a new message: it names the original ("about: …"). In a thread it need not. */
  inThread: boolean;
}

/** `Not acknowledged for 15 min — paged pager (escalation 1 of 3)`. */
export function escalationLine(facts: Pick<EscalationNoticeFacts, 'notAcknowledgedForMs' | 'paged' | 'step' | 'times'>): string {
  const paged = facts.paged.length > 0 ? ` — paged ${facts.paged.join(', ')}` : '';
  const count = facts.times > 1 ? ` (escalation ${facts.step} of ${facts.times})` : '';
  return `Not acknowledged for ${formatMinutes(facts.notAcknowledgedForMs)}${paged}${count}`;
}

/**
 * @example
 * renderEscalationNotice({ headline, mentions: ['<!subteam^S0123ABCD>'], notAcknowledgedForMs: 900_000, paged: ['pager'], told: [], step: 1, times: 1, inThread: true });
 * // slack.text: "<!subteam^S0123ABCD> Not acknowledged for 15 min — paged pager"
 */
export function renderEscalationNotice(facts: EscalationNoticeFacts): MessageInEveryFormat {
  const mentions = facts.mentions.filter((m) => SLACK_MENTION.test(m));
  const line = escalationLine(facts);
  const headline = truncate(sanitizeText(facts.headline, { singleLine: true }), HEADLINE_MAX);
  const lead = `${mentions.length > 0 ? `${mentions.join(' ')} ` : ''}:rotating_light: ${escapeMrkdwn(line)}`;
  const about = facts.inThread ? '' : `\n*About:* ${escapeMrkdwn(headline)}`;
  const text = `${mentions.length > 0 ? `${mentions.join(' ')} ` : ''}${escapeMrkdwn(line)}`;
  return {
    slack: {
      text,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `${lead}${about}` } }],
      unfurl_links: false,
      unfurl_media: false,
    },
    text: { subject: snsSubject(`${line}: ${headline}`), body: inertForSlackBridges(`${line}\n\n${headline}\n`) },
    attributes: { kind: 'escalation' },
    // Teams: no mentions (a Workflows post cannot carry them without msteams.entities, which we never send).
    teams: noteCard('attention', `🚨 ${line}`, facts.inThread ? '' : headline),
  };
}

export interface AcknowledgementNoteFacts {
  /** `PagerDuty`, `Slack`, `the command line`, `GuardDuty (archived)`. */
  where: string;
  /** A display name: finding-independent, but from Slack or PagerDuty (untrusted text: escaped). */
  by: string;
  /** Epoch ms. */
  at: number;
  headline: string;
  inThread: boolean;
  /** `Archived` instead of `Acknowledged`. */
  archived?: boolean;
}

/** `03:04` UTC: people on call read a time, not a date (the message itself is dated by the chat). */
export function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** "Acknowledged in PagerDuty by Dana, 03:04" as a message of its own (webhook) or a thread reply (slack-api). */
export function renderAcknowledgementNote(facts: AcknowledgementNoteFacts): MessageInEveryFormat {
  const verb = facts.archived === true ? 'Archived' : 'Acknowledged';
  const line = `${verb} in ${facts.where} by ${truncate(sanitizeText(facts.by, { singleLine: true }), 100)}, ${clockTime(facts.at)} UTC`;
  const headline = truncate(sanitizeText(facts.headline, { singleLine: true }), HEADLINE_MAX);
  const about = facts.inThread || headline === '' ? '' : `\n*About:* ${escapeMrkdwn(headline)}`;
  return {
    slack: {
      text: escapeMrkdwn(line),
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:white_check_mark: ${escapeMrkdwn(line)}${about}` } }],
      unfurl_links: false,
      unfurl_media: false,
    },
    text: { subject: snsSubject(`${line}: ${headline}`), body: inertForSlackBridges(`${line}\n\n${headline}\n`) },
    attributes: { kind: 'lifecycle' },
    teams: noteCard('good', `✅ ${line}`, facts.inThread ? '' : headline),
  };
}

/**
 * The payload a chat destination of `format` stores (each outbox row holds only its own format); undefined for
 * `pagerduty`, whose rows are events, never notes.
 */
export function noteAs(format: PayloadFormat, note: MessageInEveryFormat): RenderedMessage | undefined {
  switch (format) {
    case 'slack':
      return { slack: note.slack };
    case 'text':
      return { text: note.text, attributes: note.attributes };
    case 'lines':
      return { text: note.text, slack: note.slack };
    case 'teams':
      return { teams: note.teams };
    case 'pagerduty':
      return undefined;
  }
}

/** A note as a Teams card: the line (a display name in it is untrusted: a TextRun) and what it is about. */
function noteCard(style: 'attention' | 'good', line: string, about: string): AdaptiveCard {
  const lead = richText([teamsRun(line, HEADLINE_MAX, { weight: 'bolder' }, { singleLine: true })]);
  const body: CardElement[] = [{ type: 'Container', style, bleed: true, items: lead === undefined ? [] : [lead] }];
  const aboutBlock = about === '' ? undefined : richText([{ type: 'TextRun', text: 'About: ', weight: 'bolder' }, teamsRun(about, HEADLINE_MAX, {}, { singleLine: true })]);
  if (aboutBlock !== undefined) body.push(aboutBlock);
  return adaptiveCard(body);
}
