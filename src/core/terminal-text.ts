/**
 * Finding content shown on a terminal (`status`, `replay --dry-run`, parse errors, log lines, `render`, the `stdout`
 * destination) is attacker-controlled: an escape sequence in a finding type or title could rewrite the screen, hide
 * lines or retitle the window, a bidi control reorder what the reader sees. One set of characters is never written
 * raw, on every path: C0 controls, DEL, C1 controls (U+0080–U+009F: U+009B is a one-byte CSI, U+0085 a line break),
 * the line and paragraph separators U+2028/U+2029, and the bidi controls (U+202A–U+202E, U+2066–U+2069, ALM U+061C,
 * LRM/RLM U+200E/U+200F).
 *
 * - Text for people: `safeForTerminal` shows them as visible `\xNN` / `\u{NNNN}` escapes.
 * - JSON (log lines, `--json` output, JSON Lines destinations): `jsonForTerminal` writes them as JSON `\uNNNN`
 *   escapes, so the value a program parses back is unchanged. (`JSON.stringify` escapes only C0.)
 */
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]/g;

export function safeForTerminal(text: string): string {
  return text.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** What JSON.stringify leaves raw of the set above (it escapes C0 itself). */
const JSON_RAW = /[\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]/g;
const JSON_RAW_TEST = /[\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]/;

/**
 * JSON text (from JSON.stringify) safe to write to a terminal: the characters above as `\uNNNN` escapes. Outside
 * strings JSON has none of them, so this changes no value, only how it is spelled.
 *
 * @example
 * process.stdout.write(`${jsonForTerminal(JSON.stringify(report, null, 2))}\n`);
 */
export function jsonForTerminal(json: string): string {
  if (!JSON_RAW_TEST.test(json)) return json;
  return json.replace(JSON_RAW, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * jsonForTerminal for JSON already encoded as UTF-8 (the `render` command's output chunks): the same bytes
 * `Buffer.from(jsonForTerminal(text))` would give. The common case (nothing to escape) is found with a few
 * memchr-fast `indexOf`s for the lead bytes of the characters above, instead of a regular expression over every
 * character of a multi-megabyte text; only a chunk that holds one is decoded, escaped and encoded again. UTF-8 lead
 * bytes never occur inside another character's encoding, so a match is always the start of a character.
 */
export function jsonBytesForTerminal(bytes: Buffer): Buffer {
  return hasRawForTerminal(bytes) ? Buffer.from(jsonForTerminal(bytes.toString('utf8'))) : bytes;
}

/**
 * The JSON_RAW characters in UTF-8: U+007F is 7F; U+0080–U+009F are C2 80–9F; U+061C is D8 9C; U+200E–U+200F and
 * U+2028–U+202E are E2 80 8E–8F and E2 80 A8–AE; U+2066–U+2069 are E2 81 A6–A9.
 */
function hasRawForTerminal(bytes: Buffer): boolean {
  if (bytes.indexOf(0x7f) !== -1) return true;
  for (let i = bytes.indexOf(0xc2); i !== -1; i = bytes.indexOf(0xc2, i + 2)) {
    const next = bytes[i + 1] ?? 0;
    if (next >= 0x80 && next <= 0x9f) return true;
  }
  for (let i = bytes.indexOf(0xd8); i !== -1; i = bytes.indexOf(0xd8, i + 2)) {
    if (bytes[i + 1] === 0x9c) return true;
  }
  for (let i = bytes.indexOf(0xe2); i !== -1; i = bytes.indexOf(0xe2, i + 3)) {
    const second = bytes[i + 1];
    const third = bytes[i + 2] ?? 0;
    if (second === 0x80 && (third === 0x8e || third === 0x8f || (third >= 0xa8 && third <= 0xae))) return true;
    if (second === 0x81 && third >= 0xa6 && third <= 0xa9) return true;
  }
  return false;
}

/** Text of several lines, each made terminal-safe (the line breaks between them kept). */
export function safeForTerminalLines(text: string): string {
  return text
    .split('\n')
    .map((line) => safeForTerminal(line))
    .join('\n');
}
