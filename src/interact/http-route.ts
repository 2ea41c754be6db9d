/**
 * `POST /slack/actions` as a route of the notifier's own HTTP helper (core/http-server.ts), for the daemon's listener
 * (src/daemon/slack-actions.ts, next to /healthz and /metrics) and for tests. The raw body is read capped and handed over as bytes,
 * the reply is written, and only then is the job started: Slack has its answer before any slow work begins.
 */
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { readBody, sendBody, sendText, type Route } from '../core/http-server.js';
import { SLACK_ACTIONS_PATH, type InteractionHandler } from './interaction-handler.js';
import type { InteractionJob } from './interaction-job.js';
import { MAX_INTERACTION_BODY_BYTES } from './verify-request.js';

/**
 * @example
 * const route = slackActionsRoute({ handler, onJob: (job) => void worker.run(job) });
 * await startHttpServer({ port: 3000, handler: createRouter({ routes: [route] }) });
 */
export function slackActionsRoute(options: {
  handler: InteractionHandler;
  /** Called after the reply is sent: run the job (daemon) or queue it (Lambda's would not use this route). */
  onJob: (job: InteractionJob) => void;
  logger?: Logger;
  maxBodyBytes?: number;
}): Route {
  const logger = options.logger ?? silentLogger;
  return {
    method: 'POST',
    path: SLACK_ACTIONS_PATH,
    async handle(req, res) {
      const body = await readBody(req, { maxBytes: options.maxBodyBytes ?? MAX_INTERACTION_BODY_BYTES });
      if (!body.ok) {
        logger.warn('Slack request refused', { reason: 'too-large', size: body.size });
        sendText(res, 413, 'too large\n', { connection: 'close' });
        if (body.aborted) req.destroy();
        return;
      }
      const { reply, job } = await options.handler.handle({ headers: req.headers, body: body.body });
      sendBody(res, reply.status, reply.body, reply.headers);
      if (job !== undefined) options.onJob(job);
    },
  };
}
