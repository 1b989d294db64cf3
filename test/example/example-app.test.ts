/**
 * The example app (`npm start`) as a process, driven over HTTP: configured from the environment
 * for a "real" Salesforce (here a headless emulator the test controls), and in demo mode.
 * The browser-level walk through its pages is test/e2e.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from 'salesforce-oauth-emulator';
import { freePort } from '../helpers/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface ExampleApp {
  url: string;
  output: () => string;
  child: ChildProcessWithoutNullStreams;
}

async function startExample(port: number, settings: Record<string, string>): Promise<ExampleApp> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SF_')));
  const child = spawn(process.execPath, ['example/server.cjs'], { cwd: ROOT, env: { ...inherited, ...settings, PORT: String(port) } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (output.includes('Example app running at')) resolve();
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`the example app exited with ${code}:\n${output}`)));
  });
  return { url: `http://localhost:${port}`, output: () => output, child };
}

/** Keeps the app's session cookie; never follows redirects on its own. */
class AppBrowser {
  cookie = '';
  constructor(readonly appUrl: string) {}

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(new URL(url, this.appUrl), {
      ...init,
      redirect: 'manual',
      headers: { cookie: this.cookie, ...(init.headers as Record<string, string>) },
    });
    const setCookie = response.headers.getSetCookie().find((header) => header.startsWith('acme.sid='));
    if (setCookie !== undefined) this.cookie = setCookie.split(';')[0] ?? '';
    return response;
  }

  post(path: string): Promise<Response> {
    return this.request(path, { method: 'POST' });
  }

  /** App → (headless) Salesforce → callback; resolves to the callback's response. */
  async logIn(): Promise<Response> {
    const start = await this.request('/auth/salesforce');
    const authorize = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
    return this.request(authorize.headers.get('location') ?? '');
  }
}

