/**
 * Secrets that must never reach a log line, an error message, a stack or `describe()`: the Slack webhook URL (anyone
 * holding it can post into the channel, Slack says "keep it secret") and the Slack bot token.
 * Alertmanager's Slack notifier has the same rule and a test that the URL never leaks; so do we.
 */

const MASK = '***';

/**
 * `https://hooks.slack.com/services/T0123/B0456/abcdef` → `https://hooks.slack.com/services/T0123/***`.
 * The workspace id alone identifies which Slack a message went to without letting anyone post; everything after
 * it (the hook id and its secret) is hidden. A string that is not a URL gives `***`.
 *
 * @example
 * redactWebhookUrl('https://hooks.slack.com/services/T1/B2/s3cr3t') // 'https://hooks.slack.com/services/T1/***'
 */
export function redactWebhookUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  const team = /^\/services\/(T[A-Za-z0-9]+)\//.exec(parsed.pathname)?.[1];
  return team === undefined ? `${parsed.origin}/${MASK}` : `${parsed.origin}/services/${team}/${MASK}`;
}

/** The fragments of a webhook URL that give it away, each with what replaces it, longest first. */
export function webhookUrlSecrets(url: string): Array<[secret: string, replacement: string]> {
  const redacted = redactWebhookUrl(url);
  const pairs: Array<[string, string]> = [[url, redacted]];
  try {
    const parsed = new URL(url);
    pairs.push([parsed.href, redacted]);
    const segments = parsed.pathname.split('/').filter((s) => s.length > 0);
    // The path without the origin (`/services/T/B/secret`), the hook part (`B/secret`) and the secret itself.
    pairs.push([parsed.pathname, redacted]);
    const afterTeam = segments.slice(2).join('/');
    if (afterTeam.length > 0) pairs.push([afterTeam, MASK]);
    for (const segment of segments.slice(2)) pairs.push([segment, MASK]);
    if (parsed.search.length > 1) pairs.push([parsed.search, MASK]);
  } catch {
    // Not a URL: the whole string is the only fragment we know.
  }
  return pairs;
}

/**
 * Replaces every secret in `text`, also in its URL-encoded form (fetch and axios errors quote URLs either way).
 * Secrets shorter than 4 characters are ignored: masking every "a" would make messages unreadable and protects nothing.
 */
export function scrubText(text: string, secrets: ReadonlyArray<readonly [string, string]>): string {
  const expanded: Array<[string, string]> = [];
  for (const [secret, replacement] of secrets) {
    if (secret.length < 4) continue;
    expanded.push([secret, replacement]);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) expanded.push([encoded, replacement]);
  }
  expanded.sort((a, b) => b[0].length - a[0].length);
  let out = text;
  for (const [secret, replacement] of expanded) out = out.split(secret).join(replacement);
  return out;
}

/**
 * A copy of an error that is safe to keep as a `cause`: name, message, stack and `code` scrubbed, its own `cause`
 * chain scrubbed too (a few levels deep), and nothing else copied. Client errors carry request objects (axios keeps
 * the `Authorization` header, undici the URL), so copying fields would copy secrets.
 */
export function scrubError(error: unknown, secrets: ReadonlyArray<readonly [string, string]>, depth = 0): Error {
  if (!(error instanceof Error)) {
    return new Error(scrubText(String(error), secrets));
  }
  const copy = new Error(scrubText(error.message, secrets));
  copy.name = scrubText(error.name, secrets);
  copy.stack = error.stack === undefined ? `${copy.name}: ${copy.message}` : scrubText(error.stack, secrets);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') {
    Object.defineProperty(copy, 'code', { value: typeof code === 'string' ? scrubText(code, secrets) : code, enumerable: true });
  }
  if (error.cause !== undefined && depth < 4) {
    Object.defineProperty(copy, 'cause', {
      value: scrubError(error.cause, secrets, depth + 1),
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/**
 * A Teams Workflows URL → its origin only: `https://prod-12.westus.logic.azure.com/***`. Its `sig` query parameter
 * lets anyone post into the channel (a shared access signature), and the rest of the path and query says nothing an
 * operator needs in a log. A string that is not a URL gives `***`.
 *
 * @example
 * redactWorkflowUrl('https://prod-1.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t') // 'https://prod-1.westus.logic.azure.com/***'
 */
export function redactWorkflowUrl(url: string): string {
  try {
    return `${new URL(url).origin}/${MASK}`;
  } catch {
    return MASK;
  }
}

/** The fragments of a Workflows URL that give it away (the URL, its path and query, the `sig` value), longest first. */
export function workflowUrlSecrets(url: string): Array<[secret: string, replacement: string]> {
  const redacted = redactWorkflowUrl(url);
  const pairs: Array<[string, string]> = [[url, redacted]];
  try {
    const parsed = new URL(url);
    pairs.push([parsed.href, redacted], [`${parsed.pathname}${parsed.search}`, MASK]);
    if (parsed.search.length > 1) pairs.push([parsed.search, MASK], [parsed.search.slice(1), MASK]);
    const sig = parsed.searchParams.get('sig');
    if (sig !== null && sig !== '') pairs.push([sig, MASK]);
  } catch {
    // Not a URL: the whole string is the only fragment we know.
  }
  return pairs;
}
