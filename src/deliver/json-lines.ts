import { slackOf, textOf } from '../core/message.js';
import { jsonForTerminal } from '../core/terminal-text.js';
import type { OutgoingMessage } from './sink.js';

/**
 * One outbox message as one JSON line, for piping into `jq`, a SIEM or a log shipper:
 * `{"destination":…,"kind":…,"findingIds":[…],"text":{"subject","body"},"slack":{…}}`.
 * JSON.stringify escapes every newline inside strings, so one message is always exactly one line; jsonForTerminal
 * escapes what it leaves raw (C1 controls, U+2028/U+2029, bidi controls in finding ids), so a terminal shows none raw.
 */
export function jsonLine(message: OutgoingMessage): string {
  return `${jsonForTerminal(JSON.stringify({
    destination: message.destination,
    kind: message.kind,
    findingIds: message.findingIds,
    text: textOf(message.message),
    slack: slackOf(message.message),
  }))}\n`;
}

/** Local sinks have no service limit to respect; a high ceiling still keeps one runaway loop from spinning a core. */
export const LOCAL_SINK_DEFAULT_RATE = { perSecond: 1000, burst: 1000 } as const;
