/**
 * Teams cards: every fixture, every third-party corpus document (../shared/corpus, 2026/, 2026b/) and hostile findings
 * from a seeded generator render to cards Microsoft's `adaptivecards` parses without an event at 1.5, under Teams'
 * 28,000 bytes, with no Markdown structure, template function, mention or foreign URL coming from finding text.
 */
import { describe, expect, it } from 'vitest';
import type { AdaptiveCard, Container, FactSet, RichTextBlock, Table } from '../../src/core/adaptive-card.js';
import type { Finding } from '../../src/finding/finding.js';
import { parseFindingText } from '../../src/finding/parse.js';
import { prepareFinding } from '../../src/render/finding-facts.js';
import { digestFacts } from '../../src/render/digest-facts.js';
import type { DigestItem, RenderContext } from '../../src/render/render-context.js';
import { renderDigestAs, renderFallbackAs, renderFindingAs, renderRespondAs } from '../../src/render/renderers.js';
import { teamsCardOf } from '../../src/render/teams-card.js';
import { teamsDigestCard } from '../../src/render/teams-digest.js';
import { factValue, postBytes, TEAMS_CARD_BUDGET_BYTES } from '../../src/render/teams-text.js';
import { withRespondLines } from '../../src/render/respond-lines.js';
import { cardProblems, cardTexts, markdownFindings } from '../support/adaptive-card-check.js';
import {
  corpus2026bDir,
  corpus2026Dir,
  corpusDir,
  listCorpus,
  listCorpus2026,
  listCorpus2026b,
  listFixtures,
  loadCorpusText,
  loadFixtureText,
} from '../support/finding-fixtures.js';
import { hostileString, randomFinding, TEAMS_PIECES } from '../support/hostile-findings.js';
import { makeFinding, NOW } from '../support/make-finding.js';
import { seededRandom } from '../support/seeded-random.js';

const CONSOLE_URL = 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=x';
const RUNBOOK_URL = 'https://wiki.example.com/runbooks/guardduty';
const OURS = [CONSOLE_URL, RUNBOOK_URL];

const cardOf = (finding: Finding, ctx: Partial<RenderContext> = {}): AdaptiveCard =>
  teamsCardOf(prepareFinding(finding, { now: NOW, consoleUrl: CONSOLE_URL, runbookUrl: RUNBOOK_URL, ...ctx }));

let biggest = { bytes: 0, where: '' };
function expectGoodCard(card: AdaptiveCard, where: string): void {
  const problems = cardProblems(card, OURS);
  expect(problems, `${where}: ${problems.join(" | ").slice(0, 600)}`).toEqual([]);
  const bytes = postBytes(card);
  expect(bytes, where).toBeLessThanOrEqual(TEAMS_CARD_BUDGET_BYTES);
  if (bytes > biggest.bytes) biggest = { bytes, where };
}

function findingsOf(text: string, where: string): Finding[] {
  void where;
  const { findings } = parseFindingText(text);
  return findings;
}

