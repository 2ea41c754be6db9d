import type { MessageInEveryFormat, PayloadFormat, RenderedMessage } from '../core/message.js';
import type { AccountNameResolver } from '../enrich/account-names.js';
import { consoleUrlFor, type ConsoleLink } from '../enrich/console-url.js';
import type { Finding } from '../finding/finding.js';
import type { RenderContext } from '../render/render-context.js';
import { renderFindingMessage } from '../render/render-message.js';
import { renderFindingAs } from '../render/renderers.js';
import { prepareFinding } from '../render/finding-facts.js';
import { slackMessageOf } from '../render/slack-blocks.js';
import { textMessageOf } from '../render/text-message.js';
import { teamsCardOf } from '../render/teams-card.js';
import { fallbackFactsOf, renderFallbackMessage } from '../render/fallback-message.js';

/**
 * The enrich → render step for one finding, written once: the pipeline's render step, the `render` command and the
 * demo's preview all go through it, so a preview shows exactly what the pipeline would send.
 */

/** A finding with what enrich found for it. */
export interface EnrichedFinding {
  finding: Finding;
  /** From the config's `accounts:` map or AWS Organizations. */
  accountName: string | undefined;
  /** GuardDuty or Security Hub console deep link. */
  console: ConsoleLink | undefined;
}

/** Enrich: the account's name (the resolver never throws) and the console link. */
export async function enrichFinding(finding: Finding, accountNames: AccountNameResolver): Promise<EnrichedFinding> {
  return { finding, accountName: await accountNames.nameOf(finding.accountId, finding.accountName), console: consoleUrlFor(finding) };
}

/** What a render needs besides what enrich found: the time, and for a decided message its kind, runbook, destination. */
export type RenderOptions = Omit<RenderContext, 'accountName' | 'consoleUrl' | 'consoleLabel'>;

/** Enrich's results and the render options as the render context. */
function contextOf(enriched: EnrichedFinding, options: RenderOptions): RenderContext {
  return { ...options, accountName: enriched.accountName, consoleUrl: enriched.console?.url, consoleLabel: enriched.console?.label };
}

/** Render an enriched finding in its destination's payload format: what the pipeline stores in the outbox row. */
export function renderEnriched(enriched: EnrichedFinding, format: PayloadFormat, options: RenderOptions): RenderedMessage {
  return renderFindingAs(format, enriched.finding, contextOf(enriched, options));
}

/** Render an enriched finding in every format (the demo's preview, `render --format full`). */
export function renderEnrichedInEveryFormat(enriched: EnrichedFinding, options: RenderOptions): MessageInEveryFormat {
  return renderFindingMessage(enriched.finding, contextOf(enriched, options));
}

/**
 * A finding as its first message would look (kind `new`, no destination): the `render` command and the demo's preview.
 *
 * @example
 * const names = createAccountNameResolver({ names: config.accounts });
 * const message = await renderForPreview(finding, { accountNames: names, now: Date.now() });
 */
export async function renderForPreview(finding: Finding, options: { accountNames: AccountNameResolver; now: number }): Promise<MessageInEveryFormat> {
  return renderEnrichedInEveryFormat(await enrichFinding(finding, options.accountNames), { now: options.now });
}

/** What `render --format` prints: the Slack payload, the SNS/e-mail text, the Teams card, or all with the SNS attributes. */
export type PreviewFormat = 'slack' | 'text' | 'teams' | 'full';

/**
 * renderForPreview computing only what `format` prints (the Slack payload needs no SNS text), and never throwing: a
 * finding that cannot be rendered gives the plain fallback message, and the error says why.
 *
 * @example
 * const { payload, error } = await previewAs(finding, 'slack', { accountNames, now });
 */
export async function previewAs(
  finding: Finding,
  format: PreviewFormat,
  options: { accountNames: AccountNameResolver; now: number },
): Promise<{ payload: unknown; error?: { stage: 'enrich' | 'render'; message: string } }> {
  let enriched: EnrichedFinding;
  try {
    enriched = await enrichFinding(finding, options.accountNames);
  } catch (error) {
    return fallbackPayload(finding, format, undefined, 'enrich', error);
  }
  try {
    const ctx: RenderContext = {
      now: options.now,
      accountName: enriched.accountName,
      consoleUrl: enriched.console?.url,
      consoleLabel: enriched.console?.label,
    };
    if (format === 'full') return { payload: renderFindingMessage(finding, ctx) };
    const prepared = prepareFinding(finding, ctx);
    return { payload: format === 'slack' ? slackMessageOf(prepared) : format === 'teams' ? teamsCardOf(prepared) : textMessageOf(prepared) };
  } catch (error) {
    return fallbackPayload(finding, format, enriched, 'render', error);
  }
}

function fallbackPayload(
  finding: Finding,
  format: PreviewFormat,
  enriched: EnrichedFinding | undefined,
  stage: 'enrich' | 'render',
  error: unknown,
): { payload: unknown; error: { stage: 'enrich' | 'render'; message: string } } {
  const message = renderFallbackMessage(fallbackFactsOf(finding, { accountName: enriched?.accountName, consoleUrl: enriched?.console?.url }));
  return {
    payload: format === 'full' ? message : message[format],
    error: { stage, message: error instanceof Error ? error.message : String(error) },
  };
}
