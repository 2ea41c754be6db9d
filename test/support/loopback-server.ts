import type { Server } from 'node:http';
import { listenTracked } from '../../src/core/http-server.js';

export interface LoopbackServer {
  port: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Stops listening and cuts every open connection, hung ones included, so a test never waits on a stand-in. */
  close(): Promise<void>;
}

/**
 * Listens on a free port of 127.0.0.1 (never another interface: tests touch nothing beyond loopback) and tracks the
 * server's sockets so that `close()` is immediate: the notifier's own `listenTracked`. Every stand-in in test/support
 * starts its server through this.
 * @example
 * const { url, close } = await listenOnLoopback(createServer(handler));
 */
export async function listenOnLoopback(server: Server): Promise<LoopbackServer> {
  const { port, url, close } = await listenTracked(server, { host: '127.0.0.1', port: 0 });
  return { port, url, close };
}
