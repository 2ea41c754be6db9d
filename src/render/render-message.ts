/**
 * One finding in every medium at once, and the SNS message attributes for subscription filter policies.
 */
import type { Finding } from '../finding/finding.js';
import type { MessageInEveryFormat } from '../core/message.js';
import { formatSeverity } from './format.js';
import { sanitizeText, truncate } from './mrkdwn.js';
import type { RenderContext } from './render-context.js';

export type { RenderContext } from './render-context.js';
import { prepareFinding } from './finding-facts.js';
import { slackMessageOf } from './slack-blocks.js';
import { textMessageOf } from './text-message.js';
import { teamsCardOf } from './teams-card.js';

/** SNS attribute values are strings of any length; ours are short words, so anything longer is cut, not trusted. */
const ATTRIBUTE_VALUE_MAX = 256;

/** Adds `value` under `key` when it is not blank (SNS refuses empty String attribute values). */
export function setAttribute(attributes: Record<string, string>, key: string, value: string | undefined): void {
  if (value === undefined) return;
  const clean = truncate(sanitizeText(value, { singleLine: true }), ATTRIBUTE_VALUE_MAX);
  if (clean !== '') attributes[key] = clean;
}

/** `{ severity, band, type, account, region, kind }`; keys whose value is unknown are left out. */
export function findingAttributes(finding: Finding, ctx: RenderContext): Record<string, string> {
  const attributes: Record<string, string> = {};
  setAttribute(attributes, 'severity', formatSeverity(finding.severity));
  setAttribute(attributes, 'band', finding.band.name);
  setAttribute(attributes, 'type', finding.type);
  setAttribute(attributes, 'account', finding.accountId);
  setAttribute(attributes, 'region', finding.region);
  setAttribute(attributes, 'kind', ctx.kind ?? 'new');
  return attributes;
}

/** The thread a finding's Slack message joins: a signal of an attack sequence belongs in the sequence's thread. */
export function threadOfFinding(finding: Finding): string | undefined {
  const sequenceId = finding.attackSequenceId;
  return sequenceId !== undefined && sequenceId !== finding.id ? sequenceId : undefined;
}

/**
 * One finding in every medium: `render --format full`, the demo, tests. The pipeline renders only its destination's
 * format (render/renderers.ts).
 *
 * @example
 * const message = renderFindingMessage(finding, { now, accountName, consoleUrl, kind: 'escalated', previousBand: 'Medium' });
 * // message.slack → a Slack sink, message.text → SNS/e-mail, message.attributes → SNS MessageAttributes
 */
export function renderFindingMessage(finding: Finding, ctx: RenderContext): MessageInEveryFormat {
  const prepared = prepareFinding(finding, ctx);
  const message: MessageInEveryFormat = {
    slack: slackMessageOf(prepared),
    text: textMessageOf(prepared),
    attributes: findingAttributes(finding, ctx),
    teams: teamsCardOf(prepared),
  };
  const threadOf = threadOfFinding(finding);
  if (threadOf !== undefined) message.threadOf = threadOf;
  return message;
}
