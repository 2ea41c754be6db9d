import { afterEach, describe, expect, it } from 'vitest';
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
});
