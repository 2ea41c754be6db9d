/**
 * The base of every error the notifier throws on purpose. Each stage's `errors.ts` extends it (Powertools' pattern:
 * one class per failure, carrying data and `cause`), so a caller can tell ours from a bug and read a stable `code`
 * without parsing messages. Messages say what was wrong, where, and what to do; never a secret.
 */
export class NotifierError extends Error {
  override readonly name: string = 'NotifierError';
  /**
   * Stable, machine-readable: what a caller may branch on (a service's own error code such as Slack's
   * `channel_not_found`, or ours such as `deadline`). Absent when the class itself says all there is.
   */
  readonly code?: string;
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.code !== undefined) this.code = options.code;
  }
}
