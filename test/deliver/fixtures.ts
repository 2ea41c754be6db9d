import type { MessageKind } from '../../src/core/message.js';
import type { OutgoingMessage } from '../../src/deliver/sink.js';
import type { MessageInEveryFormat } from '../../src/core/message.js';
import type { OutboxRow } from '../../src/state/store.js';

/**
 * A small valid message in every format whose text carries `label`, so tests can tell messages apart on the wire (a
 * valid payload for every sink, like a row stored before payloads were split per destination format).
 */
export function rendered(label: string, attributes: Record<string, string> = {}): MessageInEveryFormat {
  return {
    slack: {
      text: label,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'GuardDuty finding' } },
        { type: 'section', text: { type: 'mrkdwn', text: `*${label}*` } },
      ],
    },
    text: { subject: `GuardDuty: ${label}`, body: `Finding ${label}` },
    attributes,
    teams: {
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.5',
      body: [{ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: label }] }],
      msteams: { width: 'Full' },
    },
  };
}

export function outgoing(
  overrides: Partial<OutgoingMessage> & { label?: string; message?: MessageInEveryFormat } = {},
): OutgoingMessage & { message: MessageInEveryFormat } {
  const { label = 'm1', ...rest } = overrides;
  return {
    id: `out-${label}`,
    destination: 'sec',
    kind: 'new',
    findingId: `f-${label}`,
    findingIds: [`f-${label}`],
    message: rendered(label),
    ...rest,
  };
}

export function outboxRow(
  label: string,
  overrides: Partial<OutboxRow> & { kind?: MessageKind } = {},
): OutboxRow {
  return {
    id: `row-${label}`,
    destination: 'sec',
    kind: 'new',
    findingId: `f-${label}`,
    findingIds: [`f-${label}`],
    message: rendered(label),
    status: 'pending',
    attempts: 0,
    createdAt: 1_000,
    nextAttemptAt: 0,
    ...overrides,
  };
}
