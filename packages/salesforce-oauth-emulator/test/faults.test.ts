import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { authorize, authorizeParams, closeWithin, confidentialApp, login } from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({ apps: [confidentialApp()] });
});

afterEach(async () => {
  await closeWithin(emulator, 1000);
});

function postTokenRaw(init: RequestInit = {}): Promise<Response> {
  return fetch(`${emulator.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=refresh_token&refresh_token=x',
    ...init,
  });
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe('fault injection', () => {
  it('status: answers the given status, body and content type, and still logs the request', async () => {
    emulator.setFault('token', { kind: 'status', status: 503, body: 'Service Unavailable', contentType: 'text/html' });
    const response = await postTokenRaw();
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toBe('Service Unavailable');
    expect(emulator.requestsTo('token')).toHaveLength(1);
    expect(emulator.requestsTo('token')[0]?.body).toEqual({ grant_type: 'refresh_token', refresh_token: 'x' });
  });

  it('status: defaults to an empty text/plain body', async () => {
    emulator.setFault('token', { kind: 'status', status: 502 });
    const response = await postTokenRaw();
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('');
  });

  it('html: a Salesforce maintenance page, 500 by default', async () => {
    emulator.setFault('token', { kind: 'html' });
    const response = await postTokenRaw();
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('text/html;charset=UTF-8');
    expect(await response.text()).toContain('Down For Maintenance');
    emulator.setFault('token', { kind: 'html', status: 503 });
    expect((await postTokenRaw()).status).toBe(503);
  });

  it('malformed-json: 200 with a truncated JSON body', async () => {
    emulator.setFault('token', { kind: 'malformed-json' });
    const response = await postTokenRaw();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const text = await response.text();
    expect(text).toBe('{"access_token":"00D');
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
  });

  it('empty: 200 with an empty JSON-typed body', async () => {
    emulator.setFault('identity', { kind: 'empty' });
    const tokens = await login(emulator);
    const response = await fetch(tokens['id'] ?? '', { headers: { authorization: `Bearer ${tokens['access_token']}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await response.text()).toBe('');
  });

  it('reset: drops the connection without an answer', async () => {
    emulator.setFault('token', { kind: 'reset' });
    await expect(postTokenRaw()).rejects.toThrow(TypeError);
    expect(emulator.requestsTo('token')).toHaveLength(1);
  });

  it('hang: never answers', async () => {
    emulator.setFault('token', { kind: 'hang' });
    const started = Date.now();
    const error = await postTokenRaw({ signal: AbortSignal.timeout(300) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(emulator.requestsTo('token')).toHaveLength(1);
  });

  it('hang: close() ends the hung connection', async () => {
    emulator.setFault('token', { kind: 'hang' });
    const pending = postTokenRaw().then(
      (response) => response.status,
      (e: unknown) => e,
    );
    await waitUntil(() => emulator.requestsTo('token').length === 1);
    expect(await closeWithin(emulator, 500)).toBe('closed');
    expect(await pending).toBeInstanceOf(TypeError);
  });

  it('delay: waits, then answers normally', async () => {
    emulator.setFault('authorize', { kind: 'delay', ms: 150 });
    const started = Date.now();
    const result = await authorize(emulator, authorizeParams().params);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(result.status).toBe(302);
    expect(result.query.get('code')).toMatch(/^aPrx/);
  });

  it('delay: close() does not wait for a pending delay', async () => {
    emulator.setFault('token', { kind: 'delay', ms: 5000 });
    const pending = postTokenRaw().catch((e: unknown) => e);
    await waitUntil(() => emulator.requestsTo('token').length === 1);
    expect(await closeWithin(emulator, 500)).toBe('closed');
    expect(await pending).toBeInstanceOf(TypeError);
  });

  it('only affects its endpoint, persists, and is cleared by setFault(undefined) or clearFaults()', async () => {
    emulator.setFault('token', { kind: 'status', status: 500 });
    expect((await authorize(emulator, authorizeParams().params)).status).toBe(302);
    expect((await postTokenRaw()).status).toBe(500);
    expect((await postTokenRaw()).status).toBe(500);
    emulator.setFault('token', undefined);
    expect((await postTokenRaw()).status).toBe(400);

    emulator.setFault('token', { kind: 'status', status: 500 });
    emulator.setFault('authorize', { kind: 'status', status: 500 });
    emulator.clearFaults();
    expect((await postTokenRaw()).status).toBe(400);
    expect((await authorize(emulator, authorizeParams().params)).status).toBe(302);
  });

  it('applies to userinfo and revoke too', async () => {
    emulator.setFault('userinfo', { kind: 'status', status: 401, body: 'nope' });
    emulator.setFault('revoke', { kind: 'empty', status: 204 });
    expect((await fetch(`${emulator.url}/services/oauth2/userinfo`)).status).toBe(401);
    expect((await fetch(`${emulator.url}/services/oauth2/revoke?token=x`)).status).toBe(204);
  });

  it('rejects an invalid fault when it is set', () => {
    expect(() => emulator.setFault('token', { kind: 'status', status: 42 })).toThrow(RangeError);
    expect(() => emulator.setFault('token', { kind: 'delay', ms: -1 })).toThrow(RangeError);
    expect(() => emulator.setFault('token', { kind: 'explode' } as never)).toThrow(TypeError);
  });
});
