import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { SlackMessage, TextMessage } from '../core/message.js';
import type { DecisionRecord } from '../state/store.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';

/**
 * The demo's web server: the page (static, served from this project, no CDN), a live feed of the inbox over
 * server-sent events, and the preview endpoint. Loopback only. Everything on the page is attacker-controlled finding
 * text, so every response carries a strict Content-Security-Policy and the page builds its DOM with textContent only.
 */

export interface PreviewError {
  path: string;
  message: string;
}

export interface PreviewMessage {
  slack: SlackMessage;
  text: TextMessage;
  attributes?: Record<string, string>;
  /** The finding document the message was made from. */
  finding: unknown;
}

export type PreviewResult =
  | { ok: true; messages: PreviewMessage[]; errors?: PreviewError[] }
  | { ok: false; errors: PreviewError[] };

/** One inbox message as the page receives it. */
export interface DemoMessage {
  seq: number;
  id: string;
  destination: string;
  kind: string;
  receivedAt: number;
  findingIds: string[];
  slack: SlackMessage;
  text: TextMessage;
  attributes: Record<string, string>;
  /** The finding document behind a single message (absent for digests). */
  source?: unknown;
}

export interface DemoStats {
  findings: number;
  notified: number;
  suppressed: number;
  digested: number;
  messages: number;
}

export interface DemoSnapshot {
  messages: DemoMessage[];
  /** Most recent first. */
  decisions: DecisionRecord[];
  stats: DemoStats;
}

export type DemoFeedEvent =
  | { type: 'message'; message: DemoMessage }
  | { type: 'decisions'; decisions: DecisionRecord[]; stats: DemoStats };

/** What the server shows: the demo (or a test) implements it. */
export interface DemoFeed {
  snapshot(): DemoSnapshot;
  /** Calls `listener` for every new message and decision batch; returns the unsubscribe function. */
  subscribe(listener: (event: DemoFeedEvent) => void): () => void;
}

export interface DemoServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  preview: (text: string) => Promise<PreviewResult>;
  feed: DemoFeed;
  /** When the port is taken, listen on a free one instead of failing (default true). */
  fallbackToFreePort?: boolean;
  /** Largest preview body accepted (default 1 MiB); bigger gets 413. */
  maxBodyBytes?: number;
  logger?: Logger;
}

export interface DemoServer {
  url: string;
  port: number;
  /** True when the requested port was busy and another was chosen. */
  portFallback: boolean;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Past this we stop reading a too-large body and drop the connection. */
const DISCARD_LIMIT_BYTES = 16 * 1024 * 1024;
const MAX_EVENT_STREAMS = 64;
const HEARTBEAT_MS = 15_000;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const ASSETS = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/demo.css': { file: 'demo.css', type: 'text/css; charset=utf-8' },
  '/demo.js': { file: 'demo.js', type: 'text/javascript; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
} as const;

/**
 * The page's files live in `src/entry/demo/`. Under tsx/vitest this module runs from there; compiled, it runs from
 * `dist/entry/`, where tsc does not copy them, so fall back to the sources (shipped in the package's `files`).
 */
export function demoAssetsDir(): string {
  const candidates = [new URL('./demo/', import.meta.url), new URL('../../src/entry/demo/', import.meta.url)];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error(`demo page files not found (looked in ${candidates.map((u) => fileURLToPath(u)).join(', ')})`);
}

async function loadAssets(): Promise<Map<string, { body: Buffer; type: string }>> {
  const dir = demoAssetsDir();
  const out = new Map<string, { body: Buffer; type: string }>();
  for (const [path, asset] of Object.entries(ASSETS)) {
    out.set(path, { body: await readFile(`${dir}${asset.file}`), type: asset.type });
  }
  return out;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), { 'Cache-Control': 'no-store', ...extra });
}

type BodyResult = { ok: true; text: string } | { ok: false; tooLarge: true; size: number };

