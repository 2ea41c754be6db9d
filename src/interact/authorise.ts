/**
 * Who may do what, from `interact.allow`: per permission a list of Slack user ids (U…/W…), user-group ids (S…) or
 * `"*"` (anyone who can click the message, i.e. anyone in the channel). A permission that is not listed is nobody's:
 * a config that forgets `block` does not let everyone block.
 */
import type { Permission } from './action-value.js';
import type { UserGroupDirectory } from './user-groups.js';

export type AllowConfig = Readonly<Partial<Record<Permission, readonly string[]>>>;

export type Authorisation =
  | { allowed: true; via: 'anyone' | 'user' | `group:${string}` }
  | { allowed: false; reason: 'not-allowed' | 'authorisation-unavailable'; detail: string };

export interface Authoriser {
  authorise(userId: string, permission: Permission): Promise<Authorisation>;
}

/**
 * Groups are asked in list order and only when the user is not listed directly; a group that cannot be read counts as
 * "no" unless no other entry allowed the user, in which case the answer is `authorisation-unavailable` (fail closed,
 * and say why, rather than a plain "not allowed").
 *
 * @example
 * const authoriser = createAuthoriser({ allow: config.interact.allow, groups });
 * const answer = await authoriser.authorise('U012DANA', 'archive');
 */
export function createAuthoriser(options: { allow: AllowConfig; groups?: UserGroupDirectory }): Authoriser {
  return {
    async authorise(userId, permission) {
      const list = Object.hasOwn(options.allow, permission) ? (options.allow[permission] ?? []) : [];
      if (list.includes('*')) return { allowed: true, via: 'anyone' };
      if (list.includes(userId)) return { allowed: true, via: 'user' };
      let unreadable: string | undefined;
      for (const entry of list) {
        if (!entry.startsWith('S')) continue;
        if (options.groups === undefined) {
          unreadable ??= `user group ${entry} cannot be read without a bot token`;
          continue;
        }
        try {
          if ((await options.groups.members(entry)).has(userId)) return { allowed: true, via: `group:${entry}` };
        } catch (error) {
          unreadable ??= `user group ${entry} could not be read (${(error as { code?: string }).code ?? 'error'})`;
        }
      }
      if (unreadable !== undefined) return { allowed: false, reason: 'authorisation-unavailable', detail: unreadable };
      return { allowed: false, reason: 'not-allowed', detail: `interact.allow.${permission} does not include you or a user group you are in` };
    },
  };
}
