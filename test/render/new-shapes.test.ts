/**
 * Messages for the 2026 shapes: a band without an invented number, the attack sequence section, the footer facts
 * (feature, status, custom rule, sequence), scan results and "could not scan" notices, and the thread hint of a
 * sequence's signal.
 */
import { describe, expect, it } from 'vitest';
import { bandOf, SEVERITY_BANDS } from '../../src/finding/finding.js';
import type { Finding } from '../../src/finding/finding.js';
import { parseFindingDocument } from '../../src/finding/parse.js';
import type { ContextBlock, SectionBlock, SlackMessage } from '../../src/core/message.js';
import { renderFindingMessage } from '../../src/render/render-message.js';
import { renderDigestMessage } from '../../src/render/digest.js';
import { checkSlackLimits, SEQUENCE_TEXT_MAX } from '../../src/render/limits.js';
import { severityLabel } from '../../src/render/format.js';
import { makeFinding, NOW } from '../support/make-finding.js';
import { loadFixture } from '../support/finding-fixtures.js';
import { messageProblems } from './inert.js';

function parsed(fixture: string, index = 0): Finding {
  const finding = parseFindingDocument(loadFixture(fixture)).findings[index];
  if (finding === undefined) throw new Error(`${fixture} #${index}`);
  return finding;
}

function blocks(message: SlackMessage) {
  return message.attachments![0]!.blocks;
}

function field(message: SlackMessage, label: string): string | undefined {
  const facts = blocks(message)[0] as SectionBlock;
  return facts.fields!.find((f) => f.text.startsWith(`*${label}*\n`))?.text.slice(label.length + 3);
}

function footer(message: SlackMessage): string[] {
  const context = blocks(message).find((b): b is ContextBlock => b.type === 'context')!;
  return context.elements.map((e) => e.text);
}

function sequenceSection(message: SlackMessage): string | undefined {
  const section = blocks(message).find((b): b is SectionBlock => b.type === 'section' && b.text?.text.startsWith('*Attack sequence*') === true);
  return section?.text?.text;
}

describe('a band with no number', () => {
  it.each<[string, Partial<Finding>, string, string]>([
    ['a GuardDuty number', { severity: 8 }, '*High* 8.0', 'High 8.0'],
    ['an OCSF High', { severity: null, band: SEVERITY_BANDS[1] }, '*High*', 'High'],
    ['an OCSF Informational', { severity: null, band: SEVERITY_BANDS[3], sourceSeverity: 'Informational' }, '*Low* (Informational)', 'Low (Informational)'],
    ['an OCSF Fatal', { severity: null, band: SEVERITY_BANDS[0], sourceSeverity: 'Fatal' }, '*Critical* (Fatal)', 'Critical (Fatal)'],
    ['no severity at all', { severity: null, band: bandOf(null) }, 'Unknown', 'Unknown'],
  ])('shows %s without inventing one', (_name, overrides, slack, text) => {
    const finding = makeFinding(overrides);
    const message = renderFindingMessage(finding, { now: NOW });
    expect(field(message.slack, 'Severity')).toBe(slack);
    expect(severityLabel(finding)).toBe(text);
    expect(message.slack.text.startsWith(`[${text}] `)).toBe(true);
    expect(message.text.body).toContain(`Severity:    ${text}`);
  });

  it('lists a band-only finding in a digest by its band', () => {
    const digest = renderDigestMessage([{ finding: parsed('securityhub-v2-event-guardduty-ocsf') }, { finding: parsed('eventbridge-camel-instance-network') }], { now: NOW });
    const text = JSON.stringify(digest.slack);
    expect(text).toContain(':large_orange_circle: *High*');
    expect(text).toContain(':large_orange_circle: *8.0*');
    expect(digest.text.body).toContain('[High] ');
  });
});

