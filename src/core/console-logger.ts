import type { Logger } from './logger.js';
import { formatDuration } from './duration.js';
import { jsonForTerminal, safeForTerminal } from './terminal-text.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

/**
 * The CLI's logger: one line per event on stderr (stdout carries command output), `level message key=value…`,
 * or JSON lines with `json: true` (for the daemon under systemd/journald or a log shipper).
 */
export function createConsoleLogger(options: { level?: LogLevel; json?: boolean; stream?: NodeJS.WritableStream } = {}): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const stream = options.stream ?? process.stderr;
  function write(level: LogLevel, message: string, rawFields?: Record<string, unknown>): void {
    if (LEVELS[level] < min) return;
    const fields = rawFields && readableFields(rawFields, options.json === true);
    if (options.json) {
      stream.write(`${jsonForTerminal(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }))}\n`);
      return;
    }
    const rest = fields
      ? Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          // Values may carry finding content: quoted when spaced; no control, separator or bidi character reaches the
          // terminal raw, quoted or not (JSON.stringify alone escapes only C0).
          .map(([k, v]) => `${safeForTerminal(k)}=${typeof v === 'string' && !/\s/.test(v) ? safeForTerminal(v) : jsonForTerminal(JSON.stringify(v) ?? String(v))}`)
          .join(' ')
      : '';
    stream.write(`${level.padEnd(5)} ${safeForTerminal(message)}${rest ? ` ${rest}` : ''}\n`);
  }
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** A field named like a moment: `until`, `since`, `expiresAt`, `lastSeen`, `nextAttemptAt`, `time`. */
const TIME_KEY = /(^|[a-z])(At|Until|Since|Time|Seen)$|^(at|until|since|time|expires|deadline)$/;
/** A field named like a span of time in milliseconds: `delayMs`, `timeoutMs`, `ageMs`. */
const DURATION_KEY = /[a-z]Ms$/;
/** Epoch milliseconds from 2001 to 2286: a number in this range under a time-like name is a moment. */
const EPOCH_MS = { min: 1e12, max: 1e13 } as const;

/**
 * Log fields as a person reads them: a moment in epoch milliseconds becomes ISO-8601 (text and JSON alike: JSON log
 * pipelines parse ISO times natively); in text lines a duration in milliseconds becomes `30d`, `1m30s` (JSON keeps the
 * number, which tools sum and compare).
 */
function readableFields(fields: Record<string, unknown>, json: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'number' && Number.isFinite(value) && TIME_KEY.test(key) && value >= EPOCH_MS.min && value < EPOCH_MS.max) {
      out[key] = new Date(value).toISOString();
    } else if (!json && typeof value === 'number' && Number.isFinite(value) && value >= 0 && DURATION_KEY.test(key)) {
      out[key.slice(0, -2)] = formatDuration(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel {
  const value = (env.LOG_LEVEL ?? '').toLowerCase();
  return value in LEVELS ? (value as LogLevel) : 'info';
}
