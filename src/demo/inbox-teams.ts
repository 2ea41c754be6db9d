import type { AdaptiveCard } from '../core/adaptive-card.js';
import type { MessageKind } from '../core/message.js';
import { consoleUrlFor } from '../enrich/console-url.js';
import { parsedDocumentsOf } from '../finding/parse.js';
import { renderFindingAs } from '../render/renderers.js';
import type { RenderContext } from '../render/render-context.js';

/** The kinds of message render/renderers.ts renders from one finding (digests and notices are made from other facts). */
const FINDING_KINDS: ReadonlySet<MessageKind> = new Set(['new', 'escalated', 'reminder', 'repeat']);

/**
 * The Teams card a teams-workflow destination would post for an inbox message made from one finding: the same
 * renderer (render/renderers.ts's 'teams' format) on the message's source finding, its kind and time, with the demo's
 * static account names. Undefined for digests and notices, and when the source does not hold the finding.
 */
export function teamsCardForInboxMessage(
  message: { kind: MessageKind; findingId?: string; receivedAt: number; source?: unknown },
  accounts: Readonly<Record<string, string>>,
): AdaptiveCard | undefined {
  if (message.source === undefined || message.findingId === undefined || !FINDING_KINDS.has(message.kind)) return undefined;
  for (const document of parsedDocumentsOf(Buffer.from(JSON.stringify(message.source), 'utf8'))) {
    const finding = document.findings.find((f) => f.id === message.findingId);
    if (finding === undefined) continue;
    const console = consoleUrlFor(finding);
    // Object.hasOwn: an account id from the finding is never a key into the plain object unchecked.
    const accountName = finding.accountId !== undefined && Object.hasOwn(accounts, finding.accountId) ? accounts[finding.accountId] : finding.accountName;
    const ctx: RenderContext = {
      now: message.receivedAt,
      kind: message.kind,
      ...(accountName !== undefined && { accountName }),
      ...(console !== undefined && { consoleUrl: console.url, consoleLabel: console.label }),
    };
    const rendered = renderFindingAs('teams', finding, ctx);
    return 'teams' in rendered ? rendered.teams : undefined;
  }
  return undefined;
}