/** Reads the body up to `max` bytes; past it, keeps draining (so the client can read our 413) up to a hard limit. */
function readBody(req: IncomingMessage, max: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      if (!over) chunks.push(chunk);
      if (size > DISCARD_LIMIT_BYTES) {
        req.destroy();
        resolve({ ok: false, tooLarge: true, size });
      }
    });
    req.on('end', () => resolve(over ? { ok: false, tooLarge: true, size } : { ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', reject);
  });
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * @example
 * const server = await startDemoServer({ host: '127.0.0.1', port: 8080, preview, feed });
 * console.log(server.url);
 * await server.close();
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = options.logger ?? silentLogger;
  const assets = await loadAssets();
  const streams = new Set<ServerResponse>();
  let allowedHosts = new Set<string>();
  let closing = false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 would send its own Host; only ours are served.
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      sendJson(res, 421, { error: 'unexpected Host header; open the address the demo printed' });
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts.has(origin.replace(/^https?:\/\//, '').toLowerCase())) {
      sendJson(res, 403, { error: 'cross-origin requests are not accepted' });
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';

    if (path === '/api/preview') {
      if (method !== 'POST') {
        sendJson(res, 405, { error: 'use POST with the finding JSON as the body' }, { Allow: 'POST' });
        return;
      }
      const declared = Number(req.headers['content-length'] ?? '0');
      if (declared > DISCARD_LIMIT_BYTES) {
        sendJson(res, 413, { ok: false, errors: [{ path: '$', message: `input is larger than ${maxBody} bytes` }] }, { Connection: 'close' });
        req.destroy();
        return;
      }
      const body = await readBody(req, maxBody);
      if (!body.ok) {
        sendJson(res, 413, { ok: false, errors: [{ path: '$', message: `input is larger than ${maxBody} bytes` }] }, { Connection: 'close' });
        return;
      }
      let result: PreviewResult;
      try {
        result = await options.preview(body.text);
      } catch (error) {
        logger.error('Preview failed', { error: (error as Error).message });
        sendJson(res, 500, { ok: false, errors: [{ path: '$', message: 'the preview failed unexpectedly; see the demo log' }] });
        return;
      }
      sendJson(res, 200, result);
      return;
    }

    if (method !== 'GET' && method !== 'HEAD') {
      sendJson(res, 405, { error: 'method not allowed' }, { Allow: 'GET' });
      return;
    }

    if (path === '/events') {
      openEventStream(req, res);
      return;
    }
    if (path === '/api/messages') {
      sendJson(res, 200, options.feed.snapshot());
      return;
    }
    const asset = assets.get(path);
    if (asset) {
      send(res, 200, asset.type, asset.body, { 'Cache-Control': 'no-cache' });
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(301, { ...SECURITY_HEADERS, Location: '/favicon.svg', 'Content-Length': '0' });
      res.end();
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    if (streams.size >= MAX_EVENT_STREAMS || closing) {
      sendJson(res, 503, { error: 'too many open pages' }, { 'Retry-After': '5' });
      return;
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    streams.add(res);
    const write = (event: string, data: unknown) => {
      // JSON.stringify escapes newlines, so one `data:` line is always enough.
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    res.write('retry: 2000\n\n');
    write('snapshot', options.feed.snapshot());
    const unsubscribe = options.feed.subscribe((event) => {
      if (event.type === 'message') write('message', event.message);
      else write('decisions', { decisions: event.decisions, stats: event.stats });
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', cleanup);
    res.on('close', cleanup);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error('Demo request failed', { path: req.url, error: (error as Error).message });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  let port: number;
  let portFallback = false;
  try {
    port = await listen(server, host, options.port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' || options.fallbackToFreePort === false || options.port === 0) throw error;
    port = await listen(server, host, 0);
    portFallback = true;
  }
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  allowedHosts = new Set([`${hostForUrl}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`].map((h) => h.toLowerCase()));

  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    portFallback,
    async close() {
      if (closing) return;
      closing = true;
      for (const res of streams) res.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
