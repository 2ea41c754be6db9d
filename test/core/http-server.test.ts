import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter, readBody, sendJson, sendText, startHttpServer, type HttpServer } from '../../src/core/http-server.js';

let servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(options: Parameters<typeof startHttpServer>[0]): Promise<HttpServer> {
  const server = await startHttpServer(options);
  servers.push(server);
  return server;
}

describe('startHttpServer', () => {
  it('listens on loopback by default and routes on method and path', async () => {
    const server = await start({
      port: 0,
      handler: createRouter({
        routes: [
          { method: 'GET', path: '/hello', handle: (_req, res) => sendText(res, 200, 'hi\n') },
          { method: 'POST', path: '/echo', handle: (_req, res) => sendJson(res, 201, { ok: true }) },
        ],
      }),
    });
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const hello = await fetch(`${server.url}/hello?x=1`);
    expect([hello.status, hello.headers.get('content-type'), await hello.text()]).toEqual([200, 'text/plain; charset=utf-8', 'hi\n']);
    expect((await fetch(`${server.url}/hello`, { method: 'HEAD' })).status).toBe(200);
    const echo = await fetch(`${server.url}/echo`, { method: 'POST', body: '{}' });
    expect([echo.status, await echo.json()]).toEqual([201, { ok: true }]);
    const wrong = await fetch(`${server.url}/echo`);
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
  });

  it('answers 500 when a handler throws, and the server keeps serving', async () => {
    const server = await start({
      port: 0,
      handler: (req, res) => {
        if (req.url === '/boom') throw new Error('bug');
        sendText(res, 200, 'fine');
      },
    });
    expect((await fetch(`${server.url}/boom`)).status).toBe(500);
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
  });

  it('fails with the node error on a taken port, or picks a free one when told to', async () => {
    const first = await start({ port: 0, handler: (_req, res) => sendText(res, 200, 'first') });
    await expect(startHttpServer({ port: first.port, handler: () => {} })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const second = await start({ port: first.port, fallbackToFreePort: true, handler: (_req, res) => sendText(res, 200, 'second') });
    expect(second.portFallback).toBe(true);
    expect(second.port).not.toBe(first.port);
    expect(await (await fetch(second.url)).text()).toBe('second');
  });

  it('close() cuts a request that is hanging instead of waiting for it, and frees the port', async () => {
    let arrived: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => (arrived = resolve));
    const server = await start({ port: 0, handler: () => arrived() }); // never answers
    const hanging = new Promise<string>((resolve) => {
      const req = request(`${server.url}/hang`, () => resolve('answered'));
      req.on('error', () => resolve('cut'));
      req.end();
    });
    await inHandler;
    await server.close();
    expect(await hanging).toBe('cut');
    const again = await start({ port: server.port, handler: (_req, res) => sendText(res, 200, 'again') });
    expect(again.port).toBe(server.port);
  });
});

describe('readBody', () => {
  function echoBody(maxBytes: number) {
    return start({
      port: 0,
      handler: async (req, res) => {
        const body = await readBody(req, { maxBytes });
        if (!body.ok) {
          sendText(res, 413, `too large: ${body.size}`, { Connection: 'close' });
          if (body.aborted) req.destroy();
          return;
        }
        sendJson(res, 200, { bytes: [...body.body] });
      },
    });
  }

  it('gives the raw bytes exactly as sent (what a signature check needs)', async () => {
    const server = await echoBody(1024);
    const sent = Buffer.from([0x70, 0x61, 0x79, 0x6c, 0x6f, 0x61, 0x64, 0x3d, 0xe2, 0x82, 0xac, 0x00, 0xff]);
    const res = await fetch(server.url, { method: 'POST', body: sent });
    expect(((await res.json()) as { bytes: number[] }).bytes).toEqual([...sent]);
  });

  it('answers 413 past the cap, after draining the body so the client reads the answer', async () => {
    const server = await echoBody(10);
    const res = await fetch(server.url, { method: 'POST', body: 'x'.repeat(5_000) });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe('too large: 5000');
  });
});
