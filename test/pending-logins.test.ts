import { describe, expect, it } from 'vitest';
import { InvalidOptionError, SessionRequiredError } from '../src/errors.js';
import { PendingLoginStore, STATE_FAILURES } from '../src/pending-logins.js';

type Session = Record<string, unknown> & { saves: number; save(cb: (err?: unknown) => void): void };

function session(): Session {
  return { saves: 0, save(cb) { this.saves += 1; cb(); } } as Session;
}

function store(ttl = 600, max = 10): PendingLoginStore {
  return new PendingLoginStore({ key: 'pending', ttl, max });
}

function storeLogin(s: PendingLoginStore, req: object, verifier: string, state?: unknown): string {
  let handle = '';
  s.store(req, verifier, state, undefined, (err, h) => {
    if (err) throw err;
    handle = h ?? '';
  });
  return handle;
}

function verifyLogin(s: PendingLoginStore, req: object, handle: unknown): { verifier: string | false; info: unknown } {
  let result: { verifier: string | false; info: unknown } | undefined;
  s.verify(req, handle, undefined, (err, verifier, info) => {
    if (err) throw err;
    result = { verifier, info };
  });
  if (!result) throw new Error('verify did not call back');
  return result;
}

describe('PendingLoginStore', () => {
  it('keeps one plain-JSON entry per login, keyed by a 22-character handle, and saves the session first', () => {
    const req = { session: session() };
    const handle = storeLogin(store(), req, 'v'.repeat(43), { returnTo: '/reports' });
    expect(handle).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(req.session.saves).toBe(1);
    const entries = req.session.pending as Record<string, unknown>;
    expect(Object.keys(entries)).toEqual([handle]);
    expect(entries[handle]).toEqual({ verifier: 'v'.repeat(43), createdAt: expect.any(Number), state: { returnTo: '/reports' } });
    expect(JSON.parse(JSON.stringify(entries))).toEqual(entries);
  });

  it('hands the verifier and state back once, then forgets the entry', () => {
    const s = store();
    const req = { session: session() };
    const handle = storeLogin(s, req, 'verifier-1', { returnTo: '/x' });
    expect(verifyLogin(s, req, handle)).toEqual({ verifier: 'verifier-1', info: { returnTo: '/x' } });
    expect(req.session.pending).toBeUndefined();
    expect(verifyLogin(s, req, handle)).toEqual({ verifier: false, info: { message: STATE_FAILURES.unknown } });
  });

  it('keeps several tabs apart and lets them finish in any order', () => {
    const s = store();
    const req = { session: session() };
    const first = storeLogin(s, req, 'verifier-1');
    const second = storeLogin(s, req, 'verifier-2');
    expect(verifyLogin(s, req, second).verifier).toBe('verifier-2');
    expect(verifyLogin(s, req, first).verifier).toBe('verifier-1');
  });

  it.each([
    ['a forged handle', 'AAAAAAAAAAAAAAAAAAAAAA', STATE_FAILURES.unknown],
    ['__proto__', '__proto__', STATE_FAILURES.unknown],
    ['constructor', 'constructor', STATE_FAILURES.unknown],
    ['no state', undefined, STATE_FAILURES.missing],
    ['an empty state', '', STATE_FAILURES.missing],
    ['a repeated state', null, STATE_FAILURES.missing],
  ])('refuses %s and leaves every other entry intact', (_label, handle, message) => {
    const s = store();
    const req = { session: session() };
    const genuine = storeLogin(s, req, 'verifier-1');
    const before = structuredClone(req.session.pending);
    expect(verifyLogin(s, req, handle)).toEqual({ verifier: false, info: { message } });
    expect(req.session.pending).toEqual(before);
    expect(verifyLogin(s, req, genuine).verifier).toBe('verifier-1');
  });

  it('refuses an expired login and removes it', async () => {
    const s = store(0.05);
    const req = { session: session() };
    const handle = storeLogin(s, req, 'verifier-1');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(verifyLogin(s, req, handle)).toEqual({ verifier: false, info: { message: STATE_FAILURES.expired } });
    expect(req.session.pending).toBeUndefined();
  });

  it('drops the oldest pending login beyond the cap and expired ones on the next login', async () => {
    const s = store(600, 3);
    const req = { session: session() };
    const handles = ['1', '2', '3', '4'].map((v) => storeLogin(s, req, `verifier-${v}`));
    expect(Object.keys(req.session.pending as object).sort()).toEqual(handles.slice(1).sort());
    expect(verifyLogin(s, req, handles[0]).verifier).toBe(false);
    expect(verifyLogin(s, req, handles[3]).verifier).toBe('verifier-4');
  });

  it('keeps a single pending login when the cap is one', () => {
    const s = store(600, 1);
    const req = { session: session() };
    const first = storeLogin(s, req, 'verifier-1');
    const second = storeLogin(s, req, 'verifier-2');
    expect(Object.keys(req.session.pending as object)).toEqual([second]);
    expect(verifyLogin(s, req, first).verifier).toBe(false);
  });

  it('stays under 8 KB after 200 abandoned logins', () => {
    const s = store();
    const req = { session: session() };
    for (let i = 0; i < 200; i += 1) storeLogin(s, req, 'x'.repeat(43), { returnTo: '/a' });
    expect(Object.keys(req.session.pending as object)).toHaveLength(10);
    expect(Buffer.byteLength(JSON.stringify(req.session))).toBeLessThan(8 * 1024);
  });

  it('refuses state that is not JSON', () => {
    const req = { session: session() };
    let error: unknown;
    store().store(req, 'v', { when: new Date() }, undefined, (err) => {
      error = err;
    });
    expect(error).toEqual(new InvalidOptionError('authenticate option "state" must be JSON-serialisable (plain objects, arrays, strings, numbers, booleans, null)'));
    expect(req.session.pending).toBeUndefined();
  });

  it('keeps state whose objects have a null prototype, as querystring.parse (Express 5 req.query) makes them', () => {
    const s = store();
    const req = { session: session() };
    const state = Object.assign(Object.create(null) as object, { returnTo: '/reports', tags: [Object.assign(Object.create(null) as object, { a: 1 })] });
    const handle = storeLogin(s, req, 'v', state);
    expect(verifyLogin(s, req, handle)).toEqual({ verifier: 'v', info: state });
  });

  it('reports a missing session with a SessionRequiredError that names express-session', () => {
    let error: unknown;
    store().store({}, 'v', undefined, undefined, (err) => {
      error = err;
    });
    expect(error).toBeInstanceOf(SessionRequiredError);
    expect((error as Error).message).toContain('add express-session');
  });

  it('reports a session that cannot be saved', () => {
    const req = { session: { save: (cb: (err?: unknown) => void) => cb(new Error('store down')) } };
    let error: unknown;
    store().store(req, 'v', undefined, undefined, (err) => {
      error = err;
    });
    expect((error as Error).message).toBe('The session could not be saved before the redirect to Salesforce');
    expect((error as Error).cause).toEqual(new Error('store down'));
  });
});
