/**
 * Numbers and times as people read them in a message. Pure: "now" is always passed in.
 */
import type { Finding } from '../finding/finding.js';
import { sanitizeText, truncate } from './mrkdwn.js';

/** Made on first use: building an Intl formatter loads ICU data (~20 ms), which every CLI command paid at start-up. */
let countFormat: Intl.NumberFormat | undefined;

/** `1,234`; anything that is not a finite number shows as `?` rather than `NaN`. */
export function formatCount(count: number): string {
  if (!Number.isFinite(count)) return '?';
  // Most counts are small: skip Intl (comparatively slow) when there is nothing to group.
  if (Number.isInteger(count) && count > -1000 && count < 1000) return String(count);
  // Whole numbers (every count is one) grouped by hand: the same text as en-US Intl, several times faster.
  if (Number.isSafeInteger(count)) return groupThousands(count);
  countFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  return countFormat.format(count);
}

/** `-1234567` → `-1,234,567`, as en-US writes it. */
function groupThousands(whole: number): string {
  const digits = String(Math.abs(whole));
  const head = digits.length % 3 || 3;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return whole < 0 ? `-${out}` : out;
}

/** `1 finding`, `2 findings`, `1,234 findings`. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${formatCount(count)} ${count === 1 ? noun : pluralNoun}`;
}

/** GuardDuty severities carry one decimal (`8.0`, `5.3`); null stays undefined. */
export function formatSeverity(severity: number | null): string | undefined {
  return severity === null || !Number.isFinite(severity) ? undefined : severity.toFixed(1);
}

/**
 * `High 8.0`; the band alone (`High`) when the source gives a band but no number (OCSF, scan results: none is invented),
 * with the source's own word when it differs (`Low (Informational)`); `Unknown` when neither is usable.
 */
export function severityLabel(finding: Pick<Finding, 'band' | 'severity' | 'sourceSeverity'>): string {
  const parts = severityParts(finding);
  return parts === undefined ? 'Unknown' : [parts.band, parts.score, parts.word === undefined ? undefined : `(${parts.word})`].filter(Boolean).join(' ');
}

/** The pieces of a severity for each medium to style: the band's name, the 0–10 score, the source's own word. */
export function severityParts(
  finding: Pick<Finding, 'band' | 'severity' | 'sourceSeverity'>,
): { band: string; score?: string; word?: string } | undefined {
  if (finding.band.name === 'Unknown') return undefined;
  const score = formatSeverity(finding.severity);
  const word = finding.sourceSeverity === undefined ? '' : truncate(sanitizeText(finding.sourceSeverity, { singleLine: true }), SEVERITY_WORD_MAX);
  return {
    band: finding.band.name,
    ...(score !== undefined && { score }),
    ...(word !== '' && word.toLowerCase() !== finding.band.name.toLowerCase() && { word }),
  };
}

/** OCSF severity words are short (Informational, Fatal, Other's source label); anything longer is cut. */
const SEVERITY_WORD_MAX = 24;

/**
 * ISO 8601 with an explicit zone → epoch ms. The parser normalises finding times to `…Z`; a zone-less string is
 * refused rather than read in the host's local zone (V8's `Date.parse` would), and anything else is not a time.
 */
const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function parseTime(value: string | undefined): number | undefined {
  if (value === undefined || !ZONED_ISO.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `2024-05-01 12:34 UTC` */
export function formatUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** `just now`, `3 min ago`, `5 h ago`, `12 d ago`; times ahead of `now` (clock skew) read `in 3 min`. */
export function formatAgo(ms: number, now: number): string {
  const delta = now - ms;
  const size = Math.abs(delta);
  if (size < MINUTE) return 'just now';
  let amount: string;
  if (size < 90 * MINUTE) amount = `${Math.round(size / MINUTE)} min`;
  else if (size < 36 * HOUR) amount = `${Math.round(size / HOUR)} h`;
  else amount = `${formatCount(Math.round(size / DAY))} d`;
  return delta >= 0 ? `${amount} ago` : `in ${amount}`;
}

/** The longest raw (unparseable) time we show as it came, e.g. an unrendered `${time}` template placeholder. */
const RAW_TIME_MAX = 64;

/**
 * A finding time for people: `2024-05-01 12:34 UTC (3 min ago)`. A value that is not a time is shown as it came
 * (sanitised, cut), never as `Invalid Date` or `NaN`; absent stays undefined.
 */
export function formatWhen(value: string | undefined, now: number): string | undefined {
  if (value === undefined) return undefined;
  const ms = parseTime(value);
  if (ms === undefined) {
    const raw = sanitizeText(value, { singleLine: true });
    return raw === '' ? undefined : truncate(raw, RAW_TIME_MAX);
  }
  // A `…Z` time already spells the UTC date and time: slicing it is much cheaper than Date#toISOString.
  const last = value.charCodeAt(value.length - 1);
  const utc = last === 0x5a || last === 0x7a ? `${value.slice(0, 10)} ${value.slice(11, 16)} UTC` : formatUtc(ms);
  return `${utc} (${formatAgo(ms, now)})`;
}
