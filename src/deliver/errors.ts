import { NotifierError } from '../core/errors.js';

/**
 * Every sink failure is a DeliveryError that says whether trying again can help (Alertmanager's notifier does the
 * same). `retryAfterMs` carries a server's `Retry-After`. Messages never contain a secret (URL, token).
 */
export class DeliveryError extends NotifierError {
  override readonly name = 'DeliveryError';
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  constructor(
    message: string,
    options: { retryable: boolean; status?: number; code?: string; retryAfterMs?: number; cause?: unknown },
  ) {
    // `code`: the service's own error code, e.g. Slack's `invalid_blocks` or `channel_not_found`.
    super(message, { code: options.code, cause: options.cause });
    this.retryable = options.retryable;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The outbox row holds no payload of the format this sink posts: it was rendered for a destination of another type
 * (the destination's `type` changed while the row waited). Permanent: the row is kept with this reason for `status`.
 */
export function missingPayloadError(sinkDescription: string, format: string, rowId: string): DeliveryError {
  return new DeliveryError(
    `Outbox message ${rowId} holds no ${format} payload for ${sinkDescription}: it was rendered for a destination of another ` +
      'type (was the destination\'s type changed while it waited?). Ingest the finding again to render it for this type.',
    { retryable: false, code: 'payload_missing' },
  );
}
