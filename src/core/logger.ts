/**
 * The logging seam every stage takes. Powertools Logger (Lambda) and the CLI's stderr logger both fit it.
 * Messages are sentence case with structured fields; never a URL, token or whole finding.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
