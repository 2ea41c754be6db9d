import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createRouter, readBody, sendBody, sendJson, startHttpServer, type Route } from '../core/http-server.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { DemoActions, DemoClick } from './actions.js';
import type { DemoFeed } from './feed.js';
import type { PreviewResult } from './preview.js';

/**
 * The demo's web server: the page (static, served from this project, no CDN), a live feed of the inbox over
 * server-sent events, the preview endpoint and the messages' buttons (actions.ts). Loopback only. Everything on the page is attacker-controlled finding
 * text, so every response carries a strict Content-Security-Policy and the page builds its DOM with textContent only.
 */

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
  /** The buttons of the messages (POST /api/actions); absent: the page shows them inert. */
  actions?: DemoActions;
}

/** A click is a few hundred bytes (a button's value is at most 2,000 characters). */
const MAX_ACTION_BODY_BYTES = 8 * 1024;

function parseClick(value: unknown): DemoClick | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const text = (x: unknown, max: number): string | undefined => (typeof x === 'string' && x.length <= max ? x : undefined);
  if (typeof v.seq !== 'number' || !Number.isInteger(v.seq) || text(v.actionId, 255) === undefined) return undefined;
  const click: DemoClick = { seq: v.seq, actionId: v.actionId as string };
  const buttonValue = text(v.value, 2000);
  const option = text(v.option, 150);
  if (buttonValue !== undefined) click.value = buttonValue;
  if (option !== undefined) click.option = option;
  return click;
}

export interface DemoServer {
  url: string;
  port: number;
  /** True when the requested port was busy and another was chosen. */
  portFallback: boolean;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const MAX_EVENT_STREAMS = 64;
const HEARTBEAT_MS = 15_000;
/** Previews rendered (or still being sent) at once; more get 503. One preview is bounded (preview.ts), so is this. */
export const MAX_CONCURRENT_PREVIEWS = 2;
/**
 * An event stream whose client stopped reading is dropped once this much waits in its buffer (Node keeps whatever
 * the socket does not take in memory, without limit); a page that is only slow reconnects (`retry:`) and gets a
 * snapshot.
 */
export const MAX_STREAM_BUFFER_BYTES = 1024 * 1024;

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

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
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
 * Microsoft's Adaptive Cards renderer (the adaptivecards package's browser build, which defines `AdaptiveCards`), so
 * the page draws each message's Teams card the way a Teams client's renderer does, served from this machine (no CDN).
 */
export const ADAPTIVE_CARDS_PATH = '/vendor/adaptivecards.min.js';

/** The adaptivecards package's browser build, wherever node_modules is (the package's own or a hoisted one). */
function adaptiveCardsFile(): string {
  return createRequire(import.meta.url).resolve('adaptivecards/dist/adaptivecards.min.js');
}

/**
 * The page's files live in `src/demo/page/`. Under tsx/vitest this module runs from `src/demo/`; compiled by tsc from
 * `dist/demo/`, bundled from `dist/cli/` or `dist/cli/chunks/`, where nothing copies them: so fall back to the sources
 * (shipped in the package's `files`).
 */
export function demoAssetsDir(): string {
  const candidates = [
    new URL('./page/', import.meta.url),
    new URL('../../src/demo/page/', import.meta.url),
    new URL('../../../src/demo/page/', import.meta.url),
  ];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error(`demo page files not found (looked in ${candidates.map((u) => fileURLToPath(u)).join(', ')})`);
}

async function loadAssets(): Promise<Array<{ path: string; body: Buffer; type: string }>> {
  const dir = demoAssetsDir();
  const pageFiles = Object.entries(ASSETS).map(async ([path, asset]) => ({ path, body: await readFile(`${dir}${asset.file}`), type: asset.type }));
  const renderer = (async () => ({ path: ADAPTIVE_CARDS_PATH, body: await readFile(adaptiveCardsFile()), type: 'text/javascript; charset=utf-8' }))();
  return Promise.all([...pageFiles, renderer]);
}

/** Every reply of the demo carries the security headers. */
function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  sendBody(res, status, body, { ...SECURITY_HEADERS, 'Content-Type': type, ...extra });
}

