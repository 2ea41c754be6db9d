/**
 * Where JSON text goes wrong, and what was expected there.
 *
 * `JSON.parse` messages differ between Node versions and often give no position at all (Node 20:
 * `Unexpected token '}', "{"a":}" is not valid JSON`), so after `JSON.parse` has failed this scanner walks the text
 * (RFC 8259 grammar, https://www.rfc-editor.org/rfc/rfc8259) to the first error. It only runs on text that failed to
 * parse, so it favours clear messages over speed.
 */

export interface JsonSyntaxError {
  /** 0-based offset into the text. */
  readonly offset: number;
  /** 1-based line and column (column counts UTF-16 code units, as editors mostly do). */
  readonly line: number;
  readonly column: number;
  /** What the grammar allowed at that point, e.g. `',' or '}' after a property value`. */
  readonly expected: string;
  /** What was there instead, e.g. `'2'` or `end of input`. */
  readonly found: string;
  /** The text held one complete JSON value followed by more non-blank text (a JSON Lines candidate). */
  readonly trailingData: boolean;
}

/** A value nested deeper than this is reported instead of recursing further (the scanner must never throw). */
const MAX_DEPTH = 2_000;

class Failure {
  constructor(
    readonly offset: number,
    readonly expected: string,
    readonly trailingData = false,
  ) {}
}

/** The first syntax error in `text`, or undefined when there is none (or it cannot be located). */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let failure: Failure | undefined;
  try {
    const scanner = new Scanner(text);
    scanner.document();
  } catch (error) {
    // Anything but a Failure (a stack overflow on absurd nesting) means we cannot say where; the caller falls back
    // to JSON.parse's own message.
    if (!(error instanceof Failure)) return undefined;
    failure = error;
  }
  if (failure === undefined) return undefined;
  const { line, column } = lineAndColumn(text, failure.offset);
  return {
    offset: failure.offset,
    line,
    column,
    expected: failure.expected,
    found: describeAt(text, failure.offset),
    trailingData: failure.trailingData,
  };
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function describeAt(text: string, offset: number): string {
  if (offset >= text.length) return 'end of input';
  const code = text.charCodeAt(offset);
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const ch = String.fromCodePoint(text.codePointAt(offset) ?? code);
  return ch === "'" ? `"'"` : `'${ch}'`;
}

const VALUE = 'a JSON value (object, array, string, number, true, false or null)';

class Scanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.whitespace();
    this.value(0);
    this.whitespace();
    if (this.pos < this.text.length) throw new Failure(this.pos, 'end of input after the JSON value', true);
  }

  private value(depth: number): void {
    if (depth > MAX_DEPTH) throw new Failure(this.pos, `at most ${MAX_DEPTH} levels of nesting`);
    const ch = this.text.charAt(this.pos);
    switch (ch) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true');
      case 'f':
        return this.literal('false');
      case 'n':
        return this.literal('null');
      default:
        if (ch === '-' || (ch >= '0' && ch <= '9')) return this.number();
        throw new Failure(this.pos, VALUE);
    }
  }

  private object(depth: number): void {
    this.pos++; // {
    this.whitespace();
    if (this.peek() === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      if (this.peek() !== '"') throw new Failure(this.pos, "a property name in double quotes or '}'");
      this.string();
      this.whitespace();
      if (this.peek() !== ':') throw new Failure(this.pos, "':' after the property name");
      this.pos++;
      this.whitespace();
      this.value(depth + 1);
      this.whitespace();
      const next = this.peek();
      if (next === '}') {
        this.pos++;
        return;
      }
      if (next !== ',') throw new Failure(this.pos, "',' or '}' after a property value");
      this.pos++;
      this.whitespace();
      if (this.peek() !== '"') throw new Failure(this.pos, 'a property name in double quotes (no trailing commas in JSON)');
    }
  }

  private array(depth: number): void {
    this.pos++; // [
    this.whitespace();
    if (this.peek() === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.value(depth + 1);
      this.whitespace();
      const next = this.peek();
      if (next === ']') {
        this.pos++;
        return;
      }
      if (next !== ',') throw new Failure(this.pos, "',' or ']' after an array element");
      this.pos++;
      this.whitespace();
      if (this.peek() === ']') throw new Failure(this.pos, `${VALUE} (no trailing commas in JSON)`);
    }
  }

  private string(): void {
    this.pos++; // opening quote
    for (;;) {
      if (this.pos >= this.text.length) throw new Failure(this.pos, "a closing '\"' for the string");
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) {
        this.pos++;
        return;
      }
      if (code < 0x20) throw new Failure(this.pos, 'an escaped control character (\\n, \\t, \\u0000...) inside a string');
      if (code === 0x5c) {
        const escape = this.text.charAt(this.pos + 1);
        if (escape === 'u') {
          for (let i = 2; i < 6; i++) {
            if (!isHexDigit(this.text.charCodeAt(this.pos + i))) throw new Failure(this.pos + i, 'four hex digits after \\u');
          }
          this.pos += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(escape) || escape === '') {
          throw new Failure(this.pos + 1, 'an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX');
        }
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
  }

  private number(): void {
    if (this.peek() === '-') this.pos++;
    if (this.peek() === '0') this.pos++;
    else if (!this.digits()) throw new Failure(this.pos, 'a digit');
    if (this.peek() === '.') {
      this.pos++;
      if (!this.digits()) throw new Failure(this.pos, "a digit after '.'");
    }
    const exponent = this.peek();
    if (exponent === 'e' || exponent === 'E') {
      this.pos++;
      const sign = this.peek();
      if (sign === '+' || sign === '-') this.pos++;
      if (!this.digits()) throw new Failure(this.pos, 'a digit in the exponent');
    }
  }

  private digits(): boolean {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const code = this.text.charCodeAt(this.pos);
      if (code < 48 || code > 57) break;
      this.pos++;
    }
    return this.pos > start;
  }

  private literal(word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.text.charAt(this.pos + i) !== word.charAt(i)) throw new Failure(this.pos + i, `'${word}'`);
    }
    this.pos += word.length;
  }

  private whitespace(): void {
    while (this.pos < this.text.length) {
      const code = this.text.charCodeAt(this.pos);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.pos++;
    }
  }

  private peek(): string {
    return this.text.charAt(this.pos);
  }
}

function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}
