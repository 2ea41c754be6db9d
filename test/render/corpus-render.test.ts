/**
 * Real findings, end to end through parse and render: every third-party document in ../shared/corpus (see its README:
 * "every file in this folder must parse and render") and every fixture in test/fixtures/findings renders within
 * Slack's and SNS's limits, inert, with its title, band, account, region and type visible.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/finding/finding.js';
import { parseFindingText } from '../../src/finding/parse.js';
import { renderFindingMessage } from '../../src/render/render-message.js';
import { renderDigestMessage } from '../../src/render/digest.js';
import { checkSlackLimits, SNS_MESSAGE_MAX_BYTES, SNS_SUBJECT_MAX } from '../../src/render/limits.js';
import { escapeMrkdwnEntities, plainText, sanitizeText } from '../../src/render/mrkdwn.js';
import { displayTitle } from '../../src/render/finding-facts.js';
import type { HeaderBlock, SectionBlock, SlackMessage } from '../../src/core/message.js';
import {
  corpus2026bDir,
  corpus2026Dir,
  corpusDir,
  listCorpus,
  listCorpus2026,
  listCorpus2026b,
  listFixtures,
  loadCorpus2026bExpectations,
  loadCorpusText,
  loadFixtureText,
} from '../support/finding-fixtures.js';
import { NOW } from '../support/make-finding.js';
import { validateSlackMessage } from '../support/slack-standin.js';
import { messageProblems } from './inert.js';

const CONSOLE_URL = 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=x';
/** Words that only appear when a renderer printed a missing or non-string value. */
const LEAKED_VALUE = /\bundefined\b|\[object Object\]|\bNaN\b|Invalid Date/;

function field(message: SlackMessage, label: string): string {
  const facts = message.attachments![0]!.blocks[0] as SectionBlock;
  const found = facts.fields!.find((f) => f.text.startsWith(`*${label}*\n`));
  return found === undefined ? '' : found.text.slice(label.length + 3);
}

/** How a finding value appears inside a code span: sanitised, one line, backticks replaced, entities escaped. */
function asCode(value: string): string {
  return escapeMrkdwnEntities(sanitizeText(value, { singleLine: true }).replace(/`/g, '\u02CB'));
}

function expectRendersWell(finding: Finding, where: string): void {
  const message = renderFindingMessage(finding, { now: NOW, consoleUrl: CONSOLE_URL, kind: 'new' });
  const { slack, text } = message;
  expect(checkSlackLimits(slack), where).toEqual([]);
  expect(validateSlackMessage(slack as unknown as Record<string, unknown>), where).toBeUndefined();
  expect(messageProblems(slack, [CONSOLE_URL]), where).toEqual([]);
  expect(JSON.stringify(slack), where).not.toMatch(LEAKED_VALUE);
  expect(text.body, where).not.toMatch(LEAKED_VALUE);

  // Title and band: the header is the band emoji and the title.
  const header = (slack.blocks![0] as HeaderBlock).text.text;
  expect(header.startsWith(`${finding.band.emoji} `), where).toBe(true);
  const title = plainText(displayTitle(finding), 60).replace(/…$/, '');
  expect(header, where).toContain(title);
  const severity = field(slack, 'Severity');
  // OCSF findings and scan results carry a band but no 0–10 number: the band alone is shown, none is invented.
  const word = finding.sourceSeverity === undefined ? '' : ` (${finding.sourceSeverity})`;
  expect(severity, where).toBe(
    finding.band.name === 'Unknown'
      ? 'Unknown'
      : finding.severity === null
        ? `*${finding.band.name}*${word}`
        : `*${finding.band.name}* ${finding.severity.toFixed(1)}`,
  );
  // Account, region and type, each in its field.
  if (finding.accountId !== undefined && finding.accountId.trim() !== '') {
    expect(field(slack, 'Account'), where).toContain(`\`${asCode(finding.accountId)}\``);
  }
  if (finding.region !== undefined && finding.region.trim() !== '') {
    expect(field(slack, 'Region'), where).toBe(`\`${asCode(finding.region)}\``);
  }
  if (finding.type.trim() !== '') expect(field(slack, 'Type'), where).toBe(`\`${asCode(finding.type)}\``);
  expect(field(slack, 'Resource'), where).not.toBe('');

  expect(text.subject, where).toMatch(/^[\x21-\x7E][\x20-\x7E]*$/);
  expect(text.subject.length, where).toBeLessThanOrEqual(SNS_SUBJECT_MAX);
  expect(Buffer.byteLength(text.body, 'utf8'), where).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
  expect(message.attributes.band, where).toBe(finding.band.name);
}

