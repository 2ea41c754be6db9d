/**
 * `Retry-After` → milliseconds. RFC 9110 §10.2.3 allows delay-seconds or an HTTP-date; Slack sends whole seconds
 * ("HTTP 429 … with a Retry-After header containing the number of seconds", https://docs.slack.dev/apis/web-api/rate-limits).
 * Fractions are accepted (some proxies send them). Absent, negative or unparsable values give `undefined`, so the caller
 * falls back to its own backoff. Capped at one hour so a bogus header cannot park a destination for days.
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    return Math.min(MAX_RETRY_AFTER_MS, Math.round(Number(trimmed) * 1000));
  }
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - nowMs));
}
