import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A proxy in front of the emulator's token endpoint: it records the token sets Salesforce issued
 * and can alter a 200 answer before the app sees it, as a fault after Salesforce's answer would
 * (a signature that does not match, an instance_url the strategy refuses).
 */
export interface TokenProxy {
  /** Where requests go: set once the emulator runs. */
  target: string;
  /** `tokenURL` for the strategy. */
  readonly tokenURL: string;
  /** Every 200 answer's JSON, as the emulator sent it. */
  readonly issued: Array<Record<string, unknown>>;
  /** Alters a 200 answer; `undefined` passes it through. */
  tamper: ((answer: Record<string, unknown>) => Record<string, unknown>) | undefined;
  close(): Promise<void>;
}

export async function startTokenProxy(): Promise<TokenProxy> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const upstream = await fetch(`${proxy.target}${req.url ?? '/'}`, {
          method: req.method,
          headers: { 'content-type': String(req.headers['content-type'] ?? 'application/x-www-form-urlencoded') },
          body: Buffer.concat(chunks),
        });
        let body = await upstream.text();
        if (upstream.status === 200) {
          const answer = JSON.parse(body) as Record<string, unknown>;
          proxy.issued.push(answer);
          if (proxy.tamper) body = JSON.stringify(proxy.tamper(answer));
        }
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const proxy: TokenProxy = {
    target: '',
    tokenURL: `${url}/services/oauth2/token`,
    issued: [],
    tamper: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
