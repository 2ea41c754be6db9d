/**
 * Finding-type globs, as used in routes (`types`), runbooks and mute rules: `Recon:*`, `*:EC2/*`,
 * `CryptoCurrency:EC2/BitcoinTool.B!DNS`.
 *
 * `*` matches any run of characters (including `:` and `/`, so `*:EC2/*` spans the whole type), `?` exactly one
 * character; everything else is literal and case-sensitive (`.` and `!` appear in real GuardDuty types). There is no
 * escape syntax: GuardDuty types never contain `*` or `?`.
 *
 * Matching does not go through RegExp: mute globs come from Slack users, and a regex with several `.*` can backtrack
 * polynomially. The greedy two-pointer matcher below is O(pattern × value) at worst and needs no escaping.
 */

type Token = { kind: 'literal'; char: string } | { kind: 'any-one' } | { kind: 'any-run' };

/** Beyond this many distinct globs the cache is emptied (mute globs are user input; keep memory bounded). */
const CACHE_LIMIT = 1_000;
const cache = new Map<string, (value: string) => boolean>();

/**
 * A predicate that says whether a whole value matches `glob`. Compiled predicates are cached by glob.
 *
 * @example
 * const isRecon = compileGlob('Recon:*');
 * isRecon('Recon:EC2/PortProbeUnprotectedPort'); // true
 * isRecon('recon:EC2/PortProbeUnprotectedPort'); // false (case-sensitive)
 */
export function compileGlob(glob: string): (value: string) => boolean {
  const cached = cache.get(glob);
  if (cached) return cached;
  const matcher = buildMatcher(tokenize(glob));
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(glob, matcher);
  return matcher;
}

function tokenize(glob: string): Token[] {
  const tokens: Token[] = [];
  // Array.from walks code points, so `?` matches one character even outside the BMP.
  for (const char of Array.from(glob)) {
    if (char === '*') {
      // `**` means the same as `*`; collapsing keeps the matcher's backtracking small.
      if (tokens.at(-1)?.kind !== 'any-run') tokens.push({ kind: 'any-run' });
    } else if (char === '?') {
      tokens.push({ kind: 'any-one' });
    } else {
      tokens.push({ kind: 'literal', char });
    }
  }
  return tokens;
}

function buildMatcher(tokens: readonly Token[]): (value: string) => boolean {
  if (tokens.every((t) => t.kind === 'literal')) {
    const literal = tokens.map((t) => (t.kind === 'literal' ? t.char : '')).join('');
    return (value) => value === literal;
  }
  return (value) => matchTokens(tokens, Array.from(value));
}

/** Classic wildcard matching: on a mismatch, retry from the last `*` with it absorbing one more character. */
function matchTokens(tokens: readonly Token[], chars: readonly string[]): boolean {
  let t = 0;
  let c = 0;
  let lastStar = -1;
  let starResume = 0;
  while (c < chars.length) {
    const token = tokens[t];
    if (token && (token.kind === 'any-one' || (token.kind === 'literal' && token.char === chars[c]))) {
      t += 1;
      c += 1;
    } else if (token?.kind === 'any-run') {
      lastStar = t;
      starResume = c;
      t += 1;
    } else if (lastStar !== -1) {
      t = lastStar + 1;
      starResume += 1;
      c = starResume;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'any-run') t += 1;
  return t === tokens.length;
}
