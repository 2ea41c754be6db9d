/**
 * One message for a burst of findings (one press of "Generate sample findings" makes hundreds): counts by band, by
 * type and by account, the worst findings one per line, and "…and N more (…)" so that every finding is accounted for.
 *
 * However many items come in (1 or 5,000), the message stays within Slack's limits: the list is cut by a count (`top`,
 * at most MAX_TOP) and by a text budget, and the rest is counted, not listed.
 */
import { UNKNOWN_BAND } from '../finding/finding.js';
import type { Block, MessageInEveryFormat, SectionBlock, SlackMessage, TextMessage } from '../core/message.js';
import { NOTIFICATION_TEXT_MAX, SECTION_TEXT_MAX } from './limits.js';
import { inlineCode, mrkdwnLink, safeUrl, sanitizeText, truncate } from './mrkdwn.js';
import { formatCount, formatSeverity, formatWhen, plural, severityLabel, severityParts } from './format.js';
import { accountParts, displayTitle } from './finding-facts.js';
import { mrkdwn, partsToMrkdwn, plain } from './slack-blocks.js';
import { setAttribute } from './render-message.js';
import { inertForSlackBridges, snsSubject } from './text-message.js';
import type { DigestContext, DigestItem } from './render-context.js';
import {
  ACCOUNTS_SHOWN,
  BAND_ORDER,
  bandSummary,
  digestFacts,
  latestActivity,
  moreLine,
  partTag,
  TYPES_SHOWN,
  type DigestFacts,
} from './digest-facts.js';
import { teamsDigestCard } from './teams-digest.js';
import { digestActionsBlock } from './interactive-actions.js';

export type { DigestContext, DigestItem } from './render-context.js';
export { bandSummary, DEFAULT_DIGEST_TOP, MAX_DIGEST_TOP } from './digest-facts.js';

/** Characters of finding lines in one digest, so the message stays well under MESSAGE_BLOCKS_TEXT_BUDGET. */
const LIST_TEXT_BUDGET = 6000;
const LINK_URL_MAX = 500;
const LINE_TITLE_MAX = 90;
const LINE_ACCOUNT_MAX = 80;
const LINE_TYPE_MAX = 70;
const TEXT_TITLE_MAX = 200;
const TEXT_URL_MAX = 2000;

// ---- Slack -----------------------------------------------------------------------------------------------------

function findingLine(item: DigestItem): string {
  const finding = item.finding;
  // The score when there is one (`*8.0*`), else the band a source gave without a number (`*High*`).
  const shown = severityParts(finding);
  const severity = shown === undefined ? 'Unknown' : `*${shown.score ?? shown.band}*`;
  const title = mrkdwnLink(item.consoleUrl, displayTitle(finding), { urlMax: LINK_URL_MAX, labelMax: LINE_TITLE_MAX });
  const parts = [
    `${finding.band.emoji} ${severity} ${title}`,
    partsToMrkdwn(accountParts(item.accountName, finding.accountId), ' ', LINE_ACCOUNT_MAX),
    inlineCode(finding.type, LINE_TYPE_MAX),
    finding.count > 1 ? `×${formatCount(finding.count)}` : '',
    finding.sample ? 'sample' : '',
  ];
  return parts.filter((part) => part !== '').join(' · ');
}

