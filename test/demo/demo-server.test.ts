import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInboxSink } from '../../src/deliver/inbox.js';
import type { OutgoingMessage } from '../../src/deliver/sink.js';
import { ADAPTIVE_CARDS_PATH, CONTENT_SECURITY_POLICY, demoAssetsDir, startDemoServer, type DemoServer } from '../../src/demo/server.js';
import type { DemoFeed, DemoFeedEvent, DemoMessage, DemoStats } from '../../src/demo/feed.js';
import { createDemoPreview } from '../../src/demo/preview.js';
import { demoStep } from '../../src/demo/script.js';
import { sampleFindingIds, type SampleDocument } from '../../src/sources/sample-variants.js';
import { runDemo, startDemo } from '../../src/demo/demo.js';
import { generateSampleFindings } from '../../src/sources/samples.js';
import type { LoggedDecision } from '../../src/policy/decision-record.js';
import { openEventStream } from './sse.js';

const NOW = Date.parse('2026-05-01T12:00:00.000Z');

function fakeFeed() {
  const listeners = new Set<(event: DemoFeedEvent) => void>();
  const messages: DemoMessage[] = [];
  const stats: DemoStats = { findings: 0, notified: 0, suppressed: 0, digested: 0, messages: 0 };
  const feed: DemoFeed = {
    snapshot: () => ({ messages: [...messages], decisions: [], stats }),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    feed,
    listenerCount: () => listeners.size,
    push(message: DemoMessage) {
      messages.push(message);
      for (const l of listeners) l({ type: 'message', message });
    },
  };
}

function demoMessage(seq: number, title: string): DemoMessage {
  return {
    seq,
    id: `outbox-${seq}`,
    destination: 'demo',
    kind: 'new',
    receivedAt: NOW,
    findingIds: [`f${seq}`],
    slack: { text: title, blocks: [{ type: 'header', text: { type: 'plain_text', text: title } }] },
    attributes: { band: 'High' },
  };
}

