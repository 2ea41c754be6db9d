import { safeForTerminal } from '../core/terminal-text.js';

/**
 * One line of `guardduty-notifier doctor`: what was checked, and either what was seen (✔) or what is wrong and what
 * to do (✘). Never a secret: a check that holds one says where it came from (`env SLACK_WEBHOOK_URL`), not what it is.
 */
export interface CheckResult {
  ok: boolean;
  /** What was checked: `config`, `state`, `secret destinations[0].url`, `destination sec (slack-webhook)`, … */
  label: string;
  /** ✔: what was seen. ✘: what is wrong, then what to do. */
  detail: string;
}

export const pass = (label: string, detail: string): CheckResult => ({ ok: true, label, detail });
export const fail = (label: string, detail: string): CheckResult => ({ ok: false, label, detail });

/** `✔ label: detail` / `✘ label: detail`; text from a service's answer is made terminal-safe. */
export function formatCheck(result: CheckResult): string {
  // A detail may go on over indented lines (a config's problems): each made safe on its own.
  const detail = result.detail.split('\n').map(safeForTerminal).join('\n');
  return `${result.ok ? '✔' : '✘'} ${safeForTerminal(result.label)}: ${detail}`;
}

/** An AWS SDK error as `Name: message` (the SDK's messages name the resource, never our secrets). */
export function awsErrorText(error: unknown): string {
  const e = error as { name?: string; message?: string };
  const name = e?.name ?? 'Error';
  const message = e?.message ?? String(error);
  return message === '' || message === name ? name : `${name}: ${message.split('\n')[0]}`;
}

/** The AWS error names that mean "these credentials may not call this": said once, the same way everywhere. */
export function isAccessDenied(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  return /AccessDenied|AuthorizationError|UnauthorizedOperation|NotAuthorized|Forbidden/i.test(name);
}

/** The AWS error names that mean "no usable credentials were found or they are invalid". */
export function isCredentialsProblem(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  return /CredentialsProviderError|InvalidClientTokenId|UnrecognizedClientException|ExpiredToken|SignatureDoesNotMatch|InvalidSignature/i.test(name);
}
