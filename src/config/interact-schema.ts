import * as z from 'zod/mini';

/**
 * `interact:` — acting on findings from Slack (issue F): signed, authorised, audited buttons. When the section is
 * present, finding messages carry Acknowledge · Archive · Block IP · Mute similar and digests a Mute type menu; clicks
 * land on `POST /slack/actions`. Every key is documented in docs/slack-actions.md.
 *
 * Built by {@link createInteractSchema} from the main schema's secret reference, like respond-schema.ts, so that this
 * file does not import schema.ts back (no cycle).
 */

/** Slack user ids (U…, or W… on Enterprise Grid), user-group ids (S…), or `"*"`: anyone who can click the message. */
export const ALLOW_ENTRY = /^(\*|[UWS][A-Z0-9]{2,30})$/;
/** `host:port`, as `poll.listen` takes it (without `off`: leave `interact.listen` out instead). */
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

export const INTERACT_PERMISSIONS = ['acknowledge', 'archive', 'block', 'mute'] as const;

const allowList = () =>
  z.optional(
    z.array(z.string().check(z.regex(ALLOW_ENTRY, 'expected a Slack user id (U…/W…), a user-group id (S…) or "*"'))),
  );

/**
 * @example
 * const interactSchema = createInteractSchema({ secretRef: secretRefSchema });
 */
export function createInteractSchema<S extends z.ZodMiniType>(parts: { secretRef: S }) {
  return z.strictObject({
    /** The Slack app's signing secret (Basic Information → App Credentials): every request is verified with it. */
    signingSecret: parts.secretRef,
    /** Bot token for chat.update, thread lines and user-group look-ups; default: the slack-api destination's token. */
    token: z.optional(parts.secretRef),
    /** Who may do what; a permission left out is nobody's. */
    allow: z._default(
      z.strictObject({
        acknowledge: allowList(),
        mute: allowList(),
        archive: allowList(),
        block: allowList(),
      }),
      {},
    ),
    /** Where `POST /slack/actions` listens on a host, `host:port`; default: the daemon's `poll.listen`. Put TLS in front. */
    listen: z.optional(z.string().check(z.regex(HOST_PORT, 'expected host:port, e.g. 127.0.0.1:3000'))),
    /** Slack Web API base URL (GovSlack, or the tests' stand-in); default Slack's. */
    apiUrl: z.optional(z.url()),
  });
}

/**
 * Cross-field checks of `interact:`, run on the raw document alongside the schema's: a user group in `allow` can only
 * be read with a bot token (`interact.token`, or a slack-api destination's), and a port must be a port.
 */
export function checkInteractReferences(document: unknown): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const doc = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  const interact = doc.interact;
  if (typeof interact !== 'object' || interact === null) return problems;
  const field = (value: unknown, key: string): unknown =>
    typeof value === 'object' && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  const destinations = Array.isArray(doc.destinations) ? doc.destinations : [];
  const hasToken = field(interact, 'token') !== undefined || destinations.some((d) => field(d, 'type') === 'slack-api');
  const allow = field(interact, 'allow');
  for (const permission of INTERACT_PERMISSIONS) {
    const list = field(allow, permission);
    if (!Array.isArray(list)) continue;
    list.forEach((entry, i) => {
      if (typeof entry === 'string' && entry.startsWith('S') && !hasToken) {
        problems.push({
          path: `interact.allow.${permission}[${i}]`,
          message: `user group ${entry} can only be checked with a bot token: set interact.token (scope usergroups:read) or add a slack-api destination`,
        });
      }
    });
  }
  const listen = field(interact, 'listen');
  if (typeof listen === 'string' && HOST_PORT.test(listen)) {
    const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
    if (port < 1 || port > 65_535) problems.push({ path: 'interact.listen', message: `port ${port} is not between 1 and 65535` });
  }
  return problems;
}