describe('Teams card of one finding', () => {
  const finding = makeFinding({ title: 'SSH brute force from 198.51.100.7', severity: 8, count: 42 });

  it('lays out the band container, title, facts, description and console/runbook buttons', () => {
    const card = cardOf(finding, { accountName: 'prod-payments' });
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', msteams: { width: 'Full' } });
    const head = card.body[0] as Container;
    expect(head).toMatchObject({ type: 'Container', style: 'attention', bleed: true });
    const title = head.items[0] as RichTextBlock;
    expect(title.inlines.map((r) => r.text).join('')).toBe('🟠 SSH brute force from 198.51.100.7');
    const facts = head.items.find((i) => i.type === 'FactSet') as FactSet;
    expect(facts.facts.map((f) => f.title)).toEqual(expect.arrayContaining(['Severity', 'Account', 'Region', 'Type', 'Resource', 'Count', 'First seen', 'Last seen']));
    expect(facts.facts[0]).toEqual({ title: 'Severity', value: 'High 8.0' });
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open in GuardDuty', url: CONSOLE_URL },
      { type: 'Action.OpenUrl', title: 'Runbook', url: RUNBOOK_URL },
    ]);
    expectGoodCard(card, 'one finding');
  });

  it.each([
    [2, 'accent'],
    [5, 'warning'],
    [9.5, 'attention'],
    [null, 'default'],
  ] as const)('styles severity %s as %s', (severity, style) => {
    expect((cardOf(makeFinding({ severity })).body[0] as Container).style).toBe(style);
  });

  it.each([
    ['escalated', 'Escalated from Medium: '],
    ['reminder', 'Still active: '],
    ['repeat', 'Seen again: '],
  ] as const)('says %s in the title line', (kind, words) => {
    const title = (cardOf(finding, { kind, previousBand: 'Medium' }).body[0] as Container).items[0] as RichTextBlock;
    expect(title.inlines.map((r) => r.text).join('')).toBe(`🟠 ${words}SSH brute force from 198.51.100.7`);
  });

  it('puts finding text in TextRuns and escapes it in facts: no link, emphasis, list, heading, date or mention', () => {
    const hostile = '[click](https://evil.example) **bold** _it_ {{DATE(2017-02-14T06:08:39Z,SHORT)}} <at>Alice</at>';
    const card = cardOf(
      makeFinding({
        title: `# ${hostile}`,
        description: `- ${hostile}\n1. list\n> quote`,
        resource: { type: 'Instance', summary: hostile, details: [['Name', hostile]], tags: { '*team*': hostile } },
        action: { domain: 'www.evil.com', userAgent: `Mozilla https://evil.example/x ${hostile}` },
      }),
    );
    expectGoodCard(card, 'hostile');
    const texts = cardTexts(card);
    // The title and description are runs, word for word except for the broken template.
    expect(texts.runs.map((r) => r.text)).toContain(`# ${hostile.replace('{{', '{\u200B{')}`);
    // Without the escaping, the same values would be a link, emphasis and a list item.
    expect(markdownFindings(hostile)).toEqual(expect.arrayContaining(['link_open', 'strong_open', 'em_open']));
    expect(markdownFindings(factValue(hostile, 500))).toEqual([]);
    expect(markdownFindings('www.evil.com')).toContain('link_open');
    expect(markdownFindings(factValue('www.evil.com', 500))).toEqual([]);
    expect(JSON.stringify(card)).not.toContain('entities');
  });

  it('keeps a finding with a 100 KB description, 500 tags and a 10,000-character title within the budget, saying what it left out', () => {
    const huge = makeFinding({
      title: 'T'.repeat(10_000),
      description: '界'.repeat(100_000),
      resource: { type: 'Instance', summary: 'i-1', details: Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'.repeat(5_000)] as const), tags: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`tag${i}`, 'x'.repeat(200)])) },
    });
    const card = cardOf(huge);
    expectGoodCard(card, 'huge');
    expect(JSON.stringify(card)).toMatch(/and \d+ more/);
  });

  it('adds respond lines as a Response section, inert', () => {
    const message = withRespondLines(renderFindingAs('teams', finding, { now: NOW }), ['Blocked 198.51.100.7 for 12 h in edge', 'Not blocked: [x](https://evil.example)']);
    const card = (message as { teams: AdaptiveCard }).teams;
    expectGoodCard(card, 'respond lines');
    expect(JSON.stringify(card)).toContain('Response');
  });
});

describe('the teams format holds the card only', () => {
  it('renders findings, digests, fallbacks and respond news as { teams } and nothing else', () => {
    const finding = makeFinding({});
    const rows = [
      renderFindingAs('teams', finding, { now: NOW }),
      renderDigestAs('teams', [{ finding }], { now: NOW }),
      renderFallbackAs('teams', { id: 'abc', type: 'Recon:EC2/Portscan', consoleUrl: CONSOLE_URL }),
      renderRespondAs('teams', { lines: ['Blocked 198.51.100.7'], tone: 'alert' }),
    ];
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['teams']);
      expectGoodCard((row as { teams: AdaptiveCard }).teams, 'format');
    }
  });
});

