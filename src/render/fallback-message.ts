/**
 * The message for a finding that could not be rendered (or decided) in full: one plain sentence naming it, so that a
 * finding no stage could handle still reaches its channel and can be looked up. Built from the fewest possible
 * facts, each read defensively (the finding that got here already made a stage throw), every value inert.
 */
import type { MessageInEveryFormat, SlackMessage, TextMessage } from '../core/message.js';
import { inlineCode, mrkdwnLink, safeUrl, sanitizeText, truncate } from './mrkdwn.js';
import { inertForSlackBridges, snsSubject } from './text-message.js';
import { DEFAULT_CONSOLE_LABEL } from './render-context.js';
import { teamsFallbackCard } from './teams-notices.js';

/** What the fallback says about a finding; every value may be missing. */
export interface FallbackFacts {
  id?: string;
  type?: string;
  accountId?: string;
  accountName?: string;
  consoleUrl?: string;
}

export const FALLBACK_LEAD = 'A finding could not be shown in full';

const VALUE_MAX = 200;
const URL_MAX = 2000;

/** A value the caller got from a finding that already threw once: a non-blank string, else undefined. */
function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function plainValue(value: string | undefined, missing: string): string {
  if (value === undefined) return missing;
  return truncate(sanitizeText(value.slice(0, VALUE_MAX + 1), { singleLine: true }), VALUE_MAX) || missing;
}

/**
 * Reads the facts of a fallback from anything finding-shaped; a getter that throws gives a missing fact.
 */
export function fallbackFactsOf(finding: unknown, extra: { accountName?: string; consoleUrl?: string } = {}): FallbackFacts {
  const read = (key: string): string | undefined => {
    try {
      return str((finding as Record<string, unknown> | null | undefined)?.[key]);
    } catch {
      return undefined;
    }
  };
  return { id: read('id'), type: read('type'), accountId: read('accountId'), accountName: str(extra.accountName), consoleUrl: str(extra.consoleUrl) };
}

function accountOf(facts: FallbackFacts): string | undefined {
  return facts.accountName === undefined ? facts.accountId : `${facts.accountName} (${facts.accountId ?? 'unknown'})`;
}

/** The fallback as one inert mrkdwn section; the notification text is the same mrkdwn. */
export function fallbackSlack(facts: FallbackFacts): SlackMessage {
  const account = accountOf(facts);
  const code = (value: string | undefined, missing: string) => (value === undefined ? missing : inlineCode(value, VALUE_MAX) || missing);
  const consoleLink = mrkdwnLink(facts.consoleUrl, 'open it in the console', { urlMax: URL_MAX, labelMax: 75 });
  const mrkdwnText =
    `${FALLBACK_LEAD}: ${code(facts.id, 'unknown id')}, ${code(facts.type, 'unknown type')}, ` +
    `account ${code(account, 'unknown')} — ${consoleLink}`;
  return {
    text: mrkdwnText,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: mrkdwnText, verbatim: true } }],
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** The fallback's plain sentence (shared by the text and Teams renderings): sanitised, cut, not escaped. */
export function fallbackSentence(facts: FallbackFacts): { sentence: string; id: string } {
  const id = plainValue(facts.id, 'unknown id');
  const type = plainValue(facts.type, 'unknown type');
  const accountText = plainValue(accountOf(facts), 'unknown');
  return { sentence: `${FALLBACK_LEAD}: ${id}, ${type}, account ${accountText} — open it in the console`, id };
}

/** The fallback as e-mail/SNS text. */
export function fallbackText(facts: FallbackFacts): TextMessage {
  const { sentence, id } = fallbackSentence(facts);
  const consoleUrl = safeUrl(facts.consoleUrl, URL_MAX);
  const body = [sentence, ...(consoleUrl === undefined ? [] : ['', `${DEFAULT_CONSOLE_LABEL}: ${consoleUrl}`])].join('\n');
  return { subject: snsSubject(`GuardDuty finding ${id} (could not be shown in full)`), body: inertForSlackBridges(body) };
}

export const FALLBACK_ATTRIBUTES: Readonly<Record<string, string>> = { kind: 'fallback' };

/**
 * "A finding could not be shown in full: `id`, `type`, account `123456789012` — open it in the console", for every
 * medium. Never throws.
 *
 * @example
 * renderFallbackMessage({ id: '9ec5…', type: 'Recon:EC2/PortProbeUnprotectedPort', accountId: '123456789012' })
 */
export function renderFallbackMessage(facts: FallbackFacts): MessageInEveryFormat {
  return { slack: fallbackSlack(facts), text: fallbackText(facts), attributes: { ...FALLBACK_ATTRIBUTES }, teams: teamsFallbackCard(facts) };
}
