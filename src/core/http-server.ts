import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * The one small HTTP layer of the notifier's own listeners (the demo page, the daemon's /healthz and /metrics, next
 * the Slack actions endpoint): listen (loopback by default), track sockets so that `close()` is immediate, route on
 * method + path, read capped request bodies as raw bytes, reply with JSON or text. Only node:http underneath: each
 * caller adds its own headers (the demo's Content-Security-Policy) and its own error wording.
 */

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServer {
  readonly server: Server;
  /** The bound address (`127.0.0.1`, `::1`, ...). */
  readonly host: string;
  readonly port: number;
  /** `http://host:port` of the bound address (IPv6 in brackets). */
  readonly url: string;
  /** True when the requested port was taken and `fallbackToFreePort` picked another. */
  readonly portFallback: boolean;
  /** Stops listening and cuts every connection at once, hung and keep-alive ones included. Idempotent. */
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Default 127.0.0.1: nothing listens beyond loopback unless asked. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** When `port` is taken (EADDRINUSE), listen on a free one instead of failing (default false). */
  fallbackToFreePort?: boolean;
}

export interface HttpServerOptions extends ListenOptions {
  handler: RequestHandler;
  /** Called when the handler throws or rejects; default: 500 text (or a cut connection once headers are out). */
  onError?(error: unknown, req: IncomingMessage, res: ServerResponse): void;
  /** node:http's timeouts, in ms (keep-alive idle, time to receive the headers, time to receive the whole request). */
  timeouts?: { keepAliveMs?: number; headersMs?: number; requestMs?: number };
  /** Connections open at once; one more is closed as soon as it opens (node:http `server.maxConnections`). */
  maxConnections?: number;
}

/**
 * Bounds for a listener that anyone who can reach it may call (the daemon's /healthz, /metrics and /slack/actions).
 * node:http's own defaults let a client hold a connection for minutes: `requestTimeout` 300 s, no connection cap
 * (https://nodejs.org/api/http.html#serverrequesttimeout). A genuine request here is small and sent at once, so ten
 * seconds for the headers and for the whole request are plenty; Slack itself waits only 3 s for our answer
 * (https://docs.slack.dev/interactivity/handling-user-interaction).
 */
export const PUBLIC_LISTENER_LIMITS = {
  timeouts: { headersMs: 10_000, requestMs: 10_000, keepAliveMs: 5_000 },
  maxConnections: 128,
} as const satisfies Pick<HttpServerOptions, 'timeouts' | 'maxConnections'>;

function listenOnce(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Listens with an existing server (test stand-ins build their own) and tracks its sockets. The listen error is the
 * node error itself (`code` EADDRINUSE, EACCES, ...): callers word it for their config key.
 *
 * @example
 * const { url, close } = await listenTracked(createServer(handler), { port: 0 });
 */
export async function listenTracked(server: Server, options: ListenOptions): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let portFallback = false;
  try {
    await listenOnce(server, host, options.port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' || options.fallbackToFreePort !== true || options.port === 0) throw error;
    await listenOnce(server, host, 0);
    portFallback = true;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    server,
    host: address.address,
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    portFallback,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // closeAllConnections ends what node:http knows of; destroying the tracked sockets also ends hijacked ones.
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/**
 * Creates a server for `handler` and listens (see {@link listenTracked}).
 *
 * @example
 * const http = await startHttpServer({ port: 9464, handler: createRouter({ routes: [
 *   { method: 'GET', path: '/healthz', handle: (req, res) => sendJson(res, 200, { ok: true }) },
 * ] }) });
 * await http.close();
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const onError =
    options.onError ??
    ((_error: unknown, _req: IncomingMessage, res: ServerResponse) => {
      if (!res.headersSent) sendText(res, 500, 'internal error\n');
      else res.destroy();
    });
  const { keepAliveMs, headersMs, requestMs } = options.timeouts ?? {};
  // node:http checks headersTimeout and requestTimeout only every `connectionsCheckingInterval` (30 s by default): a
  // bound of 10 s would really be 10–40 s. Check at a quarter of the smallest bound (at least every 250 ms).
  const bounds = [headersMs, requestMs].filter((ms): ms is number => ms !== undefined && ms > 0);
  const checkEvery = bounds.length === 0 ? undefined : Math.max(250, Math.floor(Math.min(...bounds) / 4));
  const server = createServer(checkEvery === undefined ? {} : { connectionsCheckingInterval: checkEvery }, (req, res) => {
    Promise.resolve()
      .then(() => options.handler(req, res))
      .catch((error: unknown) => onError(error, req, res));
  });
  if (keepAliveMs !== undefined) server.keepAliveTimeout = keepAliveMs;
  if (headersMs !== undefined) server.headersTimeout = headersMs;
  if (requestMs !== undefined) server.requestTimeout = requestMs;
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  return listenTracked(server, options);
}

export interface Route {
  /** The method(s) served; a GET route answers HEAD too (node:http drops the body of a HEAD reply). */
  method: string | readonly string[];
  /** The exact path, query string aside. */
  path: string;
  handle: RequestHandler;
}

export interface RouterOptions {
  routes: readonly Route[];
  /** No route has the path. Default: 404 text. */
  notFound?: RequestHandler;
  /** A route has the path but not the method. Default: 405 text with `Allow`. */
  methodNotAllowed?(req: IncomingMessage, res: ServerResponse, allow: readonly string[]): void | Promise<void>;
}

/** The request's path without the query string. */
export function requestPath(req: IncomingMessage): string {
  return (req.url ?? '/').split('?', 1)[0] || '/';
}

/**
 * A tiny router: exact path, then method. Paths are matched in a Map, never as keys of a plain object.
 *
 * @example
 * const handler = createRouter({ routes: [{ method: 'POST', path: '/slack/actions', handle: onAction }] });
 */
export function createRouter(options: RouterOptions): RequestHandler {
  const byPath = new Map<string, Map<string, RequestHandler>>();
  for (const route of options.routes) {
    let methods = byPath.get(route.path);
    if (!methods) byPath.set(route.path, (methods = new Map()));
    for (const method of typeof route.method === 'string' ? [route.method] : route.method) {
      methods.set(method.toUpperCase(), route.handle);
      if (method.toUpperCase() === 'GET' && !methods.has('HEAD')) methods.set('HEAD', route.handle);
    }
  }
  const notFound: RequestHandler = options.notFound ?? ((_req, res) => sendText(res, 404, 'not found\n'));
  const methodNotAllowed =
    options.methodNotAllowed ??
    ((_req: IncomingMessage, res: ServerResponse, allow: readonly string[]) => sendText(res, 405, 'method not allowed\n', { Allow: allow.join(', ') }));
  return (req, res) => {
    const methods = byPath.get(requestPath(req));
    if (!methods) return notFound(req, res);
    const handle = methods.get((req.method ?? 'GET').toUpperCase());
    if (!handle) return methodNotAllowed(req, res, [...methods.keys()]);
    return handle(req, res);
  };
}

export type BodyResult =
  | { ok: true; body: Buffer }
  /**
   * Larger than `maxBytes`: answer 413. `aborted` when the rest was not read (declared or sent beyond
   * `discardLimitBytes`): the connection cannot be reused, so drop it after answering (`req.destroy()`).
   */
  | { ok: false; tooLarge: true; size: number; aborted: boolean };

/** Past this a too-large body is no longer drained (so the client can read our 413) and the connection is dropped. */
export const DEFAULT_DISCARD_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Reads the request body as raw bytes (a signature check needs them exactly as sent), at most `maxBytes`. Past
 * that it keeps draining without keeping, up to `discardLimitBytes`, so that the client reads the 413 instead of a
 * reset.
 *
 * @example
 * const body = await readBody(req, { maxBytes: 1024 * 1024 });
 * if (!body.ok) return sendJson(res, 413, { error: 'too large' }, { Connection: 'close' });
 */
export function readBody(req: IncomingMessage, options: { maxBytes: number; discardLimitBytes?: number }): Promise<BodyResult> {
  const max = options.maxBytes;
  const discardLimit = options.discardLimitBytes ?? DEFAULT_DISCARD_LIMIT_BYTES;
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > discardLimit) return Promise.resolve({ ok: false, tooLarge: true, size: declared, aborted: true });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      if (!over) chunks.push(chunk);
      if (size > discardLimit) {
        req.destroy();
        resolve({ ok: false, tooLarge: true, size, aborted: true });
      }
    });
    req.on('end', () => resolve(over ? { ok: false, tooLarge: true, size, aborted: false } : { ok: true, body: Buffer.concat(chunks) }));
    req.on('error', reject);
  });
}

/**
 * Sends `body` with `status` and the headers given (names case-insensitive: a later one wins) plus Content-Length.
 */
export function sendBody(res: ServerResponse, status: number, body: string | Buffer, headers: Readonly<Record<string, string>> = {}): void {
  const merged = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) merged.set(name.toLowerCase(), value);
  merged.set('content-length', String(Buffer.byteLength(body)));
  res.writeHead(status, Object.fromEntries(merged));
  res.end(body);
}

/** JSON reply (`application/json; charset=utf-8`). */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
  sendBody(res, status, JSON.stringify(value), { 'content-type': 'application/json; charset=utf-8', ...headers });
}

/** Plain-text reply (`text/plain; charset=utf-8` unless `headers` names another type). */
export function sendText(res: ServerResponse, status: number, text: string, headers: Readonly<Record<string, string>> = {}): void {
  sendBody(res, status, text, { 'content-type': 'text/plain; charset=utf-8', ...headers });
}
