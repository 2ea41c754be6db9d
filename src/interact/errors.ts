import { NotifierError } from '../core/errors.js';

/**
 * A Slack interaction that could not be carried out, with a stable `code` the handler maps to an ephemeral message
 * and an audit reason. Messages never carry the signing secret, the bot token or a response_url (a response_url lets
 * anyone post into the channel for 30 minutes, so it is treated like a secret).
 */
export class InteractError extends NotifierError {
  override readonly name = 'InteractError';
  /** Worth trying again later (throttling, 5xx, network): the handler says "try again" instead of "cannot". */
  readonly retryable: boolean;
  constructor(message: string, options: { code: string; retryable?: boolean; cause?: unknown }) {
    super(message, { code: options.code, cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** GuardDuty refused or failed ArchiveFindings. `code`: `access-denied`, `not-found`, `throttled`, `failed`. */
export class ArchiveError extends NotifierError {
  override readonly name = 'ArchiveError';
  readonly retryable: boolean;
  constructor(message: string, options: { code: string; retryable?: boolean; cause?: unknown }) {
    super(message, { code: options.code, cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}
