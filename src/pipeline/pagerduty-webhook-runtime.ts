import type { Config } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import type { Logger } from '../core/logger.js';
import { readBody, sendText, type Route } from '../core/http-server.js';
import { acknowledgeFindings, unacknowledgeFindings, type AcknowledgeDeps } from '../actions/acknowledge.js';
import {
  createPagerDutyWebhookHandler,
  MAX_PAGERDUTY_WEBHOOK_BYTES,
  PAGERDUTY_WEBHOOK_PATH,
  type PagerDutyWebhookHandler,
  type PagerDutyWebhookPorts,
} from '../interact/pagerduty-webhook.js';
import { referenceInTitle, referenceOfKey } from '../render/pagerduty-event.js';
import type { Store } from '../state/store.js';

/**
 * The PagerDuty webhook wired to the store and the acknowledgement gate: the daemon serves it on its listener, the
 * Lambda on its Function URL. Present only when a `pagerduty` destination has a `webhookSecret`.
 */

/** The webhook secrets of every pagerduty destination that has one, resolved once. Empty: no webhook. */
export async function pagerDutyWebhookSecrets(config: Pick<Config, 'destinations'>, secrets: SecretResolver): Promise<string[]> {
  const out: string[] = [];
  for (const [i, dest] of config.destinations.entries()) {
    if (dest.type === 'pagerduty' && dest.webhookSecret !== undefined) out.push(await secrets.resolve(dest.webhookSecret, `destinations[${i}].webhookSecret`));
  }
  return out;
}

export function pagerDutyWebhookPorts(deps: AcknowledgeDeps & { store: Store }): PagerDutyWebhookPorts {
  const { store } = deps;
  return {
    claimOnce: (key, expiresAt, now) => store.claimOnce(key, expiresAt, now),
    async findingsOf({ incidentKey, title }) {
      const ref = incidentKey === undefined ? undefined : referenceOfKey(incidentKey);
      if (ref !== undefined) {
        const pages = (await store.getPages(ref)).filter((p) => p.dedupKey === incidentKey);
        if (pages.length > 0) return [...new Set(pages.flatMap((p) => p.findingIds))];
      }
      const titled = title === undefined ? undefined : referenceInTitle(title);
      if (titled === undefined) return [];
      return [...new Set((await store.getPages(titled)).flatMap((p) => p.findingIds))];
    },
    async apply(change, request) {
      if (change === 'unacknowledged') {
        await unacknowledgeFindings(deps, request);
        return;
      }
      await acknowledgeFindings(deps, { ...request, via: 'pagerduty' });
    },
  };
}

/** `POST /pagerduty/webhook` on an HTTP listener of ours (the daemon's). */
export function pagerDutyWebhookRoute(handler: PagerDutyWebhookHandler, logger: Logger): Route {
  return {
    method: 'POST',
    path: PAGERDUTY_WEBHOOK_PATH,
    async handle(req, res) {
      const body = await readBody(req, { maxBytes: MAX_PAGERDUTY_WEBHOOK_BYTES });
      if (!body.ok) {
        logger.warn('PagerDuty webhook refused', { reason: 'too-large', size: body.size });
        sendText(res, 413, 'too large\n', { connection: 'close' });
        if (body.aborted) req.destroy();
        return;
      }
      try {
        const reply = await handler.handle({ headers: req.headers, body: body.body });
        sendText(res, reply.status, reply.body);
      } catch (error) {
        logger.error('PagerDuty webhook failed', { error: String(error) });
        sendText(res, 500, 'failed\n');
      }
    },
  };
}

/** The handler for a config, or undefined when no pagerduty destination has a webhookSecret. */
export async function createPagerDutyWebhook(options: {
  config: Config;
  store: Store;
  secrets: SecretResolver;
  logger: Logger;
  now?: () => number;
  rewriteMessage?: AcknowledgeDeps['rewriteMessage'];
}): Promise<PagerDutyWebhookHandler | undefined> {
  const secrets = await pagerDutyWebhookSecrets(options.config, options.secrets);
  if (secrets.length === 0) return undefined;
  const deps: AcknowledgeDeps = {
    config: options.config,
    store: options.store,
    logger: options.logger,
    ...(options.rewriteMessage === undefined ? {} : { rewriteMessage: options.rewriteMessage }),
  };
  return createPagerDutyWebhookHandler({
    secrets,
    ports: pagerDutyWebhookPorts({ ...deps, store: options.store }),
    logger: options.logger,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}
