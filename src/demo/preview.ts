import type { AdaptiveCard } from '../core/adaptive-card.js';
import type { MessageInEveryFormat, SlackMessage, TextMessage } from '../core/message.js';
import { createAccountNameResolver } from '../enrich/account-names.js';
import type { Finding } from '../finding/finding.js';
import { parsedDocumentsOf, type ParsedDocument } from '../finding/parse.js';
import { previewAs } from '../pipeline/render-finding.js';
import { DEMO_ACCOUNTS } from './demo-config.js';

/** The demo page's preview box: any finding text → the messages it makes, or each reason it is not a finding. */

export interface PreviewError {
  path: string;
  message: string;
}

export interface PreviewMessage {
  slack: SlackMessage;
  text: TextMessage;
  attributes?: Record<string, string>;
  /** The Teams card a teams-workflow destination would post for it (render/renderers.ts's 'teams' format). */
  teams?: AdaptiveCard;
  /** The finding document the message was made from. */
  finding: unknown;
}

export type PreviewResult =
  | { ok: true; messages: PreviewMessage[]; errors?: PreviewError[] }
  | { ok: false; errors: PreviewError[] };

/**
 * What one preview shows at most. A pasted export of thousands of findings (or a megabyte of `{}` lines) would
 * otherwise render every one and answer tens of MB; the rest is counted ("and N more"), not rendered.
 */
export const MAX_PREVIEW_MESSAGES = 100;
export const MAX_PREVIEW_ERRORS = 100;

/** Documents parsed between two turns of the event loop (the demo's page and streams stay served meanwhile). */
const DOCUMENTS_PER_TURN = 2_000;

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Parse errors of a hostile paste are counted by the hundred thousand; their stack traces are never shown and cost
 * ~7 µs each, 2–3 s of a blocked event loop for one megabyte. Parsing runs without them (synchronously, restored
 * before anything else runs).
 */
function withoutStackTraces<T>(run: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Pure but for `now`: the same enrich → render as the pipeline (static account names only, no AWS).
 *
 * @example
 * const preview = createDemoPreview({ accounts: { '123456789012': 'prod-payments' } });
 * const result = await preview(pastedText);
 */
export function createDemoPreview(options: { accounts?: Record<string, string>; now?: () => number } = {}) {
  const accountNames = createAccountNameResolver({ names: options.accounts ?? DEMO_ACCOUNTS });
  const now = options.now ?? Date.now;
  return async function preview(text: string): Promise<PreviewResult> {
    if (text.trim() === '') return { ok: false, errors: [{ path: '$', message: 'empty input: paste a finding (JSON)' }] };
    const shown: Finding[] = [];
    const errors: PreviewError[] = [];
    let moreFindings = 0;
    let moreErrors = 0;
    const documents = parsedDocumentsOf(Buffer.from(text, 'utf8'));
    for (let n = 1; ; n++) {
      const step: IteratorResult<ParsedDocument> = withoutStackTraces(() => documents.next());
      if (step.done) break;
      for (const finding of step.value.findings) {
        if (shown.length < MAX_PREVIEW_MESSAGES) shown.push(finding);
        else moreFindings += 1;
      }
      for (const e of step.value.errors) {
        if (errors.length >= MAX_PREVIEW_ERRORS) {
          moreErrors += 1;
          continue;
        }
        // FindingParseError's message starts with its path; the page shows the path on its own.
        errors.push({ path: e.path, message: e.message.startsWith(`${e.path}: `) ? e.message.slice(e.path.length + 2) : e.message });
      }
      if (n % DOCUMENTS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (moreErrors > 0) errors.push({ path: '$', message: `and ${count(moreErrors)} more errors` });
    if (shown.length === 0) {
      return { ok: false, errors: errors.length > 0 ? errors : [{ path: '$', message: 'no finding in the input' }] };
    }
    const at = now();
    const messages: PreviewMessage[] = [];
    for (const finding of shown) {
      // A finding that cannot be rendered in full shows the plain fallback, and says so.
      const { payload, error } = await previewAs(finding, 'full', { accountNames, now: at });
      const rendered = payload as MessageInEveryFormat;
      if (error !== undefined) {
        errors.push({ path: '$', message: `finding ${finding.id} could not be shown in full (${error.stage}: ${error.message}); showing the plain fallback` });
      }
      messages.push({ slack: rendered.slack, text: rendered.text, attributes: rendered.attributes, teams: rendered.teams, finding: finding.raw });
    }
    if (moreFindings > 0) {
      errors.push({ path: '$', message: `and ${count(moreFindings)} more findings (the preview shows the first ${MAX_PREVIEW_MESSAGES})` });
    }
    return errors.length > 0 ? { ok: true, messages, errors } : { ok: true, messages };
  };
}