function json(res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  sendJson(res, status, value, { ...SECURITY_HEADERS, 'Cache-Control': 'no-store', ...extra });
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
  let previewsInFlight = 0;

  async function preview(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (previewsInFlight >= MAX_CONCURRENT_PREVIEWS) {
      json(res, 503, { ok: false, errors: [{ path: '$', message: 'busy with other previews; try again in a moment' }] }, { 'Retry-After': '1' });
      return;
    }
    // Counted until the answer has left (finish) or the connection is gone (close), not until it is written: a client
    // that does not read keeps its answer in our memory.
    previewsInFlight += 1;
    let counted = true;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      previewsInFlight -= 1;
    };
    res.once('finish', release);
    res.once('close', release);
    const body = await readBody(req, { maxBytes: maxBody });
    if (!body.ok) {
      json(res, 413, { ok: false, errors: [{ path: '$', message: `input is larger than ${maxBody} bytes` }] }, { Connection: 'close' });
      if (body.aborted) req.destroy();
      return;
    }
    let result: PreviewResult;
    try {
      result = await options.preview(body.body.toString('utf8'));
    } catch (error) {
      logger.error('Preview failed', { error: (error as Error).message });
      json(res, 500, { ok: false, errors: [{ path: '$', message: 'the preview failed unexpectedly; see the demo log' }] });
      return;
    }
    json(res, 200, result);
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    if (streams.size >= MAX_EVENT_STREAMS || closing) {
      json(res, 503, { error: 'too many open pages' }, { 'Retry-After': '5' });
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
    let unsubscribe = (): void => {};
    let heartbeat: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      if (heartbeat !== undefined) clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    /** Before each write: a client that left more than MAX_STREAM_BUFFER_BYTES unread is dropped (one write may exceed it). */
    const fits = (): boolean => {
      if (res.destroyed) return false;
      if (res.writableLength <= MAX_STREAM_BUFFER_BYTES) return true;
      logger.warn('Dropping a demo page stream that stopped reading', { buffered: res.writableLength });
      cleanup();
      res.destroy();
      return false;
    };
    const write = (event: string, data: unknown) => {
      // JSON.stringify escapes newlines, so one `data:` line is always enough.
      if (fits()) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    res.write('retry: 2000\n\n');
    write('snapshot', options.feed.snapshot());
    unsubscribe = options.feed.subscribe((event) => {
      if (event.type === 'message') write('message', event.message);
      else if (event.type === 'update') write('update', event.message);
      else write('decisions', { decisions: event.decisions, stats: event.stats });
    });
    heartbeat = setInterval(() => {
      if (fits()) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
    req.on('close', cleanup);
    res.on('close', cleanup);
  }

  /** A click on a message's button: `{ seq, actionId, value? | option? }` as JSON (a cross-site form cannot send that). */
  async function act(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.actions === undefined) return json(res, 404, { ok: false, error: 'the buttons are off in this demo' });
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return json(res, 415, { ok: false, error: 'send JSON' });
    const body = await readBody(req, { maxBytes: MAX_ACTION_BODY_BYTES });
    if (!body.ok) {
      json(res, 413, { ok: false, error: 'too large' }, { Connection: 'close' });
      if (body.aborted) req.destroy();
      return;
    }
    let click: DemoClick | undefined;
    try {
      click = parseClick(JSON.parse(body.body.toString('utf8')));
    } catch {
      click = undefined;
    }
    if (click === undefined) return json(res, 400, { ok: false, error: 'expected { seq, actionId, value | option }' });
    const result = await options.actions.click(click);
    json(res, result.ok ? 200 : 404, result);
  }

  const routes: Route[] = [
    { method: 'POST', path: '/api/preview', handle: preview },
    { method: 'POST', path: '/api/actions', handle: act },
    { method: 'GET', path: '/events', handle: openEventStream },
    { method: 'GET', path: '/api/messages', handle: (_req, res) => json(res, 200, options.feed.snapshot()) },
    ...assets.map(
      (asset): Route => ({ method: 'GET', path: asset.path, handle: (_req, res) => send(res, 200, asset.type, asset.body, { 'Cache-Control': 'no-cache' }) }),
    ),
    {
      method: 'GET',
      path: '/favicon.ico',
      handle: (_req, res) => sendBody(res, 301, '', { ...SECURITY_HEADERS, Location: '/favicon.svg' }),
    },
  ];
  const route = createRouter({
    routes,
    notFound: (_req, res) => json(res, 404, { error: 'not found' }),
    methodNotAllowed: (_req, res, allow) =>
      json(res, 405, { error: allow.includes('POST') ? 'use POST with the finding JSON as the body' : 'method not allowed' }, { Allow: allow.join(', ') }),
  });

  const http = await startHttpServer({
    host,
    port: options.port,
    fallbackToFreePort: options.fallbackToFreePort !== false,
    timeouts: { keepAliveMs: 5_000, headersMs: 10_000, requestMs: 30_000 },
    handler(req, res) {
      // DNS rebinding: a page on evil.example resolving to 127.0.0.1 would send its own Host; only ours are served.
      if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
        json(res, 421, { error: 'unexpected Host header; open the address the demo printed' });
        return;
      }
      // A browser marks a request another site's page makes (no-cors requests carry no Origin): never served.
      // https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header
      if (req.headers['sec-fetch-site'] === 'cross-site') {
        json(res, 403, { error: 'requests from other sites are not accepted' });
        return;
      }
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedHosts.has(origin.replace(/^https?:\/\//, '').toLowerCase())) {
        json(res, 403, { error: 'cross-origin requests are not accepted' });
        return;
      }
      return route(req, res);
    },
    onError(error, req, res) {
      logger.error('Demo request failed', { path: req.url, error: (error as Error).message });
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    },
  });
  const { port } = http;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  allowedHosts = new Set([`${hostForUrl}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`].map((h) => h.toLowerCase()));

  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    portFallback: http.portFallback,
    async close() {
      if (closing) return;
      closing = true;
      for (const res of streams) res.end();
      streams.clear();
      await http.close();
    },
  };
}
