import { GuardDutyClient, type GuardDutyClientConfig } from '@aws-sdk/client-guardduty';
import type { STSClient } from '@aws-sdk/client-sts';

/**
 * GuardDuty clients for the poller: one per region (and role), with the SDK's adaptive retry, bounded timeouts and an
 * optional role to assume. Credentials are the SDK's default chain (env, shared config/SSO, web identity, ECS/EC2
 * instance role) unless given; the endpoint can be overridden (`AWS_ENDPOINT_URL_GUARDDUTY`, tests' stand-in).
 */

export type AwsCredentials = NonNullable<GuardDutyClientConfig['credentials']>;
type RetryStrategy = NonNullable<GuardDutyClientConfig['retryStrategy']>;

/**
 * SDK attempts per call, throttling included. The SDK's adaptive mode adds a client-side token bucket that slows
 * down after a ThrottlingException (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
 */
export const GUARDDUTY_MAX_ATTEMPTS = 5;
/** Per-request socket timeout: a hung connection must not hold a tick (and a SIGTERM) forever. */
export const GUARDDUTY_REQUEST_TIMEOUT_MS = 20_000;
export const GUARDDUTY_CONNECT_TIMEOUT_MS = 5_000;
/** Assumed-role sessions last an hour; they are renewed this long before they expire. */
export const ASSUME_ROLE_DURATION_SECONDS = 3_600;
export const ASSUME_ROLE_REFRESH_BEFORE_MS = 5 * 60_000;

export interface GuardDutyClientOptions {
  region: string;
  /** Full URL; default: `AWS_ENDPOINT_URL_GUARDDUTY`, then `AWS_ENDPOINT_URL`, then the SDK's regional endpoint. */
  endpoint?: string;
  /** Base credentials; default: the SDK's default provider chain. Tests pass dummy ones explicitly. */
  credentials?: AwsCredentials;
  /** An IAM role to assume (STS AssumeRole) with the base credentials before calling GuardDuty. */
  assumeRole?: string;
  /** STS endpoint override; default: `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`, then the regional STS endpoint. */
  stsEndpoint?: string;
  env?: NodeJS.ProcessEnv;
  maxAttempts?: number;
  /** A retry strategy instead of the SDK's adaptive one built from `maxAttempts` (tests use a faster backoff). */
  retryStrategy?: RetryStrategy;
  requestTimeoutMs?: number;
  now?: () => number;
}

function endpointFrom(explicit: string | undefined, env: NodeJS.ProcessEnv, service: 'GUARDDUTY' | 'STS'): string | undefined {
  const value = explicit ?? env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Credentials of an assumed role, fetched with STS AssumeRole and renewed {@link ASSUME_ROLE_REFRESH_BEFORE_MS} before
 * they expire. Concurrent callers share one STS call.
 *
 * @example
 * const credentials = createAssumeRoleCredentials({ roleArn: 'arn:aws:iam::111122223333:role/gd-reader', region: 'eu-west-1' });
 * const client = new GuardDutyClient({ region: 'eu-west-1', credentials });
 */
export function createAssumeRoleCredentials(options: {
  roleArn: string;
  region: string;
  credentials?: AwsCredentials;
  endpoint?: string;
  env?: NodeJS.ProcessEnv;
  sessionName?: string;
  durationSeconds?: number;
  now?: () => number;
}): () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }> {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  // STS is loaded only when a role is configured: one SDK client less in the daemon's memory otherwise.
  let sts: Promise<{ client: STSClient; AssumeRoleCommand: typeof import('@aws-sdk/client-sts').AssumeRoleCommand }> | undefined;
  const stsClient = () =>
    (sts ??= import('@aws-sdk/client-sts').then(({ STSClient, AssumeRoleCommand }) => ({
      AssumeRoleCommand,
      client: new STSClient({
        region: options.region,
        endpoint: endpointFrom(options.endpoint, env, 'STS'),
        credentials: options.credentials,
        maxAttempts: GUARDDUTY_MAX_ATTEMPTS,
        retryMode: 'adaptive',
        requestHandler: { requestTimeout: GUARDDUTY_REQUEST_TIMEOUT_MS, connectionTimeout: GUARDDUTY_CONNECT_TIMEOUT_MS },
      }),
    })));
  const sessionName = options.sessionName ?? `guardduty-notifier-${process.pid}`;
  let cached: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date } | undefined;
  let inflight: Promise<NonNullable<typeof cached>> | undefined;

  async function assume(): Promise<NonNullable<typeof cached>> {
    const { client, AssumeRoleCommand } = await stsClient();
    const out = await client.send(
      new AssumeRoleCommand({
        RoleArn: options.roleArn,
        RoleSessionName: sessionName.slice(0, 64),
        DurationSeconds: options.durationSeconds ?? ASSUME_ROLE_DURATION_SECONDS,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new Error(`STS AssumeRole for ${options.roleArn} returned no credentials`);
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  }

  return async () => {
    if (cached && (cached.expiration === undefined || cached.expiration.getTime() - now() > ASSUME_ROLE_REFRESH_BEFORE_MS)) {
      return cached;
    }
    inflight ??= assume()
      .then((c) => (cached = c))
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}

/**
 * @example
 * const client = createGuardDutyClient({ region: 'us-east-1' });                       // real AWS, default chain
 * const local = createGuardDutyClient({ region: 'us-east-1', endpoint: standin.endpoint,
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });                   // the test stand-in
 */
export function createGuardDutyClient(options: GuardDutyClientOptions): GuardDutyClient {
  const env = options.env ?? process.env;
  const credentials = options.assumeRole
    ? createAssumeRoleCredentials({
        roleArn: options.assumeRole,
        region: options.region,
        credentials: options.credentials,
        endpoint: options.stsEndpoint,
        env,
        now: options.now,
      })
    : options.credentials;
  const timeout = options.requestTimeoutMs ?? GUARDDUTY_REQUEST_TIMEOUT_MS;
  return new GuardDutyClient({
    region: options.region,
    endpoint: endpointFrom(options.endpoint, env, 'GUARDDUTY'),
    ...(credentials ? { credentials } : {}),
    ...(options.retryStrategy
      ? { retryStrategy: options.retryStrategy }
      : { retryMode: 'adaptive', maxAttempts: options.maxAttempts ?? GUARDDUTY_MAX_ATTEMPTS }),
    requestHandler: { requestTimeout: timeout, connectionTimeout: Math.min(GUARDDUTY_CONNECT_TIMEOUT_MS, timeout) },
  });
}

/**
 * The region the SDK would use with no `poll.regions`: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the shared config
 * file's profile. `undefined` when none is set.
 */
export async function defaultSdkRegion(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const fromEnv = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  const probe = new GuardDutyClient({});
  try {
    const region = await probe.config.region();
    return region || undefined;
  } catch {
    return undefined;
  } finally {
    probe.destroy();
  }
}
