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