if (corpusDir === undefined) {
  console.warn(
    `corpus-render: no third-party corpus at ${path.resolve(process.cwd(), '../shared/corpus')}; ` +
      'its tests are skipped. Put the corpus beside the repository (../shared/corpus) to run them.',
  );
}

describe.skipIf(corpusDir === undefined)('third-party corpus (../shared/corpus)', () => {
  const files = listCorpus();

  it('has documents to render', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((file) => [path.basename(file), file]))('renders every finding of %s within limits', (_name, file) => {
    const { findings, errors } = parseFindingText(loadCorpusText(file));
    expect(findings.length + errors.length, 'a document must give findings or say why not').toBeGreaterThan(0);
    findings.forEach((finding, index) => expectRendersWell(finding, `${path.basename(file)} #${index}`));
  });

  it('renders the whole corpus as one digest within limits', () => {
    const items = files.flatMap((file) => parseFindingText(loadCorpusText(file)).findings).map((finding) => ({ finding }));
    const { slack } = renderDigestMessage(items, { now: NOW });
    expect(checkSlackLimits(slack)).toEqual([]);
    expect(messageProblems(slack)).toEqual([]);
    expect(slack.text).toMatch(new RegExp(`^\\[Digest\\] ${items.length} findings`));
  });
});

if (corpusDir !== undefined && corpus2026Dir === undefined) {
  console.warn('corpus-render: no ../shared/corpus/2026 folder; the tests of the 2026 shapes on third-party documents are skipped.');
}

describe.skipIf(corpus2026Dir === undefined)('third-party corpus of the 2026 shapes (../shared/corpus/2026)', () => {
  const files = listCorpus2026();

  it.each(files.map((file) => [path.basename(file), file]))('renders every finding of %s within limits', (_name, file) => {
    const { findings, errors } = parseFindingText(loadCorpusText(file));
    expect(errors).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
    findings.forEach((finding, index) => expectRendersWell(finding, `${path.basename(file)} #${index}`));
  });
});

if (corpusDir !== undefined && corpus2026bDir === undefined) {
  console.warn('corpus-render: no ../shared/corpus/2026b folder; the tests of Custom Action and coverage events on third-party documents are skipped.');
}

/** Every string of a Slack payload (text objects, fallbacks), one per line: what a reader can see. */
function visibleText(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) visibleText(item, out);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) visibleText(item, out);
  return out;
}

const SEVERITY_WORD = /^(informational|low|medium|high|critical)$/i;

describe.skipIf(corpus2026bDir === undefined)('third-party corpus of Custom Action and coverage events (../shared/corpus/2026b)', () => {
  const files = listCorpus2026b();
  const expectations = loadCorpus2026bExpectations();

  it.each(files.map((file) => [path.basename(file), file]))('renders every finding of %s within limits', (_name, file) => {
    const { findings, errors } = parseFindingText(loadCorpusText(file));
    expect(errors).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
    findings.forEach((finding, index) => expectRendersWell(finding, `${path.basename(file)} #${index}`));
  });

  it.each([...expectations.entries()])('shows a reader what expect.json lists for %s', (name, expected) => {
    const { findings } = parseFindingText(loadCorpusText(path.join(corpus2026bDir!, name)));
    const payloads = findings.map((finding) => renderFindingMessage(finding, { now: NOW, kind: 'new' }).slack);
    expect([expected.findings, ...(expected.acceptFindings ?? [])]).toContain(payloads.length);
    const seen = payloads.flatMap((payload) => visibleText(payload)).join('\n');
    for (const fact of expected.facts) {
      if (SEVERITY_WORD.test(fact)) expect(seen.toLowerCase(), name).toContain(fact.toLowerCase());
      else expect(seen, name).toContain(escapeMrkdwnEntities(fact));
    }
  });
});

describe('test fixtures (test/fixtures/findings)', () => {
  const fixtures = listFixtures();

  it.each(fixtures)('renders every finding of %s within limits', (name) => {
    const { findings } = parseFindingText(loadFixtureText(name));
    expect(findings.length).toBeGreaterThan(0);
    findings.forEach((finding, index) => expectRendersWell(finding, `${name} #${index}`));
  });
});
