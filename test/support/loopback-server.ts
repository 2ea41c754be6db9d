import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LoopbackServer {
  port: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Stops listening and cuts every open connection, hung ones included, so a test never waits on a stand-in. */
  close(): Promise<void>;
}

/**
 * Listens on a free port of 127.0.0.1 (never another interface: tests touch nothing beyond loopback) and tracks the
 * server's sockets so that `close()` is immediate. Every stand-in in test/support starts its server through this.
 * @example
 * const { url, close } = await listenOnLoopback(createServer(handler));
 */
export async function listenOnLoopback(server: Server): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
