import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PUBLIC_LISTENER_LIMITS } from '../../src/core/http-server.js';
import { createHealthTracker } from '../../src/daemon/health.js';
import { parseListen, startHealthServer, type HealthServer } from '../../src/daemon/health-server.js';
import { silentLogger } from '../../src/core/logger.js';

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
    [':9464', { host: '127.0.0.1', port: 9464 }],
    ['9464', { host: '127.0.0.1', port: 9464 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
  ])('reads %s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });

  it.each(['', 'host', 'host:', 'host:99999', '1.2.3.4:port'])('rejects %j with the config key in the message', (text) => {
    expect(() => parseListen(text)).toThrow(/poll\.listen: expected host:port/);
  });
});

describe('createHealthTracker', () => {
  it('is healthy for three intervals after start, then names regions without a success as stale', () => {
    let t = 1_000_000;
    const tracker = createHealthTracker({ regions: ['us-east-1', 'eu-west-1'], intervalMs: 60_000, now: () => t });
    expect(tracker.report()).toMatchObject({ ok: true, stale: [], staleAfterMs: 180_000 });
    t += 150_000;
    tracker.recordSuccess('us-east-1', t);
    tracker.recordFailure('eu-west-1', 'AccessDeniedException (HTTP 403): not authorized');
    t += 40_000;
    const report = tracker.report();
    expect(report.ok).toBe(false);
    expect(report.stale).toEqual(['eu-west-1']);
    expect(report.regions.find((r) => r.region === 'eu-west-1')?.lastError).toContain('AccessDenied');
    tracker.recordSuccess('eu-west-1', t);
    expect(tracker.report().ok).toBe(true);
    expect(tracker.report().regions.find((r) => r.region === 'eu-west-1')?.lastError).toBeUndefined();
  });
});

describe('startHealthServer', () => {
  let server: HealthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves /healthz (200/503 with JSON) and /metrics on loopback, and 404 for anything else', async () => {
    let healthy = true;
    server = await startHealthServer({
      listen: '127.0.0.1:0',
      logger: silentLogger,
      health: () => ({ ok: healthy, staleAfterMs: 1, regions: [], stale: healthy ? [] : ['eu-west-1'] }),
      metrics: async () => ({ body: 'x_total 1\n', contentType: 'text/plain; version=0.0.4; charset=utf-8' }),
    });
    expect(server.host).toBe('127.0.0.1');
    const ok = await fetch(`${server.url}/healthz`);
    expect(ok.status).toBe(200);
    healthy = false;
    const bad = await fetch(`${server.url}/healthz`);
    expect(bad.status).toBe(503);
    expect(await bad.json()).toMatchObject({ ok: false, stale: ['eu-west-1'] });
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await metrics.text()).toBe('x_total 1\n');
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('says which poll.listen is taken when the port is in use', async () => {
    server = await startHealthServer({
      listen: '127.0.0.1:0',
      logger: silentLogger,
      health: () => ({ ok: true, staleAfterMs: 1, regions: [], stale: [] }),
      metrics: async () => ({ body: '', contentType: 'text/plain' }),
    });
    await expect(
      startHealthServer({
        listen: `127.0.0.1:${server.port}`,
        logger: silentLogger,
        health: () => ({ ok: true, staleAfterMs: 1, regions: [], stale: [] }),
        metrics: async () => ({ body: '', contentType: 'text/plain' }),
      }),
    ).rejects.toThrow(`poll.listen 127.0.0.1:${server.port} is already in use`);
  });

  describe('bounds every route against slow and idle clients', () => {
    const sockets: Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    afterEach(() => {
      for (const t of timers.splice(0)) clearInterval(t);
      for (const s of sockets.splice(0)) s.destroy();
    });

    /** Resolves when the server closes the socket; bounded: rejects after `withinMs` (a generous bound, not a timing assertion). */
    function closedBy(socket: Socket, withinMs: number): Promise<void> {
      return new Promise((resolve, reject) => {
        if (socket.closed) return resolve();
        const timer = setTimeout(() => reject(new Error(`still open after ${withinMs} ms`)), withinMs);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    function open(port: number): Promise<Socket> {
      return new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
        socket.on('error', () => undefined);
        socket.resume(); // read (and drop) what the server sends, so that its close is seen
        socket.once('error', reject);
        sockets.push(socket);
      });
    }
    async function start(): Promise<HealthServer> {
      const slack = { method: 'POST', path: '/slack/actions', handle: (_req: unknown, res: import('node:http').ServerResponse) => void res.end('ok') };
      return startHealthServer({
        listen: '127.0.0.1:0',
        logger: silentLogger,
        health: () => ({ ok: true, staleAfterMs: 1, regions: [], stale: [] }),
        metrics: async () => ({ body: '', contentType: 'text/plain' }),
        routes: [slack],
        limits: { timeouts: { headersMs: 400, requestMs: 800, keepAliveMs: 300 }, maxConnections: 4 },
      });
    }

    it('the daemon listener defaults to 10 s for headers and the whole request, and caps its connections', () => {
      expect(PUBLIC_LISTENER_LIMITS.timeouts.headersMs).toBeLessThanOrEqual(10_000);
      expect(PUBLIC_LISTENER_LIMITS.timeouts.requestMs).toBeLessThanOrEqual(10_000);
      expect(PUBLIC_LISTENER_LIMITS.timeouts.keepAliveMs).toBeLessThanOrEqual(10_000);
      expect(PUBLIC_LISTENER_LIMITS.maxConnections).toBeGreaterThan(0);
    });

    it.each(['/slack/actions', '/healthz', '/metrics'])('closes a connection that trickles its headers or body to %s', async (path) => {
      server = await start();
      const headers = await open(server.port);
      // Headers one byte at a time, never finished.
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nX-Slow: `;
      let i = 0;
      timers.push(setInterval(() => headers.write(i < head.length ? head[i++]! : 'a'), 50));
      const body = await open(server.port);
      body.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n`);
      timers.push(setInterval(() => body.write('a'), 50));
      await Promise.all([closedBy(headers, 15_000), closedBy(body, 15_000)]);
    });

    it('closes an idle keep-alive connection, and refuses connections past the cap', async () => {
      server = await start();
      const idle = await open(server.port);
      idle.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await closedBy(idle, 15_000);
      const held = await Promise.all([1, 2, 3, 4].map(() => open(server!.port)));
      const extra = await open(server.port);
      await closedBy(extra, 15_000);
      expect(held.every((s) => !s.destroyed)).toBe(true);
    });
  });
});
