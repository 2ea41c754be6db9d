import { NotifierError } from '../core/errors.js';

/** A usage problem of `samples` (no type matches the filters); the CLI prints it and exits 2. */
export class SamplesUsageError extends NotifierError {
  override readonly name = 'SamplesUsageError';
  constructor(message: string) {
    super(message, { code: 'samples_no_match' });
  }
}