describe('the example app with Salesforce settings from the environment', () => {
  let salesforce: RunningEmulator;
  let example: ExampleApp;

  beforeAll(async () => {
    const port = await freePort();
    salesforce = await startEmulator({
      restApi: true,
      users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }],
      apps: [{ clientId: 'real-key', clientSecret: 'real-secret', redirectUris: [`http://localhost:${port}/auth/salesforce/callback`] }],
    });
    example = await startExample(port, { SF_CLIENT_ID: 'real-key', SF_CLIENT_SECRET: 'real-secret', SF_LOGIN_URL: salesforce.url });
  });

  afterAll(async () => {
    example?.child.kill();
    await salesforce?.close();
  });

  it('starts no emulator of its own and prints its URL', () => {
    expect(example.output()).toContain(`Example app running at ${example.url}\n`);
    expect(example.output()).not.toContain('emulator');
  });

  it('logs in, calls the API, refreshes, and revokes the token at logout', async () => {
    const browser = new AppBrowser(example.url);
    const home = await browser.request('/');
    expect(await home.text()).not.toContain('Demo mode');

    const callback = await browser.logIn();
    expect(callback.headers.get('location')).toBe('/profile');
    const profile = await (await browser.request('/profile')).text();
    expect(profile).toContain('<h1 id="display-name">Ada Lovelace</h1>');
    expect(profile).toContain(`<code id="instance-url">${salesforce.url}</code>`);
    // Tokens are masked.
    const token = salesforce.requestsTo('identity').at(-1)?.headers.authorization?.toString().slice('Bearer '.length) ?? '';
    expect(token).not.toBe('');
    expect(profile).not.toContain(token);
    expect(profile).toContain(`${token.slice(0, 8)}…${token.slice(-4)}`);

    const api = await (await browser.request('/api')).text();
    expect(api).toContain('<span class="status ok">200</span>');
    expect(api).toContain('&#34;Name&#34;: &#34;Ada Lovelace&#34;');

    const photo = await browser.request('/profile/photo');
    expect(photo.headers.get('content-type')).toBe('image/svg+xml');
    expect(photo.headers.get('content-security-policy')).toContain('sandbox');

    const refreshed = await browser.post('/refresh');
    expect(refreshed.headers.get('location')).toBe('/profile?refreshed=1');
    expect(salesforce.requestsTo('token').at(-1)?.body['grant_type']).toBe('refresh_token');

    const logout = await browser.post('/logout');
    expect(logout.headers.get('location')).toBe('/?loggedOut=1');
    const revoke = salesforce.requestsTo('revoke').at(-1);
    expect(revoke?.body['token']).toMatch(/^5Aep861/);
    expect((await browser.request('/profile')).headers.get('location')).toBe('/');
  });

  it('sends the access token for the profile photo to no origin but the user’s instance', async () => {
    // Another server on this machine, standing in for a stranger's photo host.
    const received: IncomingHttpHeaders[] = [];
    const stranger = createHttpServer((req, res) => {
      received.push(req.headers);
      res.writeHead(200, { 'Content-Type': 'image/png' }).end('not a png');
    });
    await new Promise<void>((resolve) => stranger.listen(0, '127.0.0.1', resolve));
    const strangerPhoto = `http://127.0.0.1:${(stranger.address() as AddressInfo).port}/profilephoto/005/F`;
    try {
      // An identity document exactly as the emulator gives it, but with the stranger's photo.
      await new AppBrowser(example.url).logIn();
      const identity = salesforce.requestsTo('identity').at(-1);
      const identityResponse = await fetch(`${salesforce.url}${identity?.path ?? ''}`, {
        headers: { authorization: String(identity?.headers.authorization) },
      });
      const document = (await identityResponse.json()) as Record<string, unknown>;
      document['photos'] = { picture: strangerPhoto, thumbnail: strangerPhoto };
      salesforce.setFault('identity', { kind: 'status', status: 200, contentType: 'application/json', body: JSON.stringify(document) });

      const browser = new AppBrowser(example.url);
      expect((await browser.logIn()).headers.get('location')).toBe('/profile');
      const photo = await browser.request('/profile/photo');
      expect(photo.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
      expect(await photo.text()).toContain('fill="#c7d2fe"'); // the app's own placeholder
      expect(received).toEqual([]);
    } finally {
      salesforce.clearFaults();
      await new Promise((resolve) => stranger.close(resolve));
    }
  });

  it('refreshes and retries once when the API answers 401', async () => {
    const browser = new AppBrowser(example.url);
    await browser.logIn();
    const accessToken = salesforce.requestsTo('identity').at(-1)?.headers.authorization?.toString().slice('Bearer '.length) ?? '';
    await fetch(`${salesforce.url}/services/oauth2/revoke`, { method: 'POST', body: new URLSearchParams({ token: accessToken }) });
    const api = await (await browser.request('/api')).text();
    expect(api).toContain('<span class="status ok">200</span>');
  });

  it('refreshes and retries once when the session timed out (the org session timeout, emulated by advanceClock)', async () => {
    const browser = new AppBrowser(example.url);
    await browser.logIn();
    const stale = salesforce.requestsTo('identity').at(-1)?.headers.authorization;
    salesforce.advanceClock(2 * 3600 + 60);
    const api = await (await browser.request('/api')).text();
    expect(api).toContain('<span class="status ok">200</span>');
    expect(api).toContain('&#34;Name&#34;: &#34;Ada Lovelace&#34;');
    const [expired, retried] = salesforce.requestsTo('rest').slice(-2);
    expect(expired?.headers.authorization).toBe(stale);
    expect(retried?.headers.authorization).not.toBe(stale);
    expect(salesforce.requestsTo('token').at(-1)?.body['grant_type']).toBe('refresh_token');
  });

  it('shows Salesforce failures in plain words, never a stack trace', async () => {
    const browser = new AppBrowser(example.url);
    salesforce.setFault('token', { kind: 'html', status: 503 });
    try {
      const failed = await browser.logIn();
      const page = await failed.text();
      expect(failed.status).toBe(500);
      expect(page).toContain('Salesforce is having trouble');
      expect(page).not.toMatch(/\n\s+at /);
      expect(page).not.toContain('SalesforceResponseError');
    } finally {
      salesforce.clearFaults();
    }
    salesforce.setFault('token', {
      kind: 'status',
      status: 400,
      contentType: 'application/json',
      body: '{"error":"invalid_client","error_description":"invalid client credentials"}',
    });
    try {
      const page = await (await browser.logIn()).text();
      expect(page).toContain('This app is not set up correctly');
      expect(page).toContain('<code id="error-detail">invalid_client: invalid client credentials</code>');
    } finally {
      salesforce.clearFaults();
    }
    // The server log names the error for the developer.
    expect(example.output()).toContain('GET /auth/salesforce/callback failed: SalesforceOAuthError');
  });

  it('explains a refresh token Salesforce no longer accepts', async () => {
    const browser = new AppBrowser(example.url);
    await browser.logIn();
    await browser.post('/refresh');
    const refreshToken = salesforce.requestsTo('token').at(-1)?.body['refresh_token'] ?? '';
    // Revoked behind the app's back, as an admin or the user's settings page would.
    await fetch(`${salesforce.url}/services/oauth2/revoke`, { method: 'POST', body: new URLSearchParams({ token: refreshToken }) });
    const failed = await browser.post('/refresh');
    expect(failed.status).toBe(500);
    const page = await failed.text();
    expect(page).toContain('Please log in again');
    expect(page).toContain('invalid_grant: expired access/refresh token');
  });
});

describe('the example app in demo mode', () => {
  let example: ExampleApp;

  beforeAll(async () => {
    example = await startExample(await freePort(), {});
  });

  afterAll(() => {
    example?.child.kill();
  });

  it('starts the emulator and prints its URL and the demo credentials', () => {
    const output = example.output();
    expect(output).toMatch(/^No SF_CLIENT_ID set: logging in to a local Salesforce emulator at http:\/\/127\.0\.0\.1:\d+\n/);
    expect(output).toContain('  Log in as ada@example.com or grace@example.com, password "password"\n');
    expect(output).toContain(`Example app running at ${example.url}\n`);
  });

  it('sends the login to the emulator’s login page', async () => {
    const browser = new AppBrowser(example.url);
    const start = await browser.request('/auth/salesforce');
    const authorize = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
    expect(new URL(authorize.headers.get('location') ?? '', start.headers.get('location') ?? '').pathname).toBe('/');
  });

  it('answers an unknown page with a plain 404 page', async () => {
    const response = await new AppBrowser(example.url).request('/nothing-here');
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('Page not found');
  });
});
