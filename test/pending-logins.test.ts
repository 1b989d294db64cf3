import { describe, expect, it } from 'vitest';
import { InvalidOptionError, SalesforceError } from '../src/errors.js';
import { newPendingLogin, PendingLoginStore, STATE_FAILURES, takenPendingLogin, type PendingLoginRecord } from '../src/pending-logins.js';

type Session = Record<string, unknown> & { saves: number; save(cb: (err?: unknown) => void): void };

function session(): Session {
  return {
    saves: 0,
    save(cb) {
      this.saves += 1;
      cb();
    },
  } as Session;
}

function store(ttl = 600, max = 10): PendingLoginStore {
  return new PendingLoginStore({ key: 'pending', ttl, max });
}

function storeLogin(s: PendingLoginStore, req: object, verifier: string, state?: unknown): string {
  let handle = '';
  s.store(req, verifier, newPendingLogin(state, {}, Date.now()), undefined, (err, h) => {
    if (err) throw err;
    handle = h ?? '';
  });
  return handle;
}

function verifyLogin(s: PendingLoginStore, req: object, handle: unknown): { verifier: string | false | undefined; info: unknown } {
  let result: { verifier: string | false | undefined; info: unknown } | undefined;
  s.verify(req, handle, (err, verifier, info) => {
    if (err) throw err;
    result = { verifier, info };
  });
  if (!result) throw new Error('verify did not call back');
  return result;
}

const RECORD: PendingLoginRecord = { createdAt: 1_700_000_000_000 };

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

  it('hands the verifier and the rest of the entry back once, then forgets the entry', () => {
    const s = store();
    const req = { session: session() };
    const handle = storeLogin(s, req, 'verifier-1', { returnTo: '/x' });
    expect(verifyLogin(s, req, handle)).toEqual({
      verifier: 'verifier-1',
      info: { createdAt: expect.any(Number), state: { returnTo: '/x' } },
    });
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

  it('reports a missing session with SESSION_REQUIRED, naming express-session', () => {
    let error: unknown;
    store().store({}, 'v', RECORD, undefined, (err) => {
      error = err;
    });
    expect(error).toBeInstanceOf(SalesforceError);
    expect(error).toMatchObject({ code: 'SESSION_REQUIRED' });
    expect((error as Error).message).toContain('add express-session');
  });

  it('reports a session that cannot be saved', () => {
    const req = { session: { save: (cb: (err?: unknown) => void) => cb(new Error('store down')) } };
    let error: unknown;
    store().store(req, 'v', RECORD, undefined, (err) => {
      error = err;
    });
    expect((error as Error).message).toBe('The session could not be saved before the redirect to Salesforce');
    expect((error as Error).cause).toEqual(new Error('store down'));
  });
});

describe('newPendingLogin', () => {
  it('records the start time, the state and only the extras that are set', () => {
    expect(newPendingLogin({ returnTo: '/x' }, { nonce: 'n-1', loginURL: undefined }, 42)).toEqual({
      createdAt: 42,
      state: { returnTo: '/x' },
      nonce: 'n-1',
    });
    expect(newPendingLogin(undefined, {}, 42)).toEqual({ createdAt: 42 });
  });

  it('refuses state that is not JSON', () => {
    expect(() => newPendingLogin({ when: new Date() }, {}, 42)).toThrow(
      new InvalidOptionError(
        'authenticate option "state" must be JSON-serialisable (plain objects, arrays, strings, numbers, booleans, null)',
      ),
    );
  });

  it('keeps state whose objects have a null prototype, as querystring.parse (Express 5 req.query) makes them', () => {
    const state = Object.assign(Object.create(null) as object, {
      returnTo: '/reports',
      tags: [Object.assign(Object.create(null) as object, { a: 1 })],
    });
    expect(newPendingLogin(state, {}, 42).state).toBe(state);
  });
});

describe('takenPendingLogin', () => {
  const ttl = 600_000;

  it('gives back the pending login a store handed back', () => {
    const record = { createdAt: 1_000, state: { returnTo: '/x' }, nonce: 'n-1', loginURL: 'https://acme.my.salesforce.com' };
    expect(takenPendingLogin('verifier-1', record, 2_000, ttl)).toEqual({ verifier: 'verifier-1', ...record });
  });

  it('says expired once the record is older than the TTL, whatever the store kept', () => {
    expect(takenPendingLogin('verifier-1', { createdAt: 1_000 }, 1_000 + ttl, ttl)).toEqual({ verifier: 'verifier-1', createdAt: 1_000 });
    expect(takenPendingLogin('verifier-1', { createdAt: 1_000 }, 1_001 + ttl, ttl)).toBe('expired');
  });

  it.each([
    ['no verifier', '', { createdAt: 1_000 }],
    ['no record', 'verifier-1', undefined],
    ['the app state instead of the record', 'verifier-1', { returnTo: '/x' }],
    ['a createdAt that is not a number', 'verifier-1', { createdAt: '1000' }],
    ['a nonce that is not a string', 'verifier-1', { createdAt: 1_000, nonce: 7 }],
    ['a loginURL that is not a string', 'verifier-1', { createdAt: 1_000, loginURL: {} }],
  ])('refuses %s', (_label, verifier, record) => {
    expect(takenPendingLogin(verifier, record, 2_000, ttl)).toBeUndefined();
  });
});
