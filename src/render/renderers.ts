/**
 * One renderer per payload format. The neutral facts are computed once (finding-facts.ts, digest-facts.ts); each
 * format turns them into what its destinations post, and an outbox row holds only that: a Slack row no e-mail text, an
 * SNS row no Block Kit.
 *
 * Adding a destination kind: a format here (a row of RENDERERS), a row in deliver/create-sink.ts DESTINATION_TYPES (the config
 * type → this format, its default rate, its sink factory), and the config schema's entry.
 */
import type { Finding } from '../finding/finding.js';
import type { PayloadFormat, RenderedMessage } from '../core/message.js';
import { prepareFinding, type PreparedFinding } from './finding-facts.js';
import { digestFacts, type DigestFacts } from './digest-facts.js';
import { digestAttributes, digestSlack, digestTextMessage } from './digest.js';
import { FALLBACK_ATTRIBUTES, fallbackSlack, fallbackText, type FallbackFacts } from './fallback-message.js';
import { findingAttributes, threadOfFinding } from './render-message.js';
import { respondAttributes, respondSlack, respondText, type RespondMessageInput } from './respond-lines.js';
import { slackMessageOf } from './slack-blocks.js';
import { textMessageOf } from './text-message.js';
import { teamsCardOf } from './teams-card.js';
import { teamsDigestCard } from './teams-digest.js';
import { teamsFallbackCard, teamsRespondCard } from './teams-notices.js';
import { pagerDutyDigestTrigger, pagerDutyFallbackTrigger, pagerDutyTrigger } from './pagerduty-event.js';
import type { DigestContext, DigestItem, RenderContext } from './render-context.js';

/** How one payload format renders each kind of message the pipeline sends. Pure; throws only on a renderer bug. */
export interface FormatRenderer {
  /** One finding (new, escalated, reminder, repeat). */
  finding(prepared: PreparedFinding): RenderedMessage;
  /** A burst of findings as one message. */
  digest(facts: DigestFacts, ctx: DigestContext): RenderedMessage;
  /** A finding no renderer could show in full: one plain sentence naming it. */
  fallback(facts: FallbackFacts): RenderedMessage;
  /** respond's news in a message of its own. */
  respond(input: RespondMessageInput): RenderedMessage;
}

const slack: FormatRenderer = {
  finding: (prepared) => {
    const threadOf = threadOfFinding(prepared.finding);
    return threadOf === undefined ? { slack: slackMessageOf(prepared) } : { slack: slackMessageOf(prepared), threadOf };
  },
  digest: (facts, ctx) => ({ slack: digestSlack(facts, ctx.now, ctx.interact) }),
  fallback: (facts) => ({ slack: fallbackSlack(facts) }),
  respond: (input) => ({ slack: respondSlack(input) }),
};

const text: FormatRenderer = {
  finding: (prepared) => ({ text: textMessageOf(prepared), attributes: findingAttributes(prepared.finding, prepared.ctx) }),
  digest: (facts, ctx) => ({ text: digestTextMessage(facts, ctx.destination), attributes: digestAttributes(facts) }),
  fallback: (facts) => ({ text: fallbackText(facts), attributes: { ...FALLBACK_ATTRIBUTES } }),
  respond: (input) => ({ text: respondText(input), attributes: respondAttributes(input) }),
};

/** stdout and file write one JSON line with the text and the Slack message (deliver/json-lines.ts). */
const lines: FormatRenderer = {
  finding: (prepared) => ({ text: textMessageOf(prepared), slack: slackMessageOf(prepared) }),
  digest: (facts, ctx) => ({ text: digestTextMessage(facts, ctx.destination), slack: digestSlack(facts, ctx.now, ctx.interact) }),
  fallback: (facts) => ({ text: fallbackText(facts), slack: fallbackSlack(facts) }),
  respond: (input) => ({ text: respondText(input), slack: respondSlack(input) }),
};

/**
 * PagerDuty Events API v2 triggers (pagerduty-event.ts). A fallback without a finding id, and respond's news, have no
 * alert to key: those rows hold the text only, and the pagerduty sink refuses them with that reason.
 */
const pagerduty: FormatRenderer = {
  finding: ({ finding, ctx }) => ({
    pagerduty: pagerDutyTrigger(finding, {
      ...(ctx.accountName === undefined ? {} : { accountName: ctx.accountName }),
      ...(ctx.consoleUrl === undefined ? {} : { consoleUrl: ctx.consoleUrl }),
      ...(ctx.consoleLabel === undefined ? {} : { consoleLabel: ctx.consoleLabel }),
      ...(ctx.runbookUrl === undefined ? {} : { runbookUrl: ctx.runbookUrl }),
      ...(ctx.pagerDutySeverities === undefined ? {} : { severities: ctx.pagerDutySeverities }),
    }),
  }),
  digest: (facts, ctx) => ({
    pagerduty: pagerDutyDigestTrigger(
      ctx.id ?? '',
      facts.items.map((item) => (item.accountName === undefined ? { finding: item.finding } : { finding: item.finding, accountName: item.accountName })),
      { top: facts.top, ...(ctx.pagerDutySeverities === undefined ? {} : { severities: ctx.pagerDutySeverities }) },
    ),
  }),
  fallback: (facts) => {
    const event = pagerDutyFallbackTrigger(facts);
    return event === undefined ? text.fallback(facts) : { pagerduty: event };
  },
  respond: (input) => text.respond(input),
};

/** Microsoft Teams Adaptive Cards (teams-card.ts, teams-digest.ts, teams-notices.ts). */
const teams: FormatRenderer = {
  finding: (prepared) => ({ teams: teamsCardOf(prepared) }),
  digest: (facts, ctx) => ({ teams: teamsDigestCard(facts, ctx) }),
  fallback: (facts) => ({ teams: teamsFallbackCard(facts) }),
  respond: (input) => ({ teams: teamsRespondCard(input) }),
};

export const RENDERERS = { slack, text, lines, pagerduty, teams } as const satisfies Record<PayloadFormat, FormatRenderer>;

/**
 * One finding in one format: what the pipeline stores for a destination of that format.
 *
 * @example
 * const row = renderFindingAs('slack', finding, { now, accountName, consoleUrl, kind: 'new' }); // { slack }
 */
export function renderFindingAs(format: PayloadFormat, finding: Finding, ctx: RenderContext): RenderedMessage {
  return RENDERERS[format].finding(prepareFinding(finding, ctx));
}

/** A digest in one format. */
export function renderDigestAs(format: PayloadFormat, items: readonly DigestItem[], ctx: DigestContext): RenderedMessage {
  return RENDERERS[format].digest(digestFacts(items, ctx), ctx);
}

/** The fallback of a finding in one format. Never throws. */
export function renderFallbackAs(format: PayloadFormat, facts: FallbackFacts): RenderedMessage {
  return RENDERERS[format].fallback(facts);
}

/** respond's news in a message of its own, in one format. */
export function renderRespondAs(format: PayloadFormat, input: RespondMessageInput): RenderedMessage {
  return RENDERERS[format].respond(input);
}
