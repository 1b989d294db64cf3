import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTlsMaterial } from '../../packages/salesforce-oauth-emulator/src/tls.js';

/**
 * A TLS-terminating reverse proxy on 127.0.0.1, as a load balancer runs in front of an app:
 * browsers talk https to it, it talks http to the app and says so in X-Forwarded-Proto and
 * X-Forwarded-For, keeping the browser's Host.
 */
export interface TlsProxy {
  /** `https://127.0.0.1:{port}`. */
  url: string;
  /** The PEM certificate of the CA that signed the proxy's certificate, for the browser to trust. */
  ca: string;
  close(): Promise<void>;
}

export async function startTlsProxy(appUrl: string): Promise<TlsProxy> {
  const target = new URL(appUrl);
  const { key, cert, ca } = createTlsMaterial(['127.0.0.1']);
  const server = https.createServer({ key, cert }, (req, res) => {
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-proto': 'https', 'x-forwarded-for': req.socket.remoteAddress },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
