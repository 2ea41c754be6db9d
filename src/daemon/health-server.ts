import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../core/logger.js';

/**
 * The daemon's HTTP listener: `/healthz` for a supervisor or load balancer, `/metrics` for Prometheus. Loopback by
 * default (`poll.listen: 127.0.0.1:9464`); it serves nothing else and reads no request body.
 */

/** A region is stale when its last successful poll is older than this many intervals. */
export const STALE_AFTER_INTERVALS = 3;

export interface RegionHealth {
  region: string;
  /** Epoch ms of the last poll in which every detector of the region succeeded. */
  lastSuccessAt?: number;
  lastError?: string;
  stale: boolean;
}

export interface HealthReport {
  ok: boolean;
  /** Milliseconds without a successful poll after which a region is stale. */
  staleAfterMs: number;
  regions: RegionHealth[];
  stale: string[];
}

export interface HealthTracker {
  recordSuccess(region: string, at: number): void;
  recordFailure(region: string, error: string): void;
  report(): HealthReport;
}

/**
 * Until a region's first success, the daemon's start counts as its last success: a fresh daemon is healthy for three
 * intervals, then unhealthy if the region never answered.
 */
export function createHealthTracker(options: { regions: readonly string[]; intervalMs: number; now?: () => number; startedAt?: number }): HealthTracker {
  const now = options.now ?? Date.now;
  const startedAt = options.startedAt ?? now();
  const staleAfterMs = STALE_AFTER_INTERVALS * options.intervalMs;
  const state = new Map<string, { lastSuccessAt?: number; lastError?: string }>(options.regions.map((r) => [r, {}]));
  return {
    recordSuccess(region, at) {
      state.set(region, { lastSuccessAt: at });
    },
    recordFailure(region, error) {
      const current = state.get(region) ?? {};
      state.set(region, { ...current, lastError: error });
    },
    report() {
      const at = now();
      const regions = [...state].map(([region, s]) => ({
        region,
        ...(s.lastSuccessAt !== undefined ? { lastSuccessAt: s.lastSuccessAt } : {}),
        ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
        stale: at - (s.lastSuccessAt ?? startedAt) > staleAfterMs,
      }));
      const stale = regions.filter((r) => r.stale).map((r) => r.region);
      return { ok: stale.length === 0, staleAfterMs, regions, stale };
    },
  };
}

/** `127.0.0.1:9464`, `[::1]:9464`, `:9464` (loopback), `9464` → host and port. */
export function parseListen(listen: string): { host: string; port: number } {
  const text = listen.trim();
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`poll.listen: expected host:port like 127.0.0.1:9464, got "${listen}"`);
  }
  const host = match[1] || match[2] || '127.0.0.1';
  return { host, port };
}

export interface HealthServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  close(): Promise<void>;
}

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
}): Promise<HealthServer> {
  const { host, port } = parseListen(options.listen);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      const report = options.health();
      const body = `${JSON.stringify(report)}\n`;
      res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/metrics') {
      options
        .metrics()
        .then(({ body, contentType }) => {
          res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : body);
        })
        .catch((error: unknown) => {
          options.logger.error('Rendering metrics failed', { error: String(error) });
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics unavailable\n');
        });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `poll.listen ${host}:${port} is already in use; pick another port (poll.listen: 127.0.0.1:PORT)`
            : `cannot listen on ${host}:${port} (poll.listen): ${error.message}`,
          { cause: error },
        ),
      );
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    host: address.address,
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