/** The worst findings, one line each, packed into sections of at most SECTION_TEXT_MAX; returns how many were listed. */
function listSections(facts: DigestFacts): { sections: SectionBlock[]; listed: number } {
  const texts: string[] = [];
  let current = '';
  let used = 0;
  let listed = 0;
  for (const item of facts.ranked.slice(0, facts.top)) {
    const line = findingLine(item);
    if (used + line.length + 1 > LIST_TEXT_BUDGET) break;
    if (current !== '' && current.length + 1 + line.length > SECTION_TEXT_MAX) {
      texts.push(current);
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
    used += line.length + 1;
    listed += 1;
  }
  if (current !== '') texts.push(current);
  return { sections: texts.map((text) => ({ type: 'section', text: mrkdwn(text) })), listed };
}

function bandLine(facts: DigestFacts): string {
  const bands = BAND_ORDER.filter((band) => (facts.bands.get(band.name) ?? 0) > 0).map(
    (band) => `${band.emoji} *${band.name}* ${formatCount(facts.bands.get(band.name) ?? 0)}`,
  );
  const notes: string[] = [];
  if (facts.samples > 0) notes.push(`:test_tube: ${plural(facts.samples, 'sample finding')}`);
  if (facts.archived > 0) notes.push(`:file_cabinet: ${formatCount(facts.archived)} archived`);
  return [bands.join(' · '), notes.join(' · ')].filter((part) => part !== '').join('\n');
}

function typesField(facts: DigestFacts): string {
  const lines = facts.types
    .slice(0, TYPES_SHOWN)
    .map(([type, count]) => `${formatCount(count)} × ${inlineCode(type, 80) || 'Unknown type'}`);
  const others = facts.types.slice(TYPES_SHOWN);
  if (others.length > 0) {
    const findings = others.reduce((sum, [, count]) => sum + count, 0);
    lines.push(`…and ${plural(others.length, 'more type')} (${plural(findings, 'finding')})`);
  }
  return ['*Top types*', ...lines].join('\n');
}

function accountsField(facts: DigestFacts): string {
  const lines = facts.accounts.slice(0, ACCOUNTS_SHOWN).map(([id, count]) => {
    const account = partsToMrkdwn(accountParts(facts.accountNames.get(id), id === '' ? undefined : id), ' ', 120);
    return `${formatCount(count)} × ${account === '' ? 'Unknown account' : account}`;
  });
  const others = facts.accounts.slice(ACCOUNTS_SHOWN);
  if (others.length > 0) {
    const findings = others.reduce((sum, [, count]) => sum + count, 0);
    lines.push(`…and ${plural(others.length, 'more account')} (${plural(findings, 'finding')})`);
  }
  return ['*Top accounts*', ...lines].join('\n');
}

function digestText(facts: DigestFacts): string {
  const summary = bandSummary(facts.bands);
  return truncate(
    `[Digest${partTag(facts)}] ${plural(facts.total, 'finding')}${summary === '' ? '' : `: ${summary}`}`,
    NOTIFICATION_TEXT_MAX,
  );
}

/** A digest as a Slack message: band counts, top types and accounts, the worst findings linked, the rest counted. */
export function digestSlack(facts: DigestFacts, now: number, interact: DigestContext['interact']): SlackMessage {
  const text = digestText(facts);
  const part = facts.part === undefined ? '' : ` · Digest ${facts.part.index}/${facts.part.of}`;
  const header: Block = { type: 'header', text: plain(`:rotating_light: ${plural(facts.total, facts.noun)}${part}`) };
  const body: Block[] = [];
  if (facts.total === 0) {
    body.push({ type: 'section', text: mrkdwn('No findings in this digest.') });
  } else {
    body.push({ type: 'section', text: mrkdwn(bandLine(facts)) });
    body.push({ type: 'section', fields: [mrkdwn(typesField(facts)), mrkdwn(accountsField(facts))] });
    const { sections, listed } = listSections(facts);
    if (sections.length > 0) body.push({ type: 'divider' }, ...sections);
    const rest = facts.ranked.slice(listed);
    if (rest.length > 0) body.push({ type: 'context', elements: [mrkdwn(moreLine(rest))] });
    const footer = [plural(facts.accounts.length, 'account'), plural(facts.regions, 'region')];
    const latest = latestActivity(facts.ranked);
    const when = latest === undefined ? undefined : formatWhen(new Date(latest).toISOString(), now);
    if (when !== undefined) footer.push(`latest activity ${when}`);
    body.push({ type: 'context', elements: [mrkdwn(footer.join(' · '))] });
    // Mute type for the types listed under "Top types" (interactive-actions.ts).
    const actions = interact === undefined ? undefined : digestActionsBlock(facts.types.slice(0, TYPES_SHOWN).map(([type]) => type), interact);
    if (actions !== undefined) body.push(actions);
  }
  const worst = facts.ranked[0]?.finding.band ?? UNKNOWN_BAND;
  return {
    text,
    blocks: [header],
    attachments: [{ color: worst.color, blocks: body, fallback: text }],
    unfurl_links: false,
    unfurl_media: false,
  };
}

// ---- text ------------------------------------------------------------------------------------------------------

function plainLine(text: string, max: number): string {
  return truncate(sanitizeText(text.length > max + 1 ? text.slice(0, max + 1) : text, { singleLine: true }), max);
}

function accountText(name: string | undefined, id: string | undefined): string {
  const cleanName = name === undefined ? '' : plainLine(name, 60);
  const cleanId = id === undefined ? '' : plainLine(id, 40);
  if (cleanName !== '' && cleanId !== '' && cleanName !== cleanId) return `${cleanName} (${cleanId})`;
  return cleanName || cleanId || 'unknown account';
}

/** A digest as e-mail/SNS text. */
export function digestTextMessage(facts: DigestFacts, destination: string | undefined): TextMessage {
  const summary = bandSummary(facts.bands);
  const subject = snsSubject(`[Digest${partTag(facts)}] ${plural(facts.total, facts.noun)}${summary === '' ? '' : `: ${summary}`}`);
  const lines: string[] = [
    `${plural(facts.total, facts.noun)}${facts.part === undefined ? '' : ` (digest ${facts.part.index} of ${facts.part.of})`}`,
  ];
  if (summary !== '') lines.push(`By severity: ${summary}`);
  if (facts.samples > 0) lines.push(`Sample findings: ${formatCount(facts.samples)}`);
  if (facts.archived > 0) lines.push(`Archived: ${formatCount(facts.archived)}`);
  if (facts.total > 0) {
    lines.push('', 'Top types:');
    for (const [type, count] of facts.types.slice(0, TYPES_SHOWN)) {
      lines.push(`  ${formatCount(count).padStart(6)}  ${plainLine(type, 120) || 'Unknown type'}`);
    }
    if (facts.types.length > TYPES_SHOWN) lines.push(`  and ${plural(facts.types.length - TYPES_SHOWN, 'more type')}`);
    lines.push('', 'Top accounts:');
    for (const [id, count] of facts.accounts.slice(0, ACCOUNTS_SHOWN)) {
      lines.push(`  ${formatCount(count).padStart(6)}  ${accountText(facts.accountNames.get(id), id === '' ? undefined : id)}`);
    }
    if (facts.accounts.length > ACCOUNTS_SHOWN) lines.push(`  and ${plural(facts.accounts.length - ACCOUNTS_SHOWN, 'more account')}`);
    const listed = facts.ranked.slice(0, facts.top);
    if (listed.length > 0) lines.push('', 'Worst findings:');
    for (const { finding, accountName, consoleUrl } of listed) {
      lines.push(`  [${severityLabel(finding)}] ${plainLine(displayTitle(finding), TEXT_TITLE_MAX)}`);
      const where = [accountText(accountName, finding.accountId), plainLine(finding.region ?? '', 30), plainLine(finding.type, 120)];
      if (finding.count > 1) where.push(`seen ${formatCount(finding.count)} times`);
      if (finding.sample) where.push('sample');
      lines.push(`      ${where.filter((part) => part !== '').join(' - ')}`);
      const url = safeUrl(consoleUrl, TEXT_URL_MAX);
      if (url !== undefined) lines.push(`      ${url}`);
    }
    const rest = facts.ranked.slice(listed.length);
    if (rest.length > 0) lines.push(moreLine(rest));
  }
  const to = destination === undefined ? '' : plainLine(destination, 100);
  if (to !== '') lines.push('', `Sent to ${to} by guardduty-notifier.`);
  return { subject, body: inertForSlackBridges(lines.join('\n')) };
}

// ---- public ----------------------------------------------------------------------------------------------------

/** SNS attributes of a digest: kind, count, and the worst finding's band and severity. */
export function digestAttributes(facts: DigestFacts): Record<string, string> {
  const attributes: Record<string, string> = { kind: 'digest', count: String(facts.total) };
  const worst = facts.ranked[0]?.finding;
  setAttribute(attributes, 'band', worst?.band.name ?? UNKNOWN_BAND.name);
  if (worst !== undefined) setAttribute(attributes, 'severity', formatSeverity(worst.severity));
  return attributes;
}

/**
 * One digest message for a burst of findings, in every medium (the pipeline renders only its destination's format,
 * through render/renderers.ts).
 *
 * @example
 * renderDigestMessage(items, { now, top: 10, part: { index: 1, of: 3 } });
 * // slack.text: "[Digest 1/3] 42 findings: 2 Critical, 10 High, 20 Medium, 10 Low"
 */
export function renderDigestMessage(items: DigestItem[], ctx: DigestContext): MessageInEveryFormat {
  const facts = digestFacts(items, ctx);
  return {
    slack: digestSlack(facts, ctx.now, ctx.interact),
    text: digestTextMessage(facts, ctx.destination),
    attributes: digestAttributes(facts),
    teams: teamsDigestCard(facts, ctx),
  };
}
