import { z } from 'zod';
import { ALLOW_ENTRY } from '../../src/config/interact-schema.js';
import type { ConfigInput } from '../../src/config/schema.js';

/**
 * `interact:` in the deployment config (docs/slack-actions.md): the Slack app's two secrets by Secrets Manager
 * name or ARN (never their values), who may do what, and whether the stack creates the secrets empty for you. The
 * stack then adds the Slack actions function, its Function URL (the Request URL to paste into the Slack app) and its
 * queue (infra/lib/slack-actions.ts); the function gets the notifier's `interact:` in GDN_CONFIG.
 */

const secretIdSchema = z
  .string()
  .min(1)
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$|^[A-Za-z0-9/_+=.@-]{1,512}$/,
    'expected a Secrets Manager secret name (e.g. guardduty-notifier/slack-signing) or a full secret ARN',
  );
const allowList = z.array(z.string().regex(ALLOW_ENTRY, 'expected a Slack user id (U…/W…), a user-group id (S…) or "*"')).optional();

export const infraInteractSchema = z.strictObject({
  /** The secret holding the Slack app's Signing Secret (Basic Information → App Credentials). */
  signingSecret: secretIdSchema,
  /** The secret holding the bot token (xoxb-…); default: the slack-api destination's secret. */
  token: secretIdSchema.optional(),
  /** The stack creates the secrets (empty; put the values in after deploy). Needs names, not ARNs. */
  createSecrets: z.boolean().default(false),
  /** A customer managed KMS key the secrets are encrypted with (kms:Decrypt via Secrets Manager is granted on it). */
  secretKmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'expected a KMS key ARN').optional(),
  allow: z.strictObject({ acknowledge: allowList, mute: allowList, archive: allowList, block: allowList }).default({}),
  /**
   * Reserved concurrency of the Slack actions function. Its Function URL is public (the signature is the
   * authentication), so without a reservation a flood of unsigned requests could take the account's shared Lambda
   * concurrency (1,000 by default) from every other function. Clicks are few: 5 leaves 3 for answering Slack while
   * the job queue uses at most 2 (the smallest maximum concurrency an SQS event source accepts).
   */
  concurrency: z.number().int().min(3, 'the actions queue takes up to 2; at least 1 more is needed to answer Slack').max(100).default(5),
});

export type InfraInteract = z.infer<typeof infraInteractSchema>;

export function checkInfraInteract(interact: InfraInteract | undefined): Array<{ path: string; message: string }> {
  if (!interact?.createSecrets) return [];
  return (['signingSecret', 'token'] as const).flatMap((key) =>
    interact[key]?.startsWith('arn:') ? [{ path: `interact.${key}`, message: 'createSecrets needs a secret name, not an ARN' }] : [],
  );
}

/** The notifier's `interact:` (src/config/interact-schema.ts) for GDN_CONFIG: the secrets as `{ secretArn }` references. */
export function interactToApp(interact: InfraInteract): NonNullable<ConfigInput['interact']> {
  return {
    signingSecret: { secretArn: interact.signingSecret },
    ...(interact.token === undefined ? {} : { token: { secretArn: interact.token } }),
    allow: interact.allow,
  };
}
