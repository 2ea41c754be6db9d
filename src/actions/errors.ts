import { NotifierError } from '../core/errors.js';

/**
 * A mute rule that cannot be added as asked. `code` says which check failed (`mute_unbounded`: no condition at all;
 * `mute_invalid_account`: not a 12-digit account id), `field` and `value` what was given, so each caller (CLI flag,
 * Slack dialog field) can word it in its own terms.
 */
export class MuteRuleError extends NotifierError {
  override readonly name = 'MuteRuleError';
  constructor(
    message: string,
    readonly details: { code: 'mute_unbounded' | 'mute_invalid_account'; field?: 'account'; value?: string },
  ) {
    super(message, { code: details.code });
  }
}

/** No stored mute rule has this id (config-file mutes are removed by editing the file). */
export class MuteNotFoundError extends NotifierError {
  override readonly name = 'MuteNotFoundError';
  constructor(readonly muteId: string) {
    super(`No mute rule "${muteId}"; config-file mutes (config:<n>) are removed by editing the file.`, { code: 'mute_not_found' });
  }
}