describe('attack sequences', () => {
  const sequence = parsed('array-attack-sequence-and-member', 0);
  const member = parsed('array-attack-sequence-and-member', 1);

  it('shows the counts, the description, the worst signals and the endpoints', () => {
    const message = renderFindingMessage(sequence, { now: NOW });
    const section = sequenceSection(message.slack)!;
    expect(section.split('\n')[0]).toBe('*Attack sequence* · 7 signals · 2 actors · 3 resources · 12 endpoints');
    expect(section).toContain('Potential data compromise of one or more S3 buckets indicated by a sequence of actions.');
    expect(section).toContain('Tactics: Defense Evasion, Discovery, Collection, Exfiltration, Impact');
    expect(section).toContain('• `Impact:S3/AnomalousBehavior.Delete` · severity 8.0 · first 2026-03-07 03:00 UTC');
    expect(section).toContain('• `GetObject` ×1,820');
    expect(section).toContain('…and 2 more signals');
    expect(section).toMatch(/Endpoints: `198\.51\.100\.100` .* and 2 more$/);
    expect(message.text.body).toContain('Attack sequence: 7 signals · 2 actors · 3 resources · 12 endpoints');
    expect(message.text.body).toContain('  - Discovery:S3/MaliciousIPCaller x14 · severity 5.0');
    expect(checkSlackLimits(message.slack)).toEqual([]);
  });

  it('keeps hostile signal and endpoint names inert and the section within its budget', () => {
    const hostile = makeFinding({
      attackSequence: {
        description: '<!channel> *urgent* '.repeat(100),
        signalCount: 100,
        actorCount: 400,
        resourceCount: 400,
        endpointCount: 400,
        signals: Array.from({ length: 5 }, (_, i) => ({ name: `<@U${i}> \`x\` <https://evil.example|y>`.repeat(20), count: 10 ** i, firstSeen: '<!here>' })),
        endpoints: Array.from({ length: 10 }, () => '<!everyone>'.repeat(30)),
        tactics: ['<#C123>', '*b*'],
      },
    });
    const message = renderFindingMessage(hostile, { now: NOW });
    expect(checkSlackLimits(message.slack)).toEqual([]);
    expect(messageProblems(message.slack)).toEqual([]);
    expect(sequenceSection(message.slack)!.length).toBeLessThanOrEqual(SEQUENCE_TEXT_MAX);
  });

  it('names the sequence a signal is part of, and hints its thread', () => {
    const message = renderFindingMessage(member, { now: NOW });
    expect(footer(message.slack)).toContain('Part of attack sequence `5c6d7e8f90a1b2c3d4e5f60718293a4b`');
    expect(footer(message.slack)).toContain('Custom rule `finance-buckets-from-hosting-asns`');
    expect(message.threadOf).toBe('5c6d7e8f90a1b2c3d4e5f60718293a4b');
    expect(message.text.body).toContain('Sequence:    5c6d7e8f90a1b2c3d4e5f60718293a4b');
    expect(renderFindingMessage(sequence, { now: NOW }).threadOf).toBeUndefined();
  });
});

describe('the footer', () => {
  it('says where an OCSF finding came from, its feature and its status when it is not new', () => {
    const resolved = renderFindingMessage(parsed('ocsf-bare-guardduty-api-ipv6-resolved'), { now: NOW });
    expect(footer(resolved.slack)).toEqual(expect.arrayContaining(['GuardDuty via Security Hub (OCSF)', 'Feature CloudTrail', 'Status Resolved', ':file_cabinet: archived']));
    const fresh = renderFindingMessage(parsed('securityhub-v2-event-guardduty-ocsf'), { now: NOW });
    expect(footer(fresh.slack).some((e) => e.startsWith('Status'))).toBe(false);
    expect(fresh.text.body).toContain('Product:     GuardDuty via Security Hub (OCSF)');
  });
});

describe('scan results', () => {
  it('shows a scan hit at High with the object, version and threat', () => {
    const message = renderFindingMessage(parsed('eventbridge-malware-scan-threats-found'), { now: NOW });
    expect(field(message.slack, 'Severity')).toBe('*High*');
    expect(field(message.slack, 'Type')).toBe('`MalwareProtection:S3Object/ThreatsFound`');
    expect(field(message.slack, 'Resource')).toBe('S3Object `customer-uploads-example/invoices/2026/03/invoice-4471.pdf.exe`');
    const details = JSON.stringify(blocks(message.slack));
    expect(details).toContain('Malware: `EICAR-Test-File (not a virus)`');
    expect(details).toContain('Version: `3HL4kqtJvjVBH40Nrjfkd`');
    expect(footer(message.slack)).toContain('GuardDuty Malware Protection for S3');
  });

  it('shows a could-not-scan notice at Low, saying why', () => {
    const message = renderFindingMessage(parsed('eventbridge-malware-scan-access-denied'), { now: NOW });
    expect(field(message.slack, 'Severity')).toBe('*Low*');
    expect(message.slack.text).toContain('S3 object could not be scanned: access denied');
    expect(message.text.body).toContain("GuardDuty can't access this object for scanning.");
  });
});
