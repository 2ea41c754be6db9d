import { NotifierError } from '../core/errors.js';

/** An invalid configuration: every problem, each with the path in the file where it is. */
export class ConfigError extends NotifierError {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(problems.map((p) => `${source}: ${p.path}: ${p.message}`).join('\n'), { code: 'invalid_config' });
  }
}

/** A secret that could not be resolved. Never carries the secret's value. */
export class SecretError extends NotifierError {
  override readonly name = 'SecretError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'secret_unavailable', ...options });
  }
}
