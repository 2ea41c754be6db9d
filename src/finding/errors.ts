import { NotifierError } from '../core/errors.js';

/** A document that is not any finding shape we know. `path` says where in the document (e.g. `$.detail.findings[2]`). */
export class FindingParseError extends NotifierError {
  override readonly name = 'FindingParseError';
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, { code: 'unreadable_finding', ...options });
  }
}