describe('Teams digest card', () => {
  it('has a Table of the worst first, linked to the console, and counts the rest', () => {
    const items: DigestItem[] = Array.from({ length: 60 }, (_, i) => ({
      finding: makeFinding({ id: `f${i}`, severity: (i % 9) + 1, title: `Finding number ${i}` }),
      consoleUrl: CONSOLE_URL,
    }));
    const card = teamsDigestCard(digestFacts(items, { now: NOW, top: 10 }), { now: NOW });
    expectGoodCard(card, 'digest');
    const table = card.body.find((e) => e.type === 'Table') as Table;
    expect(table.rows).toHaveLength(11); // the header and 10 findings
    expect(JSON.stringify(table.rows[1])).toContain('🔴 9.0'); // the worst first
    expect(JSON.stringify(table.rows[1])).toContain(CONSOLE_URL); // its title opens the console
    expect(JSON.stringify(card)).toContain('…and 50 more (');
    expect((card.body[0] as Container).style).toBe('attention');
  });
});

/** The biggest card each third-party document made (the figure the docs quote). */
const corpusBiggest = { bytes: 0, where: '' };
function expectRendersAsCards(findings: readonly Finding[], where: string, corpus = false): void {
  for (const finding of findings) {
    for (const kind of ['new', 'reminder'] as const) {
      const card = cardOf(finding, { kind, accountName: 'prod' });
      expectGoodCard(card, `${where} ${finding.id} ${kind}`);
      const bytes = postBytes(card);
      if (corpus && bytes > corpusBiggest.bytes) Object.assign(corpusBiggest, { bytes, where: `${where} (${kind})` });
    }
  }
}

describe('every fixture renders as a valid, inert Teams card', () => {
  it.each(listFixtures())('%s', (name) => {
    expectRendersAsCards(findingsOf(loadFixtureText(name), name), name);
  });
});

describe.skipIf(corpusDir === undefined)('the third-party corpus renders as valid, inert Teams cards', () => {
  it('every document, and all of it as one digest', () => {
    const all: DigestItem[] = [];
    const sets: Array<[string | undefined, () => string[]]> = [
      [corpusDir, listCorpus],
      [corpus2026Dir, listCorpus2026],
      [corpus2026bDir, listCorpus2026b],
    ];
    for (const [dir, list] of sets) {
      if (dir === undefined) continue;
      for (const file of list()) {
        const findings = findingsOf(loadCorpusText(file), file);
        expectRendersAsCards(findings, file, true);
        for (const finding of findings) all.push({ finding, consoleUrl: CONSOLE_URL });
      }
    }
    expect(all.length).toBeGreaterThan(10);
    expectGoodCard(teamsDigestCard(digestFacts(all, { now: NOW }), { now: NOW }), 'corpus digest');
    console.info(`teams-card: biggest corpus card ${corpusBiggest.bytes} bytes (${corpusBiggest.where}); biggest of all so far ${biggest.bytes} (${biggest.where})`);
  });
});

describe('hostile findings (fixed seed) render as valid, inert Teams cards', () => {
  it('200 single cards', () => {
    const next = seededRandom(20261208);
    for (let i = 0; i < 200; i++) {
      const finding = randomFinding(next, true, TEAMS_PIECES);
      const card = cardOf(finding, {
        accountName: next() < 0.5 ? hostileString(next, true, TEAMS_PIECES) : undefined,
        consoleLabel: next() < 0.2 ? hostileString(next, true, TEAMS_PIECES) : undefined,
        kind: (['new', 'escalated', 'reminder', 'repeat'] as const)[Math.floor(next() * 4)],
        previousBand: next() < 0.5 ? hostileString(next) : 'Medium',
      });
      expectGoodCard(card, `case ${i}`);
    }
  });

  it('20 digests of up to 300 hostile findings', () => {
    const next = seededRandom(7);
    for (let i = 0; i < 20; i++) {
      const items: DigestItem[] = Array.from({ length: Math.floor(next() * 300) }, () => ({
        finding: randomFinding(next, false, TEAMS_PIECES),
        accountName: next() < 0.5 ? hostileString(next, false, TEAMS_PIECES) : undefined,
        consoleUrl: next() < 0.8 ? CONSOLE_URL : hostileString(next, false, TEAMS_PIECES),
      }));
      expectGoodCard(teamsDigestCard(digestFacts(items, { now: NOW, top: 25 }), { now: NOW }), `digest ${i}`);
    }
  });
});
