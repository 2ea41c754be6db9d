import { EventEmitter } from 'node:events';
import type { MessageKind } from '../core/message.js';
import type { OutgoingMessage, SendResult, Sink } from './sink.js';
import type { RenderedMessage } from '../core/message.js';

/** One message the inbox received, as the demo page shows it. */
export interface InboxEntry {
  /** Increases by one per message received; the page orders and de-duplicates by it. */
  seq: number;
  /** The outbox row id. */
  id: string;
  destination: string;
  kind: MessageKind;
  findingId?: string;
  findingIds: string[];
  /** Epoch ms the sink received it. */
  receivedAt: number;
  message: RenderedMessage;
  threadTs?: string;
}

export type InboxSink = Sink & {
  /** Emits `'message'` with each new InboxEntry. */
  readonly events: EventEmitter;
  /** The kept messages, oldest first. */
  messages(): InboxEntry[];
};

/** How many messages the inbox keeps; older ones fall off (the demo runs for hours). */
export const DEFAULT_INBOX_LIMIT = 200;

/**
 * A sink that keeps messages in memory instead of posting them: the demo's stand-in for a Slack channel.
 * It never fails, so the whole pipeline (ledger, outbox, drainer) runs exactly as it would against Slack.
 *
 * @example
 * const inbox = createInboxSink({ name: 'demo' });
 * inbox.events.on('message', (entry: InboxEntry) => console.log(entry.message.slack.text));
 * const runtime = await createRuntime(config, { sinks: new Map([['demo', inbox]]) });
 */
export function createInboxSink(options: { name: string; limit?: number; now?: () => number }): InboxSink {
  const limit = Math.max(1, options.limit ?? DEFAULT_INBOX_LIMIT);
  const now = options.now ?? Date.now;
  const events = new EventEmitter();
  // The demo server subscribes once per open page; don't warn about "leaks" for a handful of tabs.
  events.setMaxListeners(100);
  const kept: InboxEntry[] = [];
  let seq = 0;

  return {
    name: options.name,
    type: 'inbox',
    // Nothing to protect downstream: let the drainer go as fast as the pipeline produces.
    rate: { perSecond: 100, burst: 100 },
    async send(message: OutgoingMessage): Promise<SendResult> {
      seq += 1;
      const entry: InboxEntry = {
        seq,
        id: message.id,
        destination: message.destination,
        kind: message.kind,
        findingIds: [...message.findingIds],
        receivedAt: now(),
        message: message.message,
      };
      if (message.findingId !== undefined) entry.findingId = message.findingId;
      if (message.threadTs !== undefined) entry.threadTs = message.threadTs;
      kept.push(entry);
      if (kept.length > limit) kept.splice(0, kept.length - limit);
      events.emit('message', entry);
      return {};
    },
    describe() {
      return `inbox ${options.name} (in memory, last ${limit})`;
    },
    events,
    messages() {
      return [...kept];
    },
  };
}
