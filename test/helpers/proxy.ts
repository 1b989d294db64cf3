import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createProxy } from 'proxy';

/** A real forward proxy (npm's `proxy`) on 127.0.0.1, with a log of what it carried. */
export interface ForwardProxy {
  url: string;
  /** The absolute URL of each request forwarded in absolute form, as an HTTP proxy agent sends them. */
  forwarded: string[];
  /** The `host:port` of each CONNECT tunnel opened, as an HTTPS proxy agent asks for them. */
  tunnels: string[];
  close(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const server = createProxy(http.createServer());
  const forwarded: string[] = [];
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  server.prependListener('request', (req: http.IncomingMessage) => forwarded.push(req.url ?? ''));
  server.prependListener('connect', (req: http.IncomingMessage) => tunnels.push(req.url ?? ''));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        // CONNECT tunnels leave the server's bookkeeping, so their sockets are ended here.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
