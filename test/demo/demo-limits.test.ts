import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../src/demo/server.js';
import type { DemoFeed, DemoFeedEvent, DemoMessage, DemoStats } from '../../src/demo/feed.js';
import { createDemoPreview, type PreviewResult } from '../../src/demo/preview.js';
import { eventBridgeFinding } from '../entry/cli-helpers.js';

/**
 * Issue 11 item 6: the demo server is local, but a page in the same browser can reach it. One 990 KB preview of `{}`
 * lines answered 59 MB and blocked the event loop for seconds; clients that never read pushed it to gigabytes. Here:
 * at most 100 messages and 100 errors per preview ("and N more"), a cap on concurrent previews, an event stream that
 * stops reading is dropped past ~1 MB of buffer, and requests a browser marks `Sec-Fetch-Site: cross-site` are refused.
 */

const NOW = Date.parse('2026-05-01T12:00:00.000Z');

function fakeFeed() {
  const listeners = new Set<(event: DemoFeedEvent) => void>();
  const stats: DemoStats = { findings: 0, notified: 0, suppressed: 0, digested: 0, messages: 0 };
  const feed: DemoFeed = {
    snapshot: () => ({ messages: [], decisions: [], stats }),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    feed,
    listenerCount: () => listeners.size,
    push(message: DemoMessage) {
      for (const l of [...listeners]) l({ type: 'message', message });
    },
  };
}

function post(port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let server: DemoServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('demo preview limits', () => {
  it('answers a 990 KB preview of `{}` lines with 100 errors and "and N more", not tens of MB', async () => {
    const fake = fakeFeed();
    server = await startDemoServer({ host: '127.0.0.1', port: 0, feed: fake.feed, preview: createDemoPreview({ now: () => NOW }) });
    const lines = '{}\n'.repeat(330_000); // 990,000 bytes
    const res = await post(server.port, '/api/preview', lines);
    expect(res.status).toBe(200);
    expect(res.body.length).toBeLessThan(100_000);
    const result = JSON.parse(res.body) as PreviewResult;
    expect(result.errors).toHaveLength(101);
    expect(result.errors?.[100]?.message).toBe('and 329,900 more errors');
  });

  it('shows the first 100 of 300 findings and says how many more there are', async () => {
    const preview = createDemoPreview({ now: () => NOW });
    const findings = Array.from({ length: 300 }, (_, i) => eventBridgeFinding({ id: i.toString(16).padStart(32, '0') }));
    const result = await preview(JSON.stringify(findings));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.messages).toHaveLength(100);
    expect(result.errors).toEqual([{ path: '$', message: 'and 200 more findings (the preview shows the first 100)' }]);
  });

  it('refuses more concurrent previews than it runs (503 with Retry-After), and takes the next once one finished', async () => {
    const fake = fakeFeed();
    const gates: Array<() => void> = [];
    const preview = (): Promise<PreviewResult> => new Promise((resolve) => gates.push(() => resolve({ ok: false, errors: [{ path: '$', message: 'x' }] })));
    server = await startDemoServer({ host: '127.0.0.1', port: 0, feed: fake.feed, preview });
    const port = server.port;
    const running = [post(port, '/api/preview', '{}'), post(port, '/api/preview', '{}')];
    await waitUntil(() => gates.length === 2);
    const refused = await post(port, '/api/preview', '{}');
    expect(refused.status).toBe(503);
    for (const open of gates.splice(0)) open();
    expect((await Promise.all(running)).map((r) => r.status)).toEqual([200, 200]);
    const next = post(port, '/api/preview', '{}');
    await waitUntil(() => gates.length === 1);
    gates.splice(0).forEach((open) => open());
    expect((await next).status).toBe(200);
  });
});

describe('demo requests from other sites', () => {
  it.each([
    ['cross-site', 403],
    ['same-origin', 200],
    ['none', 200],
  ])('answers a preview marked Sec-Fetch-Site: %s with %i', async (site, status) => {
    const fake = fakeFeed();
    server = await startDemoServer({ host: '127.0.0.1', port: 0, feed: fake.feed, preview: createDemoPreview({ now: () => NOW }) });
    const res = await post(server.port, '/api/preview', JSON.stringify(eventBridgeFinding()), { 'sec-fetch-site': site });
    expect(res.status).toBe(status);
  });
});

describe('demo event stream', () => {
  it('drops a stream whose client stopped reading once ~1 MB is buffered', async () => {
    const fake = fakeFeed();
    server = await startDemoServer({ host: '127.0.0.1', port: 0, feed: fake.feed, preview: createDemoPreview({ now: () => NOW }) });
    const port = server.port;
    // A client that asks for the stream and then never reads a byte.
    const socket = connect({ host: '127.0.0.1', port });
    socket.pause();
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
    await waitUntil(() => fake.listenerCount() === 1);
    const big = 'x'.repeat(256 * 1024);
    // Far more than the kernel's socket buffers take; bounded so a broken cap cannot run forever.
    for (let i = 0; i < 400 && fake.listenerCount() > 0; i++) {
      fake.push({ seq: i, id: `o${i}`, destination: 'demo', kind: 'new', receivedAt: NOW, findingIds: [], slack: { text: big }, attributes: {} });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(fake.listenerCount()).toBe(0);
    socket.destroy();
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  // Bounded in rounds (at least 30 s): a loaded machine may take seconds to get a loopback request to the server.
  for (let i = 0; i < 3_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
