// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
import { request as httpRequest, Agent } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { toEighteenCharacterId } from '../src/ids.js';
import { DEFAULT_HANDLERS, MAX_BODY_BYTES, startEmulatorServer } from '../src/server.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  REDIRECT_URI,
  authorize,
  authorizeParams,
  closeWithin,
  confidentialApp,
  login,
  postToken,
} from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({ apps: [confidentialApp()] });
});

afterEach(async () => {
  await closeWithin(emulator, 1000);
});

const NOT_FOUND = [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }];

describe('startup', () => {
  it('listens on 127.0.0.1 on a free port, with no trailing slash', () => {
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.orgId).toBe('00D5g000004EmUlEAK');
  });

  it('seeds Ada Lovelace with a stable, checksum-valid 005 id', async () => {
    const [ada, ...others] = emulator.users;
    expect(others).toEqual([]);
    expect(ada).toMatchObject({
      username: 'ada@example.com',
      password: 'password',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      orgId: '00D5g000004EmUlEAK',
      active: true,
    });
    expect(ada?.userId).toMatch(/^005[A-Za-z0-9]{15}$/);
    expect(toEighteenCharacterId(ada?.userId.slice(0, 15) ?? '')).toBe(ada?.userId);
    const another = await startEmulator();
    expect(another.users[0]?.userId).toBe(ada?.userId);
    await another.close();
  });

  it('rejects invalid options', async () => {
    await expect(startEmulator({ orgId: '005abc' })).rejects.toThrow(TypeError);
    await expect(startEmulator({ codeLifetime: 0 })).rejects.toThrow(RangeError);
    await expect(startEmulator({ users: [{ username: 'x@example.com', timezone: 'Mars/Olympus' }] })).rejects.toThrow(TypeError);
  });

  it('close() is idempotent', async () => {
    await emulator.close();
    await emulator.close();
    await expect(fetch(`${emulator.url}/`)).rejects.toThrow(TypeError);
  });
});

