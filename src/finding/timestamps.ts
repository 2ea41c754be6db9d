/**
 * Finding timestamps → ISO 8601 UTC (`2024-01-15T12:30:45.456Z`), or undefined when the value is not a time.
 *
 * GuardDuty's API prints ISO strings (`createdAt`, `service.eventFirstSeen`), but findings that went through other
 * tools arrive as `2025-02-25 20:40:06.000000000` (space, nanoseconds, no zone: Panther), `2017-12-18
 * 21:28:11.551000+05:30` (Python's str(datetime)), epoch seconds (`1513612691.551`) or SDK `Date` objects.
 * We never hand a string to `Date.parse` as is: V8 reads zone-less date-times as *local* time, which would make the
 * result depend on the host's TZ. Zone-less values are taken as UTC, which is what GuardDuty means.
 */

// date, T or space, time with optional seconds and fraction, optional zone (Z, ±hh:mm, ±hhmm, ±hh).
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2})(:\d{2})?(?:[.,](\d+))?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Epoch values above this are milliseconds; below, seconds (1e11 s is the year 5138, 1e11 ms is 1973). */
const EPOCH_MILLIS_THRESHOLD = 1e11;

export function toIsoTimestamp(value: unknown): string | undefined {
  if (typeof value === 'string') return fromString(value);
  if (typeof value === 'number') return fromEpoch(value);
  if (value instanceof Date) return fromMillis(value.getTime());
  return undefined;
}

function fromString(raw: string): string | undefined {
  const canonical = canonicalIso(raw);
  if (canonical !== undefined) return canonical;
  const value = raw.trim();
  const match = DATE_TIME.exec(value);
  if (match === null) {
    // A numeric string is an epoch value; anything else (`${time}`, `yesterday`) is not a time.
    if (value !== '' && /^\d+(\.\d+)?$/.test(value)) return fromEpoch(Number(value));
    return undefined;
  }
  const [, date, hoursMinutes, seconds, fraction, zone] = match;
  if (hoursMinutes === undefined) return fromMillis(Date.parse(`${date}T00:00:00Z`));
  const millis = fraction === undefined ? '' : `.${fraction.slice(0, 3).padEnd(3, '0')}`;
  return fromMillis(Date.parse(`${date}T${hoursMinutes}${seconds ?? ':00'}${millis}${normaliseZone(zone)}`));
}

/**
 * Fast path for what GuardDuty itself writes, `2024-01-15T12:30:45.456Z` and `2024-01-15T12:30:45Z`: checked digit
 * by digit and returned without a Date round trip (timestamps are a third of the parse time otherwise).
 */
function canonicalIso(value: string): string | undefined {
  const length = value.length;
  if ((length !== 24 && length !== 20) || value.charCodeAt(length - 1) !== 90 /* Z */) return undefined;
  if (value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || value.charCodeAt(10) !== 84) return undefined; // - - T
  if (value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58) return undefined; // : :
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const hour = twoDigits(value, 11);
  const minute = twoDigits(value, 14);
  const second = twoDigits(value, 17);
  if (twoDigits(value, 0) < 0 || twoDigits(value, 2) < 0) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  if (second < 0 || second > 59) return undefined;
  if (length === 20) return `${value.slice(0, 19)}.000Z`;
  if (value.charCodeAt(19) !== 46 /* . */ || twoDigits(value, 20) < 0 || digit(value, 22) < 0) return undefined;
  return value;
}

/** The two-digit number at `at`, or -1. */
function twoDigits(value: string, at: number): number {
  const tens = digit(value, at);
  const units = digit(value, at + 1);
  return tens < 0 || units < 0 ? -1 : tens * 10 + units;
}

function digit(value: string, at: number): number {
  const code = value.charCodeAt(at) - 48;
  return code >= 0 && code <= 9 ? code : -1;
}

function normaliseZone(zone: string | undefined): string {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 'Z';
  if (zone.length === 3) return `${zone}:00`; // +05
  if (zone.length === 5) return `${zone.slice(0, 3)}:${zone.slice(3)}`; // +0530
  return zone; // +05:30
}

function fromEpoch(value: number): string | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  return fromMillis(value >= EPOCH_MILLIS_THRESHOLD ? value : value * 1000);
}

function fromMillis(millis: number): string | undefined {
  if (!Number.isFinite(millis)) return undefined;
  const date = new Date(millis);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
