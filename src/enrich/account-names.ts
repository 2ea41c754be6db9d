import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { Logger } from '../core/logger.js';

/** Resolves an account id to a human name (config map first, then AWS Organizations). Never throws. */
export interface AccountNameResolver {
  /**
   * @param known a name the finding itself carries (OCSF `cloud.account.name`, ASFF `AwsAccountName`): used when the
   *   config has none, before asking Organizations (Security Hub already asked it).
   */
  nameOf(accountId: string | undefined, known?: string): Promise<string | undefined>;
}

export interface AccountNameOptions {
  /** Names from the config's `accounts:` map; they win over Organizations. */
  names: Readonly<Record<string, string>>;
  /**
   * Ask AWS Organizations `DescribeAccount` for ids not in `names`. `assumeRole`: a role in the management account (or
   * an Organizations delegated administrator) to call it with, for the GuardDuty administrator account that receives
   * every member's findings but may not call DescribeAccount itself.
   */
  organizations?: {
    client?: OrganizationsClient;
    cacheTtlMs: number;
    timeoutMs: number;
    assumeRole?: string;
    env?: NodeJS.ProcessEnv;
    /** Seams for tests: the Organizations endpoint, and the base credentials STS AssumeRole is called with. */
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  };
  logger?: Logger;
  now?: () => number;
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * Account names for messages. Organizations lookups are cached (names and failures alike, so a missing permission
 * costs one call per TTL, not one per finding) and bounded by a short timeout: a slow or denied Organizations API
 * shows the account id and delivery goes on.
 * @example
 * const names = createAccountNameResolver({ names: { '123456789012': 'prod-payments' } });
 * await names.nameOf('123456789012'); // 'prod-payments'
 */
export function createAccountNameResolver(options: AccountNameOptions): AccountNameResolver {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { name: string | undefined; expiresAt: number }>();
  const inflight = new Map<string, Promise<string | undefined>>();
  const org = options.organizations;
  let client = org?.client;

  async function describe(accountId: string): Promise<string | undefined> {
    if (!org) return undefined;
    try {
      // Loaded on first use: only configs with `organizations.enabled` pay for the client's import.
      const { DescribeAccountCommand, OrganizationsClient: Client } = await import('@aws-sdk/client-organizations');
      client ??= new Client({
        ...(org.endpoint === undefined ? {} : { endpoint: org.endpoint, region: 'us-east-1' }),
        ...(org.assumeRole === undefined
          ? org.credentials === undefined ? {} : { credentials: org.credentials }
          : { credentials: await assumedRoleCredentials(org.assumeRole, org.env, org.credentials) }),
      });
      const out = await client.send(new DescribeAccountCommand({ AccountId: accountId }), {
        abortSignal: AbortSignal.timeout(org.timeoutMs),
      });
      return out.Account?.Name || undefined;
    } catch (error) {
      options.logger?.warn('Account name lookup failed, showing the account id', {
        accountId,
        error: (error as { name?: string }).name ?? String(error),
      });
      return undefined;
    }
  }

  return {
    async nameOf(accountId, known) {
      if (!accountId) return undefined;
      const configured = Object.hasOwn(options.names, accountId) ? options.names[accountId] : undefined;
      if (configured) return configured;
      if (known !== undefined && known.trim() !== '') return known;
      if (!org || !ACCOUNT_ID.test(accountId)) return undefined;
      const cached = cache.get(accountId);
      if (cached && cached.expiresAt > now()) return cached.name;
      let pending = inflight.get(accountId);
      if (!pending) {
        pending = describe(accountId).then((name) => {
          cache.set(accountId, { name, expiresAt: now() + org.cacheTtlMs });
          inflight.delete(accountId);
          return name;
        });
        inflight.set(accountId, pending);
      }
      return pending;
    },
  };
}

/**
 * STS AssumeRole credentials (renewed before they expire) for the Organizations client. Organizations is a global
 * service; STS is called in the process's region (AWS_REGION), else us-east-1.
 */
async function assumedRoleCredentials(
  roleArn: string,
  env: NodeJS.ProcessEnv | undefined,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined,
) {
  const { createAssumeRoleCredentials } = await import('../sources/guardduty-client.js');
  const vars = env ?? process.env;
  return createAssumeRoleCredentials({
    roleArn,
    region: vars.AWS_REGION ?? vars.AWS_DEFAULT_REGION ?? 'us-east-1',
    env: vars,
    sessionName: 'guardduty-notifier-org-names',
    ...(credentials === undefined ? {} : { credentials }),
  });
}
