import { NotifierError } from '../core/errors.js';

/**
 * Every state failure the notifier can act on is a StoreError saying whether trying again can help: a Lambda turns a
 * retryable one into a partial-batch failure (SQS redelivers, the ledger makes the redelivery idempotent), the daemon
 * retries on its next tick. Messages name the table or file and the key, never a message body.
 */
export class StoreError extends NotifierError {
  override readonly name: string = 'StoreError';
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { code: 'store', cause: options.cause });
    this.retryable = options.retryable;
  }
}

/**
 * A ledger row kept changing under us (other Lambdas deciding about the same finding) more times than we retry.
 * Nothing was lost: the outbox rows of the batch are already written; a redelivery decides again.
 */
export class StoreConflictError extends StoreError {
  override readonly name = 'StoreConflictError';
  constructor(
    message: string,
    readonly key: { destination: string; findingId: string },
    options?: { cause?: unknown },
  ) {
    super(message, { retryable: true, ...options });
  }
}

/** The database file was written by a newer notifier (schema version above ours): refuse rather than guess. */
export class StoreSchemaError extends StoreError {
  override readonly name = 'StoreSchemaError';
  constructor(message: string) {
    super(message, { retryable: false });
  }
}