/** A raw HTTP request, so the Host and Origin headers are exactly what we say (fetch would fix them). */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('demo server', () => {
  const fake = fakeFeed();
  let server: DemoServer;

  beforeAll(async () => {
    server = await startDemoServer({ host: '127.0.0.1', port: 0, feed: fake.feed, preview: createDemoPreview({ now: () => NOW }) });
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(['/', '/demo.js', '/demo.css', '/favicon.svg', ADAPTIVE_CARDS_PATH, '/api/messages', '/no-such-page'])(
    'sends a strict Content-Security-Policy and nosniff with %s',
    async (path) => {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
      expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
      expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    },
  );

  it('serves the page, its script and styles with their types', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<script src="/demo.js" defer></script>');
    const js = await fetch(`${server.url}/demo.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('serves Microsoft\'s Adaptive Cards renderer from this machine, and the page loads it before its own script', async () => {
    const res = await fetch(`${server.url}${ADAPTIVE_CARDS_PATH}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const served = Buffer.from(await res.arrayBuffer());
    const shipped = await readFile(createRequire(import.meta.url).resolve('adaptivecards/dist/adaptivecards.min.js'));
    expect(served.equals(shipped)).toBe(true);
    const html = await readFile(`${demoAssetsDir()}index.html`, 'utf8');
    expect(html.indexOf(`<script src="${ADAPTIVE_CARDS_PATH}" defer></script>`)).toBeGreaterThan(-1);
    expect(html.indexOf(ADAPTIVE_CARDS_PATH)).toBeLessThan(html.indexOf('/demo.js'));
  });

  it('has no inline script, style or event handler, and builds its DOM without innerHTML', async () => {
    const html = await readFile(`${demoAssetsDir()}index.html`, 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN: works offline
    const js = await readFile(`${demoAssetsDir()}demo.js`, 'utf8');
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    const css = await readFile(`${demoAssetsDir()}demo.css`, 'utf8');
    expect(css).not.toMatch(/@import|url\(["']?https?:/);
  });

  it('previews a pasted finding: the Slack payload, the text and the source finding', async () => {
    const [event] = generateSampleFindings({ now: NOW, seed: 11, count: 1 });
    const res = await fetch(`${server.url}/api/preview`, { method: 'POST', body: JSON.stringify(event) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; messages: Array<{ slack: { text: string }; finding: { id: string } }> };
    expect(body.ok).toBe(true);
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0]?.slack.text).toContain(event?.detail.title);
    expect(body.messages[0]?.finding.id).toBe(event?.detail.id);
  });

  it('previews the Teams card a teams-workflow destination would post for the finding', async () => {
    const [event] = generateSampleFindings({ now: NOW, seed: 11, count: 1 });
    const res = await fetch(`${server.url}/api/preview`, { method: 'POST', body: JSON.stringify(event) });
    const body = (await res.json()) as { messages: Array<{ teams?: { type: string; version: string; body: unknown[] } }> };
    const card = body.messages[0]?.teams;
    expect(card).toMatchObject({ type: 'AdaptiveCard' });
    expect(JSON.stringify(card?.body)).toContain(JSON.stringify(event?.detail.title).slice(1, -1));
  });

  it.each([
    ['broken JSON', '{"detail-type": "GuardDuty Finding", ', /invalid JSON at line 1/],
    ['JSON that is not a finding', '{"hello": "world"}', /expected a GuardDuty finding/],
    ['nothing', '   ', /empty/],
  ])('explains why %s is not a finding, with the path', async (_, body, reason) => {
    const res = await fetch(`${server.url}/api/preview`, { method: 'POST', body });
    expect(res.status).toBe(200);
    const result = (await res.json()) as { ok: boolean; errors: Array<{ path: string; message: string }> };
    expect(result.ok).toBe(false);
    expect(result.errors[0]?.path).toBe('$');
    expect(result.errors[0]?.message).toMatch(reason);
  });

  it('refuses a body over 1 MB with 413', async () => {
    const huge = JSON.stringify({ padding: 'x'.repeat(1024 * 1024 + 10) });
    const res = await fetch(`${server.url}/api/preview`, { method: 'POST', body: huge });
    expect(res.status).toBe(413);
    const result = (await res.json()) as { ok: boolean; errors: Array<{ message: string }> };
    expect(result.ok).toBe(false);
    expect(result.errors[0]?.message).toMatch(/larger than 1048576 bytes/);
  });

  it('answers 405 to a GET of the preview endpoint', async () => {
    const res = await fetch(`${server.url}/api/preview`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('refuses other Host names (DNS rebinding) and cross-origin requests', async () => {
    expect((await rawGet(server.port, '/api/messages', { Host: 'evil.example' })).status).toBe(421);
    expect((await rawGet(server.port, '/api/messages', { Host: `127.0.0.1:${server.port}`, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await rawGet(server.port, '/api/messages', { Host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('streams the inbox over server-sent events: a snapshot, then each new message', async () => {
    fake.push(demoMessage(1, 'First finding'));
    const stream = await openEventStream(`${server.url}/events`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      const snapshot = await stream.next((e) => e.event === 'snapshot');
      expect((JSON.parse(snapshot.data) as { messages: DemoMessage[] }).messages.map((m) => m.seq)).toEqual([1]);
      fake.push(demoMessage(2, 'Second finding with\nnew lines'));
      const message = await stream.next((e) => e.event === 'message');
      const parsed = JSON.parse(message.data) as DemoMessage;
      expect(parsed.seq).toBe(2);
      expect(parsed.slack.text).toBe('Second finding with\nnew lines');
    } finally {
      stream.close();
    }
  });

  it('lists the inbox as JSON', async () => {
    const res = await fetch(`${server.url}/api/messages`);
    const body = (await res.json()) as { messages: DemoMessage[]; stats: DemoStats };
    expect(body.messages.length).toBeGreaterThanOrEqual(1);
    expect(body.stats).toMatchObject({ findings: 0 });
  });
});

describe('demo server lifecycle', () => {
  it('close() ends open event streams and frees the port', async () => {
    const fake = fakeFeed();
    const server = await startDemoServer({ port: 0, feed: fake.feed, preview: createDemoPreview() });
    const stream = await openEventStream(`${server.url}/events`);
    await stream.next((e) => e.event === 'snapshot');
    expect(fake.listenerCount()).toBe(1);
    await server.close();
    await expect(stream.next()).rejects.toThrow();
    expect(fake.listenerCount()).toBe(0);
    const again = await startDemoServer({ port: server.port, feed: fake.feed, preview: createDemoPreview(), fallbackToFreePort: false });
    expect(again.port).toBe(server.port);
    await again.close();
  });

  it('picks a free port when the one asked for is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const fake = fakeFeed();
      const server = await startDemoServer({ port: taken, feed: fake.feed, preview: createDemoPreview() });
      expect(server.portFallback).toBe(true);
      expect(server.port).not.toBe(taken);
      expect((await fetch(server.url)).status).toBe(200);
      await server.close();
      await expect(startDemoServer({ port: taken, feed: fake.feed, preview: createDemoPreview(), fallbackToFreePort: false })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('inbox sink', () => {
  function outgoing(i: number): OutgoingMessage {
    return {
      id: `row-${i}`,
      destination: 'demo',
      kind: 'new',
      findingId: `finding-${i}`,
      findingIds: [`finding-${i}`],
      message: { slack: { text: `message ${i}` }, text: { subject: 's', body: 'b' }, attributes: {} },
    };
  }

  it('keeps the last messages in order, numbers them, and tells listeners', async () => {
    const inbox = createInboxSink({ name: 'demo', limit: 3, now: () => NOW });
    const heard: number[] = [];
    inbox.events.on('message', (entry: { seq: number }) => heard.push(entry.seq));
    for (let i = 1; i <= 5; i += 1) await expect(inbox.send(outgoing(i))).resolves.toEqual({});
    expect(heard).toEqual([1, 2, 3, 4, 5]);
    expect(inbox.messages().map((m) => [m.seq, m.id, m.findingId, m.receivedAt])).toEqual([
      [3, 'row-3', 'finding-3', NOW],
      [4, 'row-4', 'finding-4', NOW],
      [5, 'row-5', 'finding-5', NOW],
    ]);
    expect(inbox.type).toBe('inbox');
    expect(inbox.describe()).toContain('demo');
  });
});

describe('the demo (real pipeline into the inbox)', () => {
  it('scripts every policy outcome early: new, duplicate, escalation, digest', () => {
    const kinds = Array.from({ length: 20 }, (_, i) => demoStep(i).kind);
    expect(kinds.slice(0, 5)).toEqual(['single', 'single', 'single', 'single', 'hostile']);
    for (const kind of ['duplicate', 'escalate', 'burst']) expect(kinds).toContain(kind);
  });

  it('feeds sample findings through the pipeline and shows sent, suppressed and digested', async () => {
    const demo = await startDemo({ port: 0, paceMs: 1, seed: 3, maxFindings: 45, logger: silent });
    const decisions: LoggedDecision[] = [];
    try {
      await new Promise<void>((resolve) => {
        const unsubscribe = demo.feed.subscribe((event) => {
          if (event.type === 'decisions') decisions.push(...event.decisions);
          if (event.type === 'decisions' && event.stats.findings >= 45) {
            unsubscribe();
            resolve();
          }
        });
      });
    } finally {
      await demo.stop();
    }
    const snapshot = demo.feed.snapshot();
    const kinds = new Set(snapshot.messages.map((m) => m.kind));
    expect(kinds).toEqual(new Set(['new', 'escalated', 'digest']));
    expect(decisions.some((d) => d.outcome === 'suppress' && d.reason === 'duplicate')).toBe(true);
    expect(decisions.some((d) => d.outcome === 'digest')).toBe(true);
    // A step feeds one finding or several (a burst, an attack sequence with its signal), so the last may overshoot.
    expect(snapshot.stats.findings).toBeGreaterThanOrEqual(45);
    expect(snapshot.stats.notified + snapshot.stats.suppressed + snapshot.stats.digested).toBe(snapshot.stats.findings);
    // Single messages carry the document they came from (GuardDuty, Security Hub OCSF, a scan result); digests carry
    // their finding ids.
    for (const m of snapshot.messages) {
      if (m.kind === 'digest') expect(m.findingIds.length).toBeGreaterThan(5);
      else expect(sampleFindingIds(m.source as SampleDocument)).toContain(m.findingIds[0]);
    }
    expect(snapshot.messages.some((m) => JSON.stringify(m.slack).includes('via Security Hub (OCSF)')), 'an OCSF finding reached the inbox').toBe(true);
    expect(snapshot.messages.some((m) => JSON.stringify(m.slack).includes('Malware Protection for S3')), 'a scan result reached the inbox').toBe(true);
    const hostile = snapshot.messages.find((m) => JSON.stringify(m.slack).includes('onerror'));
    expect(hostile, 'the hostile sample reached the inbox').toBeDefined();
  });

  it('a second demo on a busy port still starts, on another port', async () => {
    const first = await startDemo({ port: 0, paceMs: 60_000, seed: 1, logger: silent });
    try {
      const second = await startDemo({ port: first.port, paceMs: 60_000, seed: 2, logger: silent });
      expect(second.port).not.toBe(first.port);
      expect((await fetch(second.url)).status).toBe(200);
      await second.stop();
    } finally {
      await first.stop();
    }
  });

  it('runDemo prints its address and returns once stopped', async () => {
    const out = new PassThrough();
    let printed = '';
    out.on('data', (c: Buffer) => (printed += c.toString()));
    const stop = new AbortController();
    const running = runDemo({ port: 0, paceMs: 60_000, seed: 1, signal: stop.signal, stdout: out, logger: silent });
    // Bounded in rounds (at least 30 s): starting the pipeline can take seconds on a loaded machine.
    for (let i = 0; i < 3_000 && !printed.includes('\n'); i += 1) await new Promise((r) => setTimeout(r, 10));
    const match = /^guardduty-notifier demo: (http:\/\/127\.0\.0\.1:\d+)\n/.exec(printed);
    expect(match).not.toBeNull();
    expect((await fetch(match?.[1] ?? '')).status).toBe(200);
    stop.abort();
    await running;
    expect(printed).toContain('stopped');
    await expect(fetch(match?.[1] ?? '')).rejects.toThrow();
  });
});

const silent = { debug() {}, info() {}, warn() {}, error() {} };
