import { NotifierError } from '../core/errors.js';

/** Who holds the state-file lock, as its owner file says (informational: never trusted for the decision). */
export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/**
 * The state-file lock could not be taken: another instance holds it (`code` `lock_held`, with its `owner` when known)
 * or the lock file cannot be opened or locked (`lock_failed`).
 */
export class DaemonLockError extends NotifierError {
  override readonly name = 'DaemonLockError';
  constructor(
    message: string,
    readonly lockPath: string,
    readonly owner?: LockOwner,
    options?: { cause?: unknown; code?: 'lock_held' | 'lock_failed' },
  ) {
    super(message, { code: options?.code ?? 'lock_failed', cause: options?.cause });
  }
}

/** `poll.listen` (or `--listen`) is not `host:port` (`invalid_listen`), or cannot be listened on (`address_in_use`, `listen_failed`). */
export class ListenError extends NotifierError {
  override readonly name = 'ListenError';
  constructor(message: string, options: { code: 'invalid_listen' | 'address_in_use' | 'listen_failed'; cause?: unknown }) {
    super(message, options);
  }
}

/** Neither `poll.regions` nor the SDK's configuration names a region to poll. */
export class NoPollRegionError extends NotifierError {
  override readonly name = 'NoPollRegionError';
  constructor() {
    super('No region to poll: set poll.regions in the config (e.g. [us-east-1]) or AWS_REGION in the environment.', { code: 'no_region' });
  }
}