describe('run-time registration', () => {
  it('addApp replaces an app by clientId', async () => {
    emulator.addApp(confidentialApp({ clientSecret: 'rotated-secret' }));
    const { params, codeVerifier } = authorizeParams();
    const code = (await authorize(emulator, params)).query.get('code') ?? '';
    const form = { grant_type: 'authorization_code', code, client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, code_verifier: codeVerifier };
    expect((await postToken(emulator, { ...form, client_secret: CLIENT_SECRET })).json['error']).toBe('invalid_client');
    expect(emulator.requestsTo('token')).toHaveLength(1);
  });

  it('addUser adds a user, or replaces one with the same username', () => {
    emulator.addUser({ username: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' });
    emulator.addUser({ username: 'ADA@example.com', firstName: 'Augusta', lastName: 'King' });
    expect(emulator.users.map((u) => `${u.username} ${u.firstName} ${u.lastName}`)).toEqual([
      'ADA@example.com Augusta King',
      'grace@example.com Grace Hopper',
    ]);
  });
});

describe('routing', () => {
  it.each(['/', '/services/oauth2/introspect', '/services/oauth2/authorize/extra', '/.well-known/jwks.json', '/services/data/v59.0/'])(
    'answers 404 NOT_FOUND for %s',
    async (path) => {
      const response = await fetch(`${emulator.url}${path}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual(NOT_FOUND);
      expect(emulator.requests.at(-1)?.endpoint).toBe('other');
    },
  );

  it('routes userinfo, /id/keys and discovery as their own endpoints, never as identity URLs', async () => {
    expect((await fetch(`${emulator.url}/services/oauth2/userinfo`)).status).toBe(403);
    expect((await fetch(`${emulator.url}/id/keys`)).status).toBe(200);
    expect((await fetch(`${emulator.url}/.well-known/openid-configuration`)).status).toBe(200);
    expect(emulator.requests.map((r) => r.endpoint)).toEqual(['userinfo', 'keys', 'discovery']);
  });

  it.each([
    '/services/oauth2/services/oauth2/token',
    '/anything/services/oauth2/authorize',
    '/anything/services/oauth2/userinfo',
    '/a/b/.well-known/openid-configuration',
    '/anything/id/keys',
    '/anything/id/00D5g000004EmUlEAK/005000000000000AAA',
  ])('answers 404 under a path prefix that is not a configured site: %s (§1.2)', async (path) => {
    const response = await fetch(`${emulator.url}${path}`, { method: path.endsWith('/token') ? 'POST' : 'GET', redirect: 'manual' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(NOT_FOUND);
    expect(emulator.requests.at(-1)).toMatchObject({ endpoint: 'other', path });
  });

  it('serves the endpoints under the root and each configured site path, and nowhere else (§1.2)', async () => {
    const sited = await startEmulator({ apps: [confidentialApp()], sites: ['/partners', '/help/center/'] });
    try {
      for (const prefix of ['', '/partners', '/help/center']) {
        const response = await fetch(`${sited.url}${prefix}/services/oauth2/token`, { method: 'POST' });
        expect(await response.json()).toEqual({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
      }
      expect(sited.requestsTo('token').map((r) => r.path)).toEqual([
        '/services/oauth2/token',
        '/partners/services/oauth2/token',
        '/help/center/services/oauth2/token',
      ]);
      for (const prefix of ['/help', '/partners/partners', '/Partners']) {
        expect((await fetch(`${sited.url}${prefix}/services/oauth2/token`, { method: 'POST' })).status).toBe(404);
      }
    } finally {
      await closeWithin(sited, 1000);
    }
  });

  it.each([['partners'], ['/partners?x'], ['/'], ['//partners'], ['/a/../b'], [7]])(
    'rejects the site path %j, naming the option',
    async (site) => {
      await expect(startEmulator({ sites: [site as string] })).rejects.toThrow(/^sites must be paths such as "\/partners"/);
    },
  );

  it('does not mistake a //host path for a URL', async () => {
    const response = await fetch(`${emulator.url}//evil.example/services/oauth2/token`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(emulator.requests.at(-1)?.path).toBe('//evil.example/services/oauth2/token');
  });
});

describe('request log', () => {
  it('records every request in order with endpoint, method, path, query, body and headers', async () => {
    const tokens = await login(emulator, { nonce: 'n1' });
    await fetch(`${emulator.url}/services/oauth2/revoke?device_id=d1`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'X-Custom': 'yes' },
      body: `token=${encodeURIComponent(tokens['access_token'] ?? '')}&revoke_reason=logout`,
    });
    expect(emulator.requests.map((r) => `${r.method} ${r.endpoint}`)).toEqual(['GET authorize', 'POST token', 'POST revoke']);
    expect(emulator.requests[0]?.query).toMatchObject({ client_id: CLIENT_ID, nonce: 'n1', scope: 'api refresh_token' });
    expect(emulator.requests[0]?.body).toEqual({});
    expect(emulator.requests[1]?.body).toMatchObject({ grant_type: 'authorization_code', client_id: CLIENT_ID });
    expect(emulator.requestsTo('revoke')).toEqual([
      {
        endpoint: 'revoke',
        method: 'POST',
        path: '/services/oauth2/revoke',
        query: { device_id: 'd1' },
        body: { token: tokens['access_token'], revoke_reason: 'logout' },
        headers: expect.objectContaining({ 'x-custom': 'yes', 'content-type': 'application/x-www-form-urlencoded' }) as unknown,
      },
    ]);
  });

  it('keeps a __proto__ parameter as a plain key', async () => {
    const response = await fetch(`${emulator.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '__proto__=x&constructor=y&toString=z',
    });
    expect(response.status).toBe(400);
    const body = emulator.requestsTo('token')[0]?.body ?? {};
    expect(Object.keys(body)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
  });

  it('keeps no log with recordRequests: false, and serves as usual', async () => {
    const quiet = await startEmulator({ apps: [confidentialApp()], recordRequests: false });
    try {
      const tokens = await login(quiet);
      expect(tokens['access_token']).toMatch(/^00D/);
      expect(quiet.requests).toEqual([]);
      expect(quiet.requestsTo('token')).toEqual([]);
    } finally {
      await closeWithin(quiet, 1000);
    }
  });
});

describe('robustness', () => {
  function postBody(body: string, path = '/services/oauth2/token'): Promise<Response> {
    return fetch(`${emulator.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  }

  it('answers 413 for a body over 64 KiB, and keeps serving', async () => {
    const response = await postBody(`grant_type=${'a'.repeat(MAX_BODY_BYTES)}`);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: 'request entity too large' });
    expect((await authorize(emulator, authorizeParams().params)).status).toBe(302);
  });

  it('accepts a body of exactly 64 KiB', async () => {
    const body = `grant_type=${'a'.repeat(MAX_BODY_BYTES - 'grant_type='.length)}`;
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    const response = await postBody(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
  });

  it('survives a multi-megabyte body', async () => {
    const outcome = await postBody('x'.repeat(3 * 1024 * 1024)).then(
      (response) => response.status,
      () => 'connection dropped',
    );
    expect([413, 'connection dropped']).toContain(outcome);
    expect((await authorize(emulator, authorizeParams().params)).status).toBe(302);
  });

  it.each([
    ['query', '/services/oauth2/authorize?client_id=%E0%A4%A', undefined],
    ['query (invalid UTF-8)', '/services/oauth2/authorize?client_id=%C3%28', undefined],
    ['body', '/services/oauth2/token', 'grant_type=%ZZ'],
    ['path', '/services/%E0%A4%A/oauth2/token', undefined],
  ])('answers 400 for malformed percent-encoding in the %s', async (_where, path, body) => {
    const response = body === undefined ? await fetch(`${emulator.url}${path}`) : await postBody(body, path);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: 'malformed request' });
  });

  it('percent-encodes a registered callback that is not header-safe', async () => {
    const odd = 'http://localhost:3000/cb/ünïcode path';
    emulator.addApp(confidentialApp({ redirectUris: [odd] }));
    const result = await authorize(emulator, authorizeParams({ redirect_uri: odd }).params);
    expect(result.status).toBe(302);
    expect(result.location).toMatch(/^http:\/\/localhost:3000\/cb\/%C3%BCn%C3%AFcode%20path\?code=aPrx/);
  });

  it('turns a handler exception into a 500 JSON answer and keeps serving', async () => {
    const broken = await startEmulatorServer(
      { apps: [confidentialApp()] },
      {
        ...DEFAULT_HANDLERS,
        token: () => {
          throw new Error('boom');
        },
      },
    );
    try {
      const response = await fetch(`${broken.url}/services/oauth2/token`, { method: 'POST' });
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      expect(await response.json()).toEqual({ error: 'unknown_error', error_description: 'retry your request' });
      expect((await authorize(broken, authorizeParams().params)).status).toBe(302);
    } finally {
      await broken.close();
    }
  });

  it('close() ends idle keep-alive connections at once', async () => {
    const agent = new Agent({ keepAlive: true });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(`${emulator.url}/`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(404);
    const socketClosed = new Promise<void>((resolve) => {
      const sockets = Object.values(agent.freeSockets).flat();
      expect(sockets).toHaveLength(1);
      sockets[0]?.once('close', () => resolve());
    });
    expect(await closeWithin(emulator, 500)).toBe('closed');
    await socketClosed;
    agent.destroy();
  });
});

describe('Host header (DNS rebinding)', () => {
  /** A GET of the discovery document naming `host` in its Host header. */
  function discoveryWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(`${url}/.well-known/openid-configuration`, { headers: { host } }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });
  }

  it('refuses a request naming a foreign host, before it is served or logged', async () => {
    const answer = await discoveryWithHost(emulator.url, 'rebind.evil.example:80');
    expect(answer).toEqual({
      status: 403,
      body:
        'This emulator does not serve the host "rebind.evil.example:80" (a DNS rebinding guard). ' +
        'If the name is yours, start it with --allowed-host <name> (the allowedHosts option).\n',
    });
    expect(emulator.requests).toEqual([]);
  });

  it.each(['127.0.0.1', '127.0.0.1:9', 'localhost:9', 'app.localhost', '[::1]:9', '10.0.0.5:4000'])(
    'serves a request naming %s',
    async (host) => {
      expect((await discoveryWithHost(emulator.url, host)).status).toBe(200);
    },
  );

  it('serves the names in allowedHosts and the hosts of instanceUrl and identityBaseUrl', async () => {
    const named = await startEmulator({
      allowedHosts: ['Emulator'],
      instanceUrl: 'http://acme.my.salesforce.test:4000',
      identityBaseUrl: 'http://login.salesforce.test:4000',
    });
    try {
      for (const host of ['emulator:4000', 'acme.my.salesforce.test:4000', 'login.salesforce.test']) {
        expect((await discoveryWithHost(named.url, host)).status, host).toBe(200);
      }
      expect((await discoveryWithHost(named.url, 'other.test')).status).toBe(403);
    } finally {
      await closeWithin(named, 1000);
    }
  });
});
