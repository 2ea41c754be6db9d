import type { AdaptiveCard } from './adaptive-card.js';

/**
 * What kind of message this is, so a threading sink knows where it goes. `escalation`: nobody acknowledged the
 * finding's message in time (a page, a reply with mentions); `lifecycle`: an acknowledgement or archive told to a
 * destination that heard of the finding (PagerDuty acknowledge/resolve, a Slack note). Neither opens a thread.
 */
export type MessageKind = 'new' | 'escalated' | 'reminder' | 'repeat' | 'digest' | 'escalation' | 'lifecycle';

/**
 * The subset of Slack's Block Kit we produce. Kept as plain JSON types so a message can be stored in the outbox and
 * posted by any Slack sink unchanged.
 * Reference: https://docs.slack.dev/reference/block-kit/blocks
 */
export interface PlainText { type: 'plain_text'; text: string; emoji?: boolean }
export interface Mrkdwn { type: 'mrkdwn'; text: string; verbatim?: boolean }
export type TextObject = PlainText | Mrkdwn;

export interface HeaderBlock { type: 'header'; text: PlainText; block_id?: string }
export interface SectionBlock { type: 'section'; text?: Mrkdwn | PlainText; fields?: Array<Mrkdwn | PlainText>; block_id?: string }
export interface ContextBlock { type: 'context'; elements: Array<Mrkdwn | PlainText>; block_id?: string }
export interface DividerBlock { type: 'divider'; block_id?: string }
export interface ButtonElement {
  type: 'button';
  text: PlainText;
  url?: string;
  action_id?: string;
  value?: string;
  style?: 'primary' | 'danger';
}
/** An option of a select menu: text 75 characters, value 150 (composition-objects/option-object). */
export interface OptionObject { text: PlainText; value: string }
/**
 * A select menu of static options (Block Kit `static_select`): placeholder 150 characters, at most 100 options.
 * Choosing an option sends a `block_actions` payload with `selected_option`.
 * https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element
 */
export interface StaticSelectElement {
  type: 'static_select';
  placeholder: PlainText;
  action_id: string;
  options: OptionObject[];
}
/** What an actions block may hold (of what we send). */
export type ActionElement = ButtonElement | StaticSelectElement;
export interface ActionsBlock { type: 'actions'; elements: ActionElement[]; block_id?: string }
export type Block = HeaderBlock | SectionBlock | ContextBlock | DividerBlock | ActionsBlock;

export interface SlackAttachment { color: string; blocks: Block[]; fallback?: string }

/** What a Slack sink posts. `text` is the short notification fallback. Never carries `link_names`. */
export interface SlackMessage {
  text: string;
  blocks?: Block[];
  /** The band colour bar is drawn by wrapping the blocks in one attachment. */
  attachments?: SlackAttachment[];
  unfurl_links?: false;
  unfurl_media?: false;
}

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';
export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';
export interface PagerDutyLink { href: string; text: string }

/**
 * A PagerDuty Events API v2 event without its `routing_key` (the sink adds the secret when it sends).
 * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 */
export interface PagerDutyEvent {
  event_action: PagerDutyAction;
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, string | number | boolean | string[]>;
  };
  links?: PagerDutyLink[];
  client?: string;
}

/** A plain-text rendering for e-mail / SNS. */
export interface TextMessage { subject: string; body: string }

/**
 * The payload format of a destination type: what its outbox rows hold and its sink reads. One renderer per format
 * (render/renderers.ts); each destination type names its format in deliver/create-sink.ts DESTINATION_TYPES.
 */
export type PayloadFormat = 'slack' | 'text' | 'lines' | 'pagerduty' | 'teams';

/** What a Slack sink posts (slack-webhook, slack-api). */
export interface SlackPayload {
  slack: SlackMessage;
  /**
   * The finding whose thread this message goes into when its own finding has none yet: a signal of an attack sequence
   * (`associatedAttackSequenceArn`) joins the sequence's thread on a threading sink.
   */
  threadOf?: string;
}

/** What SNS publishes: the e-mail/SMS text and the message attributes subscription filter policies match on. */
export interface TextPayload {
  text: TextMessage;
  /** SNS message attributes (severity, band, type, account, kind). */
  attributes: Record<string, string>;
}

/** What a Teams Workflows sink posts: one Adaptive Card (core/adaptive-card.ts), wrapped by the sink. */
export interface TeamsPayload { teams: AdaptiveCard }

/** What a PagerDuty sink enqueues: one Events API v2 event, without its routing key (the sink adds the secret). */
export interface PagerDutyPayload { pagerduty: PagerDutyEvent }

/** What the stdout and file sinks write as one JSON line: the text and the Slack payload (json-lines.ts). */
export interface LinesPayload { text: TextMessage; slack: SlackMessage }

/**
 * What one outbox row holds: the payload of its own destination's format, and nothing else. Rows written before
 * payloads were split hold the Slack message, the text and the attributes together, which is a valid payload for
 * every format but PagerDuty and Teams; sinks read their own member and say plainly when a row has none.
 */
export type RenderedMessage = SlackPayload | TextPayload | LinesPayload | PagerDutyPayload | TeamsPayload;

/**
 * One message in every format at once: what `render --format full` prints, the demo shows, and tests compare.
 * It is a valid RenderedMessage for every destination; the pipeline never stores one (each row holds its own format).
 */
export interface MessageInEveryFormat {
  slack: SlackMessage;
  text: TextMessage;
  attributes: Record<string, string>;
  teams: AdaptiveCard;
  threadOf?: string;
}

/** The Slack message of a payload that has one (slack, lines, or a row from before payloads were split). */
export function slackOf(message: RenderedMessage): SlackMessage | undefined {
  return 'slack' in message ? message.slack : undefined;
}

/** The text of a payload that has one (text, lines, or a row from before payloads were split). */
export function textOf(message: RenderedMessage): TextMessage | undefined {
  return 'text' in message ? message.text : undefined;
}

/** The SNS attributes of a payload that has them. */
export function attributesOf(message: RenderedMessage): Record<string, string> | undefined {
  return 'attributes' in message ? message.attributes : undefined;
}

/** The Adaptive Card of a Teams payload. */
export function teamsCardIn(message: RenderedMessage): AdaptiveCard | undefined {
  return 'teams' in message ? message.teams : undefined;
}

/** The PagerDuty event of a pagerduty payload. */
export function pagerDutyEventOf(message: RenderedMessage): PagerDutyEvent | undefined {
  return 'pagerduty' in message ? message.pagerduty : undefined;
}

/** The thread a Slack payload joins (attack-sequence signals). */
export function threadOfMessage(message: RenderedMessage): string | undefined {
  return 'threadOf' in message ? message.threadOf : undefined;
}
