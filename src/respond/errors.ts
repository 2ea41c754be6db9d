import { NotifierError } from '../core/errors.js';

/**
 * Why a target could not be read or written, with what to do about it. A target that cannot be written alerts once,
 * loudly, with the hint (phase 2); `retryable` says whether the next sync may succeed on its own.
 */
export const TARGET_FAILURES = {
  'access-denied': {
    retryable: false,
    hint: 'grant network-firewall:DescribeRuleGroup/UpdateRuleGroup on the rule group, or wafv2:GetIPSet/UpdateIPSet on the IP sets (deploy/iam-policy.json)',
  },
  'not-found': { retryable: false, hint: 'check the ARN in respond.targets: the rule group or IP set does not exist in that account and region' },
  throttled: { retryable: true, hint: 'the API throttled past the retries; the next sync tries again (WAF allows about one write per second per account)' },
  conflict: { retryable: true, hint: 'another writer kept changing the target while we wrote; the next sync tries again' },
  capacity: {
    retryable: false,
    hint: 'the rule group or IP set is full: lower respond.maxActive, or recreate the rule group with more capacity (npm run synth sizes it from maxActive)',
  },
  'wrong-kind': {
    retryable: false,
    hint: 'respond.targets must name a STATELESS rule group (ruleGroupArn) or IPv4/IPv6 IP sets (ipv4SetArn/ipv6SetArn)',
  },
  invalid: { retryable: false, hint: 'the service refused the request as invalid; see the message, and report it if it names our rules' },
  unavailable: { retryable: true, hint: 'the service or the network failed; the next sync tries again' },
} as const;

export type TargetFailure = keyof typeof TARGET_FAILURES;

/** A target that could not be read or written. Carries the AWS error name as `code`, never credentials. */
export class RespondTargetError extends NotifierError {
  override readonly name = 'RespondTargetError';
  readonly retryable: boolean;
  readonly hint: string;
  constructor(
    readonly target: string,
    readonly failure: TargetFailure,
    readonly operation: string,
    detail: string,
    options: { code?: string; cause?: unknown } = {},
  ) {
    const spec = TARGET_FAILURES[failure];
    super(`${operation} for target "${target}" failed (${failure}): ${detail}. What to do: ${spec.hint}`, options);
    this.retryable = spec.retryable;
    this.hint = spec.hint;
  }
}

const BY_AWS_NAME: Readonly<Record<string, TargetFailure>> = {
  AccessDeniedException: 'access-denied',
  AccessDenied: 'access-denied',
  UnauthorizedOperation: 'access-denied',
  UnrecognizedClientException: 'access-denied',
  InvalidSignatureException: 'access-denied',
  ExpiredTokenException: 'access-denied',
  ResourceNotFoundException: 'not-found',
  WAFNonexistentItemException: 'not-found',
  ThrottlingException: 'throttled',
  TooManyRequestsException: 'throttled',
  RequestLimitExceeded: 'throttled',
  InvalidTokenException: 'conflict',
  WAFOptimisticLockException: 'conflict',
  WAFLimitsExceededException: 'capacity',
  InsufficientCapacityException: 'capacity',
  InvalidRequestException: 'invalid',
  WAFInvalidParameterException: 'invalid',
  WAFInvalidOperationException: 'invalid',
  InternalServerError: 'unavailable',
  WAFInternalErrorException: 'unavailable',
  ServiceUnavailableException: 'unavailable',
};

/** How an AWS SDK error (or a network error) maps to a failure. */
export function classifyAwsError(error: unknown): { failure: TargetFailure; code: string; message: string } {
  const e = error as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  const code = typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message.slice(0, 300) : String(error).slice(0, 300);
  let failure: TargetFailure | undefined = Object.hasOwn(BY_AWS_NAME, code) ? BY_AWS_NAME[code] : undefined;
  // Network Firewall reports an over-capacity update as InvalidRequestException naming the capacity (its API lists
  // no dedicated error): https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_UpdateRuleGroup.html
  if (failure === 'invalid' && /capacity/i.test(message)) failure = 'capacity';
  if (failure === undefined) {
    const status = e?.$metadata?.httpStatusCode;
    failure = status === undefined || status >= 500 ? 'unavailable' : status === 403 ? 'access-denied' : 'invalid';
  }
  return { failure, code, message };
}
