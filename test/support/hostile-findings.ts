/**
 * Findings made of hostile strings (mention and link syntax, Markdown and mrkdwn formatting, template functions, emoji,
 * lone surrogates, bidi controls, huge lengths) from a seeded generator, so any failure reproduces. Shared by the
 * Slack/SNS and the Teams property tests.
 */
import type { Finding } from '../../src/finding/finding.js';
import { makeFinding } from './make-finding.js';

export const PIECES = [
  '<', '>', '&', '*', '_', '~', '`', '|', ':', '@', '#', '!', '^', '\n', ' ', '  ', 'a', 'Z', '0', '.', '/', '-',
  '<!channel>', '<!here>', '<!everyone>', '<@U024BE7LH>', '<#C024BE7LR|general>', '<!subteam^SAZ94GDB8>',
  '<https://evil.example|click>', '<mailto:a@b.example|mail>', 'http://', 'https://evil.example/x?a=1&b=2',
  'evil.example', 'user@mail.example', 'www.example.org', '198.51.100.1', '&amp;', '&lt;', '&gt;', '&#60;',
  ':rotating_light:', ':white_check_mark:', ':fire:', '@here', '@channel', '#general', '> quote', '```', '*bold*',
  '_it_', '~s~', '`x`', '😀', '👨\u200D👩\u200D👧', '🇺🇸', '\uD83D', '\uDE00', '\u202E', '\u2066', '\u200B', '\u200F',
  '\uFEFF', '\u00AD', '\u0000', '\u0007', '\u001B[31m', '\u009F', '\r\n', '\t', 'é', 'e\u0301', '中文', 'ضح',
  '${time}', 'undefined', 'null', '<!date^1392734382^{date}|x>',
];

/** What Teams gives a meaning to besides: Markdown links, lists and headings, template functions, mentions. */
export const TEAMS_PIECES = [
  ...PIECES,
  '[click](https://evil.example)', '{{DATE(2017-02-14T06:08:39Z,SHORT)}}', '{{', '<at>Alice</at>', '1. ', '- ', '# ', '**b**',
  'www.evil.com', '//evil.com', 'mailto:x@evil.com',
];

export function randomString(next: () => number, maxPieces: number, pieces: readonly string[] = PIECES): string {
  const count = Math.floor(next() * maxPieces);
  let out = '';
  for (let i = 0; i < count; i += 1) out += pieces[Math.floor(next() * pieces.length)]!;
  return out;
}

/** Mostly short hostile strings, sometimes (with `huge`) enormous ones. */
export function hostileString(next: () => number, huge = true, pieces: readonly string[] = PIECES): string {
  const roll = next();
  if (huge && roll < 0.05) return randomString(next, 3000, pieces); // tens of KB
  if (roll < 0.1) return '';
  return randomString(next, 12, pieces);
}

/**
 * A finding of hostile strings. `huge` adds 10,000-char titles, 100 KB descriptions, 500 tags and tens-of-KB values
 * now and then (the single-message test); digests get ordinary sizes, or generating them would dominate the run.
 */
export function randomFinding(next: () => number, huge = true, pieces: readonly string[] = PIECES): Finding {
  const severityRoll = next();
  const tagCount = huge && next() < 0.1 ? 500 : Math.floor(next() * 4);
  const hostile = (n: () => number): string => hostileString(n, huge, pieces);
  return makeFinding({
    id: hostile(next),
    type: hostile(next),
    title: huge && next() < 0.05 ? 'T'.repeat(10_000) : hostile(next),
    description: huge && next() < 0.05 ? '&<>*_~`'.repeat(15_000) : hostile(next),
    severity: severityRoll < 0.15 ? null : Math.round(severityRoll * 100) / 10,
    accountId: next() < 0.2 ? undefined : hostile(next),
    region: next() < 0.2 ? undefined : hostile(next),
    firstSeen: next() < 0.5 ? '2024-05-01T11:00:00.000Z' : hostile(next),
    lastSeen: next() < 0.5 ? undefined : hostile(next),
    updatedAt: next() < 0.5 ? '2024-05-01T12:00:00Z' : hostile(next),
    count: Math.floor(next() * 100_000),
    sample: next() < 0.3,
    archived: next() < 0.1,
    format: next() < 0.2 ? 'asff' : 'eventbridge',
    product: next() < 0.9 ? 'GuardDuty' : hostile(next),
    resource: {
      type: hostile(next),
      summary: hostile(next),
      details: Array.from({ length: Math.floor(next() * 12) }, () => [hostile(next), hostile(next)] as const),
      // Keys stay short: V8 hashes every property key, and 500 keys of tens of KB would only test V8.
      tags: Object.fromEntries(Array.from({ length: tagCount }, (_, i) => [`${randomString(next, 3)}${i}`, hostile(next)])),
    },
    action: {
      type: hostile(next),
      direction: hostile(next),
      protocol: hostile(next),
      remoteIp: hostile(next),
      remotePort: next() < 0.5 ? Math.floor(next() * 65536) : undefined,
      localPort: next() < 0.3 ? 22 : undefined,
      country: hostile(next),
      city: hostile(next),
      organization: hostile(next),
      asn: hostile(next),
      domain: hostile(next),
      apiName: hostile(next),
      serviceName: hostile(next),
      userAgent: hostile(next),
      blocked: next() < 0.2,
    },
  });
}

