import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRouter, PUBLIC_LISTENER_LIMITS, sendBody, sendText, startHttpServer, type HttpServer, type HttpServerOptions, type Route } from '../core/http-server.js';
import type { Logger } from '../core/logger.js';
import { ListenError } from './errors.js';
import type { HealthReport } from './health.js';

/**
 * The daemon's HTTP listener: `/healthz` for a supervisor or load balancer, `/metrics` for Prometheus, and the routes
 * given (`POST /slack/actions` with `interact:`, src/daemon/slack-actions.ts). Loopback by default (`poll.listen:
 * 127.0.0.1:9464`); /healthz and /metrics read no request body. Every route is bounded alike (PUBLIC_LISTENER_LIMITS:
 * 10 s for the headers and for the whole request, 5 s keep-alive, 128 connections at once): a slow or idle client
 * is cut, never kept for node's default five minutes.
 */

/** `127.0.0.1:9464`, `[::1]:9464`, `:9464` (loopback), `9464` → host and port. */
export function parseListen(listen: string): { host: string; port: number } {
  const text = listen.trim();
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ListenError(`poll.listen: expected host:port like 127.0.0.1:9464, got "${listen}"`, { code: 'invalid_listen' });
  }
  const host = match[1] || match[2] || '127.0.0.1';
  return { host, port };
}

export type HealthServer = Pick<HttpServer, 'host' | 'port' | 'url' | 'close'>;

const GET_OR_HEAD = ['GET', 'HEAD'] as const;
const NO_STORE = { 'cache-control': 'no-store' } as const;

/**
 * @example
 * const server = await startHealthServer({ listen: '127.0.0.1:9464', health: () => tracker.report(),
 *   metrics: async () => ({ body: await metrics.render(), contentType: metrics.contentType }), logger });
 */
export async function startHealthServer(options: {
  listen: string;
  health: () => HealthReport;
  metrics: () => Promise<{ body: string; contentType: string }>;
  logger: Logger;
  /** More routes on the same listener (Slack actions). */
  routes?: readonly Route[];
  /** Time and connection bounds for every route; default PUBLIC_LISTENER_LIMITS (tests pass small ones). */
  limits?: Pick<HttpServerOptions, 'timeouts' | 'maxConnections'>;
}): Promise<HealthServer> {
  const { host, port } = parseListen(options.listen);
  const healthz = (_req: IncomingMessage, res: ServerResponse): void => {
    const report = options.health();
    sendBody(res, report.ok ? 200 : 503, `${JSON.stringify(report)}\n`, { 'content-type': 'application/json', ...NO_STORE });
  };
  const metrics = async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const { body, contentType } = await options.metrics();
      sendBody(res, 200, body, { 'content-type': contentType, ...NO_STORE });
    } catch (error) {
      options.logger.error('Rendering metrics failed', { error: String(error) });
      if (!res.headersSent) sendText(res, 500, 'metrics unavailable\n');
      else res.end();
    }
  };
  try {
    return await startHttpServer({
      host,
      port,
      ...(options.limits ?? PUBLIC_LISTENER_LIMITS),
      handler: createRouter({
        routes: [
          { method: GET_OR_HEAD, path: '/healthz', handle: healthz },
          { method: GET_OR_HEAD, path: '/metrics', handle: metrics },
          ...(options.routes ?? []),
        ],
        notFound: (_req, res) => sendText(res, 404, 'not found: try /healthz or /metrics\n'),
      }),
    });
  } catch (error) {
    const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new ListenError(
      inUse
        ? `poll.listen ${host}:${port} is already in use; pick another port (poll.listen: 127.0.0.1:PORT)`
        : `cannot listen on ${host}:${port} (poll.listen): ${(error as Error).message}`,
      { code: inUse ? 'address_in_use' : 'listen_failed', cause: error },
    );
  }
}
