/**
 * Making finding text inert in Slack, and cutting it to size.
 *
 * Every string in a finding is attacker-influenced (DNS names, user agents, S3 keys, tag values). In Slack's mrkdwn it
 * must never become a mention (`<!channel>`, `<@U…>`, `<#C…>`, `<!subteam^…>`), a link (`<https://x|y>`, or a bare
 * `evil.example` that Slack auto-links), formatting (`*bold*`, `_italic_`, `~strike~`, `` `code` ``, a leading `>`
 * quote), or an emoji. The approach, in layers:
 *
 * 1. **Sanitise** (all media): drop C0/C1 control characters; show bidi controls (U+202A–U+202E, U+2066–U+2069, LRM,
 *    RLM, ALM) and invisible characters (zero-width space/joiners, word joiner, BOM, soft hyphen) as a visible U+FFFD
 *    "�" so that an RTL trick can neither reorder what people read nor hide that it was there; replace lone
 *    surrogates (invalid UTF-16) with U+FFFD.
 * 2. **Escape** `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;` everywhere in mrkdwn, code spans included (Slack parses
 *    `<…>` inside backticks too). This alone kills every mention and link syntax.
 *    https://docs.slack.dev/messaging/formatting-message-text#escaping
 * 3. **`verbatim: true`** on every mrkdwn text object we make, so Slack's preprocessing does not turn URLs into links,
 *    channel names into channel links or mention-looking words into mentions.
 *    https://docs.slack.dev/reference/block-kit/composition-objects/text-object
 * 4. **Code spans for risky tokens.** Identifiers (IPs, domains, ARNs, ids, types) always go in inline code; in prose
 *    (title, description) any whitespace-separated token that could be formatted or linked — it holds `*` `_` `~` or a
 *    backtick, looks like a domain or URL, is an `:emoji:` shortcode, or starts with `>` `@` `#` — becomes a code
 *    span. Inside a code span Slack applies no formatting and no emoji, and the value stays copyable as is (an analyst
 *    pastes IOCs into other tools, so we neither "defang" them nor insert invisible characters). Backticks inside a
 *    value are replaced with U+02CB "ˋ", the only change a reader could notice.
 *
 * Link labels (`<url|label>`) cannot hold code spans, so there formatting characters and `|` become look-alikes
 * (∗ ˍ ∼ ˋ ¦), and plain_text (header, buttons), which Slack does not parse at all, only gets emoji shortcodes broken.
 */

const ELLIPSIS = '…';

// ---- sanitising ------------------------------------------------------------------------------------------------

/** Everything sanitizeText changes, in one pass; tested first so that clean text (the usual case) is not copied. */
const UNSAFE_CHARS =
  /\r\n?|[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\t]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/**
 * A plain character class (much faster than UNSAFE_CHARS with its look-arounds) that matches whenever UNSAFE_CHARS
 * might: it over-matches every surrogate, so text with emoji takes the slow path, which is rare in findings.
 */
const UNSAFE_CHARS_TEST =
  /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uD800-\uDFFF]/;
const LINE_BREAKS = /[ \t]*\n\s*/g;

function replaceUnsafeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\t') return ' ';
  if (ch[0] === '\r' || ch === '\u2028' || ch === '\u2029') return '\n';
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return '';
  return '\uFFFD';
}

/**
 * Finding text made safe to show in any medium: no control characters, bidi controls and invisible characters shown
 * as "�", newlines normalised to `\n` (or folded into one space with `singleLine`), trimmed.
 */
export function sanitizeText(text: string, options: { singleLine?: boolean } = {}): string {
  let out = UNSAFE_CHARS_TEST.test(text) ? text.replace(UNSAFE_CHARS, replaceUnsafeChar) : text;
  if (options.singleLine && out.includes('\n')) out = out.replace(LINE_BREAKS, ' ');
  return out.trim();
}

// ---- mrkdwn escaping -------------------------------------------------------------------------------------------

const ENTITY_CHARS = /[&<>]/g;
const ENTITY_TEST = /[&<>]/;
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Slack's three control characters as HTML entities, and nothing else ("You shouldn't HTML entity-encode the entire text"). */
export function escapeMrkdwnEntities(text: string): string {
  return ENTITY_TEST.test(text) ? text.replace(ENTITY_CHARS, (ch) => ENTITIES[ch] ?? ch) : text;
}

