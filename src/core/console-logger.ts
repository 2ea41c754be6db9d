import type { Logger } from './logger.js';
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
  function write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] < min) return;
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

export function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel {
  const value = (env.LOG_LEVEL ?? '').toLowerCase();
  return value in LEVELS ? (value as LogLevel) : 'info';
}
