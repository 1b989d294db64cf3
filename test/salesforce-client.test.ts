import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchKeys, requestToken } from '../src/salesforce-client.js';

/** The HTTP client's connection handling, against small local servers that misbehave on purpose. */

let server: http.Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function listen(handler: http.RequestListener, configure: (s: http.Server) => void = () => undefined): Promise<URL> {
  server = http.createServer(handler);
  configure(server);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/id/keys`);
}

const KEYS = '{"keys":[]}';

describe('keep-alive connections', () => {
  it('closes an idle connection after 4 s, before a load balancer would', async () => {
    const closedAfter: number[] = [];
    let answeredAt = 0;
    const url = await listen(
      (_req, res) => {
        res.on('finish', () => {
          answeredAt = Date.now();
        });
        res.setHeader('content-type', 'application/json');
        res.end(KEYS);
      },
      (s) => {
        // A server that keeps idle connections far longer than the client should.
        s.keepAliveTimeout = 60_000;
        s.on('connection', (socket) => socket.on('close', () => closedAfter.push(Date.now() - answeredAt)));
      },
    );
    await expect(fetchKeys(url, { timeout: 2_000 })).resolves.toEqual({ keys: [] });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(closedAfter).toHaveLength(1);
    expect(closedAfter[0]).toBeGreaterThanOrEqual(3_900);
    expect(closedAfter[0]).toBeLessThan(5_000);
  }, 10_000);

  it('sends a GET again on a new connection when the server closes the reused one as it arrives', async () => {
    const seen = new WeakSet<object>();
    const requests: Array<'fresh' | 'reused-closed'> = [];
    const url = await listen((req, res) => {
      if (seen.has(req.socket)) {
        // The server gave up on this idle connection just as the request came in.
        requests.push('reused-closed');
        req.socket.destroy();
        return;
      }
      seen.add(req.socket);
      requests.push('fresh');
      res.setHeader('content-type', 'application/json');
      res.end(KEYS);
    });
    await expect(fetchKeys(url, { timeout: 2_000 })).resolves.toEqual({ keys: [] });
    await expect(fetchKeys(url, { timeout: 2_000 })).resolves.toEqual({ keys: [] });
    expect(requests).toEqual(['fresh', 'reused-closed', 'fresh']);
  });

  it('never sends a POST twice, whatever happened to the connection', async () => {
    const seen = new WeakSet<object>();
    let requests = 0;
    const url = await listen((req, res) => {
      requests += 1;
      if (seen.has(req.socket)) {
        req.socket.destroy();
        return;
      }
      seen.add(req.socket);
      res.setHeader('content-type', 'application/json');
      res.end('{"access_token":"00D000000000000!token"}');
    });
    const form = { grant_type: 'refresh_token', refresh_token: '5Aep861.refresh', client_id: 'client' };
    await expect(requestToken('refresh', url, form, { timeout: 2_000 })).resolves.toMatchObject({ access_token: '00D000000000000!token' });
    await expect(requestToken('refresh', url, form, { timeout: 2_000 })).rejects.toMatchObject({
      name: 'SalesforceNetworkError',
      message: 'Salesforce refresh request failed: ECONNRESET',
    });
    expect(requests).toBe(2);
  });

  it('does not send again when a fresh connection is reset', async () => {
    let requests = 0;
    const url = await listen((req) => {
      requests += 1;
      req.socket.destroy();
    });
    await expect(fetchKeys(url, { timeout: 2_000 })).rejects.toMatchObject({
      name: 'SalesforceNetworkError',
      code: 'SALESFORCE_NETWORK_ERROR',
    });
    expect(requests).toBe(1);
  });
});
