/**
 * Finding content shown on a terminal (`status`, `replay --dry-run`, parse errors) is attacker-controlled: an escape
 * sequence in a finding type or title could rewrite the screen, hide lines or retitle the window. Control characters
 * (C0, DEL, C1) and bidi controls are shown as visible `\xNN` / `\u{NNNN}` escapes instead.
 */
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export function safeForTerminal(text: string): string {
  return text.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
