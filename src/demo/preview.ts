import type { SlackMessage, TextMessage } from '../core/message.js';
import { createAccountNameResolver } from '../enrich/account-names.js';
import { parseFindingText } from '../finding/parse.js';
import { renderForPreview } from '../pipeline/render-finding.js';
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
  /** The finding document the message was made from. */
  finding: unknown;
}

export type PreviewResult =
  | { ok: true; messages: PreviewMessage[]; errors?: PreviewError[] }
  | { ok: false; errors: PreviewError[] };

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
    const parsed = parseFindingText(text);
    const errors = parsed.errors.map((e) => ({
      path: e.path,
      // FindingParseError's message starts with its path; the page shows the path on its own.
      message: e.message.startsWith(`${e.path}: `) ? e.message.slice(e.path.length + 2) : e.message,
    }));
    if (parsed.findings.length === 0) {
      return { ok: false, errors: errors.length > 0 ? errors : [{ path: '$', message: 'no finding in the input' }] };
    }
    const at = now();
    const messages = await Promise.all(
      parsed.findings.map(async (finding) => {
        const rendered = await renderForPreview(finding, { accountNames, now: at });
        return { slack: rendered.slack, text: rendered.text, attributes: rendered.attributes, finding: finding.raw };
      }),
    );
    return errors.length > 0 ? { ok: true, messages, errors } : { ok: true, messages };
  };
}
