import { slackOf, textOf, type RenderedMessage, type SlackMessage, type TextMessage } from '../../src/core/message.js';

/**
 * The Slack message of an outbox payload, for assertions: a row of a Slack destination must hold one, so a missing
 * one (or a missing row) fails the test here with a plain reason instead of a TypeError further on.
 */
export function slackIn(message: RenderedMessage | undefined): SlackMessage {
  const slack = message === undefined ? undefined : slackOf(message);
  if (slack === undefined) throw new Error(`expected a Slack payload, got ${JSON.stringify(message)?.slice(0, 200)}`);
  return slack;
}

/** The text of an outbox payload (an SNS, stdout or file destination's row), for assertions. */
export function textIn(message: RenderedMessage | undefined): TextMessage {
  const text = message === undefined ? undefined : textOf(message);
  if (text === undefined) throw new Error(`expected a text payload, got ${JSON.stringify(message)?.slice(0, 200)}`);
  return text;
}