/** `:name:` emoji shortcodes (Slack's names are lower-case letters, digits, `_`, `+`, `-`, `'`). */
const SHORTCODE = /:[a-z0-9_+'-]+:/i;
/** Something Slack would auto-link: a scheme (`https://`, `ftp://`), or a dotted name ending in letters (`evil.example`, `user@host.example`). */
const LINKABLE = /:\/\/|[a-z0-9-]\.[a-z]{2,}/i;
/**
 * Does anything in this text need a code span? The whole-string test for the fast path: the same answer as
 * `/[*_~\`]|(?:^|\s)[>@#]|SHORTCODE|LINKABLE/im`, asked as four simple questions, each only when the character it
 * needs is there (`includes` is far cheaper than trying five alternatives at every position of a long description).
 */
function riskyAnywhere(text: string): boolean {
  return (
    FORMATTING_CHAR.test(text) ||
    (text.includes('.') && DOTTED_NAME.test(text)) ||
    (text.includes(':') && SHORTCODE_OR_SCHEME.test(text)) ||
    ((text.includes('>') || text.includes('@') || text.includes('#')) && LINE_OR_WORD_START_MARK.test(text))
  );
}
const FORMATTING_CHAR = /[*_~`]/;
const DOTTED_NAME = /[a-z0-9-]\.[a-z]{2}/i;
const SHORTCODE_OR_SCHEME = new RegExp(`${SHORTCODE.source}|:\\/\\/`, 'i');
const LINE_OR_WORD_START_MARK = /(?:^|\s)[>@#]/m;
/** Does this one token need a code span? */
const RISKY_TOKEN = new RegExp(`[*_~\`]|^[>@#]|${SHORTCODE.source}|${LINKABLE.source}`, 'i');
const TOKENS = /\S+/g;
const BACKTICKS = /`/g;
const MODIFIER_GRAVE = '\u02CB'; // ˋ

function codeSpan(value: string): string {
  return `\`${escapeMrkdwnEntities(value.includes('`') ? value.replace(BACKTICKS, MODIFIER_GRAVE) : value)}\``;
}

/** Sentence punctuation after a risky word stays outside its code span: `evil.example`, not `evil.example,`. */
const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

function escapeToken(token: string): string {
  if (!RISKY_TOKEN.test(token)) return escapeMrkdwnEntities(token);
  const tail = TRAILING_PUNCTUATION.exec(token)?.[0] ?? '';
  const word = tail ? token.slice(0, -tail.length) : token;
  // Only split when the word alone is still risky (so `*x*.` keeps its protection) and something is left.
  if (tail && word && RISKY_TOKEN.test(word)) return `${codeSpan(word)}${escapeMrkdwnEntities(tail)}`;
  return codeSpan(token);
}

/**
 * Finding text as inert mrkdwn prose: sanitised, `&<>` escaped, and every token that Slack could format, link or turn
 * into an emoji wrapped in a code span (see the module comment). Line breaks are kept.
 *
 * @example
 * escapeMrkdwn('<!channel> *pwned* see evil.example') // '&lt;!channel&gt; `*pwned*` see `evil.example`'
 */
export function escapeMrkdwn(text: string): string {
  return escapeSanitized(sanitizeText(text));
}

/** escapeMrkdwn for text that has already been through sanitizeText. */
function escapeSanitized(clean: string): string {
  if (!riskyAnywhere(clean)) return escapeMrkdwnEntities(clean);
  return clean.replace(TOKENS, escapeToken);
}

/**
 * A finding value as an inline code span, cut so that the whole span (backticks included) fits `max`.
 * Empty or blank values give '' so that the caller can show its own placeholder (an empty `` `` `` is not a span).
 */
export function inlineCode(value: string, max: number = Number.POSITIVE_INFINITY): string {
  const clean = sanitizeText(preCut(value, max), { singleLine: true });
  if (clean === '') return '';
  const span = codeSpan(clean);
  if (span.length <= max) return span;
  if (max < 3) return '';
  return `\`${truncate(span.slice(1, -1), max - 2)}\``;
}

/** escapeMrkdwn, cut to `max` characters without breaking an entity, a code span or a surrogate pair. */
export function escapeMrkdwnTo(text: string, max: number, options: { singleLine?: boolean } = {}): string {
  return truncate(escapeSanitized(sanitizeText(preCut(text, max), options)), max);
}

// ---- links -----------------------------------------------------------------------------------------------------

const LABEL_CHARS = /[*_~`|]/g;
const LABEL_LOOKALIKES: Readonly<Record<string, string>> = {
  '*': '\u2217', // ∗ asterisk operator
  _: '\u02CD', // ˍ modifier letter low macron
  '~': '\u223C', // ∼ tilde operator
  '`': MODIFIER_GRAVE,
  '|': '\u00A6', // ¦ broken bar: a `|` would end the URL part of <url|label>
};
const SHORTCODE_COLON = /:(?=[a-z0-9_+'-]+:)/gi;

/** Breaks `:name:` emoji shortcodes with a zero-width space after the first colon (used where code spans cannot go). */
function breakShortcodes(text: string): string {
  return text.includes(':') ? text.replace(SHORTCODE_COLON, ':\u200B') : text;
}

/** Finding text as the label of a `<url|label>` link: one line, formatting characters and `|` as look-alikes, escaped. */
export function linkLabel(text: string, max: number = Number.POSITIVE_INFINITY): string {
  const clean = sanitizeText(preCut(text, max), { singleLine: true });
  const inert = breakShortcodes(clean.replace(LABEL_CHARS, (ch) => LABEL_LOOKALIKES[ch] ?? ch));
  return truncate(escapeMrkdwnEntities(inert), max);
}

/**
 * An http(s) URL made only of the characters RFC 3986 allows unencoded (letters, digits, `-._~:/?#[]@!$&'()*+,;=` and
 * `%` escapes). That excludes everything that could end a `<url|label>` link early (`|`, `>`), spaces, and any
 * non-ASCII character (bidi controls, look-alike letters), which a well-formed URL carries percent-encoded anyway.
 * https://www.rfc-editor.org/rfc/rfc3986#section-2
 */
const HTTP_URL = /^https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/i;

/**
 * `url` when it is a plain http(s) URL of at most `max` characters, else undefined. Our URLs come from our own enrich
 * stage and config, but they are built from finding values (region, id), so they are checked rather than trusted,
 * and refused rather than repaired.
 */
export function safeUrl(url: string | undefined, max: number): string | undefined {
  if (url === undefined) return undefined;
  const trimmed = url.trim();
  return trimmed.length <= max && HTTP_URL.test(trimmed) ? trimmed : undefined;
}

/**
 * A mrkdwn link `<url|label>`; the label goes through linkLabel. Without a usable URL the label is shown as escaped
 * prose instead (with code spans: outside a link, a domain in it would be auto-linked).
 */
export function mrkdwnLink(url: string | undefined, label: string, options: { urlMax: number; labelMax: number }): string {
  const safe = safeUrl(url, options.urlMax);
  if (safe === undefined) return escapeMrkdwnTo(label, options.labelMax, { singleLine: true });
  // `&` in the URL is escaped like any other `&` in mrkdwn; Slack unescapes it when it follows the link.
  return `<${escapeMrkdwnEntities(safe)}|${linkLabel(label, options.labelMax)}>`;
}

// ---- plain_text ------------------------------------------------------------------------------------------------

/**
 * Finding text for a plain_text object (header, button). Slack does not parse plain_text for mrkdwn, so nothing is
 * entity-escaped (it would show as `&amp;`), but with `emoji: true` (which our band emoji need) a `:shortcode:` in a
 * title would still become an emoji, so shortcodes are broken. One line, cut to `max`.
 */
export function plainText(text: string, max: number = Number.POSITIVE_INFINITY): string {
  return truncate(breakShortcodes(sanitizeText(preCut(text, max), { singleLine: true })), max);
}

// ---- cutting ---------------------------------------------------------------------------------------------------

/** The longest entity escapeMrkdwnEntities makes (`&amp;`). */
const LONGEST_ENTITY = 5;

/**
 * `text` cut to at most `max` characters (UTF-16 code units), ending in "…" when cut. Never splits a surrogate pair,
 * never cuts inside an `&amp;`/`&lt;`/`&gt;` entity, and never leaves an inline code span open (an unmatched backtick
 * would pair with the next one Slack sees).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 1) return '';
  let cut = max - 1;
  // A high surrogate as the last kept unit would be half a character.
  const last = text.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut -= 1;
  // Inside an entity? `&` within the last few kept characters with no `;` after it.
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && amp > cut - LONGEST_ENTITY && text.indexOf(';', amp) >= cut) cut = amp;
  let kept = text.slice(0, cut);
  if (countBackticks(kept) % 2 === 1) kept = kept.slice(0, kept.lastIndexOf('`'));
  return `${kept.trimEnd()}${ELLIPSIS}`;
}

function countBackticks(text: string): number {
  let count = 0;
  for (let i = text.indexOf('`'); i !== -1; i = text.indexOf('`', i + 1)) count += 1;
  return count;
}

/**
 * A cheap first cut of raw finding text before escaping, so that a 100 KB description costs no more than a short one.
 * It ends in "…" when it cuts (so the reader still sees that something was left out, even if sanitising shortens the
 * rest); escaping only makes text longer, so the final `truncate` after escaping decides the exact length.
 */
function preCut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${ELLIPSIS}`;
}
