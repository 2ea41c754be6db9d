/**
 * Who is in a Slack user group (S…), asked with `usergroups.users.list` and cached briefly. The method is Tier 2
 * ("20+ per minute", https://docs.slack.dev/reference/methods/usergroups.users.list) and needs the bot scope
 * `usergroups:read`; a burst of clicks must not become a burst of look-ups, and a membership change should still take
 * effect within a minute. Errors are not cached: the next click asks again.
 */
import { InteractError } from './errors.js';

/** The part of WebClient this needs (the real client or a stand-in-backed one). */
export interface UserGroupsApi {
  usergroups: {
    users: {
      list(args: { usergroup: string }): Promise<{ ok?: boolean; users?: string[]; error?: string }>;
    };
  };
}

export interface UserGroupDirectory {
  /** The user ids in `groupId`. Throws InteractError (retryable unless Slack says the group does not exist). */
  members(groupId: string): Promise<ReadonlySet<string>>;
}

export const DEFAULT_GROUP_CACHE_MS = 60_000;

/**
 * @example
 * const groups = createUserGroupDirectory({ client: webClient });
 * (await groups.members('S0SECOPS')).has('U012DANA');
 */
export function createUserGroupDirectory(options: { client: UserGroupsApi; ttlMs?: number; now?: () => number }): UserGroupDirectory {
  const ttlMs = options.ttlMs ?? DEFAULT_GROUP_CACHE_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { expiresAt: number; members: Promise<ReadonlySet<string>> }>();

  async function fetchMembers(groupId: string): Promise<ReadonlySet<string>> {
    let result: Awaited<ReturnType<UserGroupsApi['usergroups']['users']['list']>>;
    try {
      result = await options.client.usergroups.users.list({ usergroup: groupId });
    } catch (error) {
      const code = (error as { data?: { error?: unknown } }).data?.error;
      const slackError = typeof code === 'string' ? code : undefined;
      throw new InteractError(`Slack usergroups.users.list failed for ${groupId}${slackError === undefined ? '' : ` (${slackError})`}`, {
        code: slackError ?? 'usergroups_unavailable',
        retryable: slackError !== 'no_such_subteam',
        cause: error,
      });
    }
    if (result.ok === false || !Array.isArray(result.users)) {
      const code = result.error ?? 'invalid_response';
      throw new InteractError(`Slack usergroups.users.list failed for ${groupId} (${code})`, { code, retryable: code !== 'no_such_subteam' });
    }
    return new Set(result.users.filter((user): user is string => typeof user === 'string'));
  }

  return {
    members(groupId) {
      const at = now();
      const cached = cache.get(groupId);
      if (cached !== undefined && cached.expiresAt > at) return cached.members;
      const members = fetchMembers(groupId);
      cache.set(groupId, { expiresAt: at + ttlMs, members });
      members.catch(() => {
        if (cache.get(groupId)?.members === members) cache.delete(groupId);
      });
      return members;
    },
  };
}
