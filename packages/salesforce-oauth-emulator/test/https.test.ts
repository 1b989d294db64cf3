/**
 * The HTTPS mode: Salesforce serves its OAuth endpoints over HTTPS only (salesforce-behaviour.md §1.1), so
 * apps should be able to test the TLS path they use in production, trusting a CA rather than
 * turning certificate checks off.
 */
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { authorizeParams, codeGrantForm, confidentialApp, withoutUndefined } from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({ https: true, restApi: true, apps: [confidentialApp()] });
});

afterEach(async () => {
  await emulator.close();
});

/** One request with node:https, trusting `ca`; resolves to status, headers and body. */
function httpsCall(
  url: string,
  ca: string | undefined,
  method = 'GET',
  form?: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; location: string | undefined; body: string }> {
  const body = form === undefined ? undefined : new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method,
        ...(ca === undefined ? {} : { ca }),
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, location: response.headers.location, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('HTTPS mode (§1.1)', () => {
  it('serves an https URL with a certificate for the local names, signed by a CA made at start and exported as ca', () => {
    expect(emulator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = new X509Certificate(emulator.ca ?? '');
    expect(ca.ca).toBe(true);
    expect(ca.subject).toMatch(/^O=salesforce-oauth-emulator\nCN=Salesforce OAuth Emulator CA [0-9a-f]{8}$/);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(new Date(ca.validFrom).getTime()).toBeLessThan(Date.now());
  });

  it('presents a server certificate issued by that CA, for localhost, 127.0.0.1 and ::1', async () => {
    const server = await new Promise<X509Certificate>((resolve, reject) => {
      const outgoing = request(`${emulator.url}/id/keys`, { ca: emulator.ca }, (response) => {
        const socket = response.socket as import('node:tls').TLSSocket;
        resolve(new X509Certificate(socket.getPeerX509Certificate()?.raw ?? Buffer.alloc(0)));
        response.resume();
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
    const ca = new X509Certificate(emulator.ca ?? '');
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('runs the whole code flow for a client that trusts the CA: authorize, token, identity', async () => {
    const { params, codeVerifier } = authorizeParams({ scope: 'api refresh_token' });
    const authorize = await httpsCall(
      `${emulator.url}/services/oauth2/authorize?${new URLSearchParams(withoutUndefined(params)).toString()}`,
      emulator.ca,
    );
    expect(authorize.status).toBe(302);
    const code = new URL(authorize.location ?? '').searchParams.get('code') ?? '';
    const token = await httpsCall(
      `${emulator.url}/services/oauth2/token`,
      emulator.ca,
      'POST',
      withoutUndefined(codeGrantForm(code, codeVerifier)),
    );
    expect(token.status).toBe(200);
    const tokens = JSON.parse(token.body) as Record<string, string>;
    expect(tokens['instance_url']).toBe(emulator.url);
    expect(tokens['id']).toMatch(new RegExp(`^${emulator.url}/id/00D5g000004EmUlEAK/005`));
    const identity = await httpsCall(tokens['id'] ?? '', emulator.ca, 'GET', undefined, {
      authorization: `Bearer ${tokens['access_token']}`,
    });
    expect(identity.status).toBe(200);
    expect(JSON.parse(identity.body)).toMatchObject({
      username: 'ada@example.com',
      urls: { rest: `${emulator.url}/services/data/v{version}/` },
    });
  });

  it('is refused by a client that does not trust the CA, and by one that trusts another emulator’s', async () => {
    const failure = await fetch(`${emulator.url}/id/keys`).then(
      () => 'connected',
      (error: { cause?: { code?: string } }) => error.cause?.code,
    );
    expect(failure).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');

    const other = await startEmulator({ https: true });
    try {
      expect(other.ca).not.toBe(emulator.ca);
      await expect(httpsCall(`${emulator.url}/id/keys`, other.ca)).rejects.toThrow('unable to verify the first certificate');
      await expect(other.fetch(`${emulator.url}/id/keys`)).rejects.toThrow('unable to verify the first certificate');
    } finally {
      await other.close();
    }
  });

  it('marks the login page’s session cookie Secure', async () => {
    const interactive = await startEmulator({ https: true, interactive: true, apps: [confidentialApp()] });
    try {
      const response = await interactive.fetch(
        `${interactive.url}/services/oauth2/authorize?${new URLSearchParams(withoutUndefined(authorizeParams().params)).toString()}`,
      );
      expect(response.headers.get('set-cookie')).toMatch(/^sfemu_sid_\d+=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    } finally {
      await interactive.close();
    }
  });

  it('rejects an https option that is not a boolean, and leaves ca undefined over http', async () => {
    await expect(startEmulator({ https: 'yes' as never })).rejects.toThrow(new TypeError('https must be true or false'));
    const plain = await startEmulator();
    try {
      expect(plain.url).toMatch(/^http:\/\//);
      expect(plain.ca).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});

describe('RunningEmulator.fetch', () => {
  it('trusts the emulator’s CA, sends forms, and returns redirects without following them', async () => {
    const { params } = authorizeParams();
    const redirect = await emulator.fetch(
      `${emulator.url}/services/oauth2/authorize?${new URLSearchParams(withoutUndefined(params)).toString()}`,
    );
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toMatch(/^http:\/\/localhost:3000\/auth\/salesforce\/callback\?code=aPrx/);

    const token = await emulator.fetch(`${emulator.url}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password' }),
    });
    expect(token.status).toBe(400);
    expect(await token.json()).toEqual({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    expect(emulator.requestsTo('token')[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
  });

  it('speaks plain HTTP to a plain emulator, and takes a Request', async () => {
    const plain = await startEmulator();
    try {
      const response = await plain.fetch(
        new Request(`${plain.url}/.well-known/openid-configuration`, { headers: { accept: 'application/json' } }),
      );
      expect(response.status).toBe(200);
      expect(((await response.json()) as { issuer: string }).issuer).toBe(plain.url);
      expect(plain.requests[0]?.headers.accept).toBe('application/json');
    } finally {
      await plain.close();
    }
  });

  it('honours an abort signal', async () => {
    emulator.setFault('keys', { kind: 'hang' });
    await expect(emulator.fetch(`${emulator.url}/id/keys`, { signal: AbortSignal.timeout(50) })).rejects.toThrow(/aborted/i);
  });
});
