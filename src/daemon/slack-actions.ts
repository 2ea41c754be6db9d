import { createRouter, PUBLIC_LISTENER_LIMITS, sendText, startHttpServer, type HttpServer, type HttpServerOptions, type Route } from '../core/http-server.js';
import type { Config, InteractConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { InteractionJob } from '../interact/interaction-job.js';
import type { JobResult } from '../interact/interaction-worker.js';
import { slackActionsRoute } from '../interact/http-route.js';
import { SLACK_ACTIONS_PATH } from '../interact/interaction-handler.js';
import { createInteractionRuntime } from '../pipeline/interact-runtime.js';
import { ListenError } from './errors.js';
import { parseListen } from './health-server.js';
import type { PollingSession } from './polling-session.js';

/**
 * Slack actions on the daemon: `POST /slack/actions` on its listener (`poll.listen`, or `interact.listen` for a
 * listener of its own). Each click is answered at once; its job runs right after, in this process (the daemon is one
 * process by construction: the state file's lock), and shutdown waits for the jobs still running, bounded.
 *
 * The listener speaks plain HTTP; Slack only calls `https://` Request URLs, so a TLS proxy goes in front of it
 * (docs/slack-actions.md). The route needs nothing of the proxy: the signature covers the body, not the host.
 */

/** How long shutdown waits for clicks still being carried out (a firewall write, ArchiveFindings). */
export const JOBS_SHUTDOWN_WAIT_MS = 10_000;
/** Jobs running at once; past it a job is dropped with a warning (its click was answered; nothing is done). */
const MAX_RUNNING_JOBS = 64;

export interface DaemonInteraction {
  /** The route to serve on the shared listener (absent when it has a listener of its own). */
  readonly route?: Route;
  /** Its own listener (`interact.listen`), started. */
  readonly server?: HttpServer;
  /** Waits for running jobs until `deadline` (epoch ms of the daemon's clock), then closes its own listener. */
  stop(deadline: number): Promise<void>;
  /** Jobs started so far (tests, metrics). */
  readonly jobs: ReadonlyArray<Promise<JobResult | undefined>>;
}

/**
 * @example
 * const actions = await startDaemonInteraction({ config, session, logger, now, healthListen: '127.0.0.1:9464' });
 * startHealthServer({ ..., routes: actions.route ? [actions.route] : [] });
 */
export async function startDaemonInteraction(options: {
  config: Config & { interact: InteractConfig };
  session: PollingSession;
  logger: Logger;
  now: () => number;
  env?: NodeJS.ProcessEnv;
  /** Where /healthz listens (false: no listener); `interact.listen` equal to it shares it. */
  healthListen: string | false;
  /** Bounds of its own listener; default PUBLIC_LISTENER_LIMITS, as the shared one. */
  limits?: Pick<HttpServerOptions, 'timeouts' | 'maxConnections'>;
}): Promise<DaemonInteraction> {
  const { config, session, logger, now } = options;
  const { runtime } = session;
  const interaction = await createInteractionRuntime({
    config,
    store: runtime.store,
    ...(runtime.responder === undefined ? {} : { responder: runtime.responder }),
    guardDutyClientFor: (region) => session.clientFor(region),
    logger,
    now,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const running = new Set<Promise<JobResult | undefined>>();
  const jobs: Array<Promise<JobResult | undefined>> = [];
  const onJob = (job: InteractionJob): void => {
    if (running.size >= MAX_RUNNING_JOBS) {
      logger.warn('Too many Slack actions running at once; this one is dropped', { action: job.action.name, user: job.user.id });
      return;
    }
    const run = interaction.worker.run(job).catch((error: unknown) => {
      logger.error('Slack action failed unexpectedly', { action: job.action.name, error: (error as Error).message });
      return undefined;
    });
    running.add(run);
    jobs.push(run);
    if (jobs.length > 1_000) jobs.splice(0, jobs.length - 1_000);
    void run.finally(() => running.delete(run));
  };
  const route = slackActionsRoute({ handler: interaction.handler, onJob, logger });

  const own = config.interact.listen;
  let server: HttpServer | undefined;
  if (own !== undefined && own !== options.healthListen) {
    const { host, port } = parseListen(own);
    try {
      server = await startHttpServer({
        host,
        port,
        ...(options.limits ?? PUBLIC_LISTENER_LIMITS),
        handler: createRouter({ routes: [route], notFound: (_req, res) => sendText(res, 404, `not found: Slack's Request URL is ${SLACK_ACTIONS_PATH}\n`) }),
      });
    } catch (error) {
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      throw new ListenError(
        inUse ? `interact.listen ${host}:${port} is already in use; pick another port` : `cannot listen on ${host}:${port} (interact.listen): ${(error as Error).message}`,
        { code: inUse ? 'address_in_use' : 'listen_failed', cause: error },
      );
    }
    logger.info('Slack actions listening', { url: `${server.url}${SLACK_ACTIONS_PATH}` });
  } else if (options.healthListen === false) {
    logger.warn('interact: is configured but the daemon has no listener (poll.listen off): Slack clicks have nowhere to land; set interact.listen');
  }

  return {
    ...(server === undefined ? { route } : { server }),
    jobs,
    async stop(deadline) {
      const pending = [...running];
      if (pending.length > 0) {
        logger.info('Waiting for Slack actions still running', { running: pending.length });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled(pending),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, Math.max(0, deadline - now()));
          }),
        ]);
        if (timer) clearTimeout(timer);
      }
      await server?.close();
    },
  };
}
