import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/errors.js';
import { ensureSessionMethods, logOut, prepareLogin, type SessionLike } from '../src/session.js';

describe('ensureSessionMethods', () => {
  it('gives a session without them a save that calls back and a regenerate that empties it in place, neither enumerable', async () => {
    const session: SessionLike = { passport: { user: 'ada' }, other: 1 };
    ensureSessionMethods(session);
    expect(Object.keys(session)).toEqual(['passport', 'other']);
    expect(JSON.stringify(session)).toBe('{"passport":{"user":"ada"},"other":1}');
    await new Promise((resolve) => session.save?.(resolve));
    await new Promise((resolve) => session.regenerate?.(resolve));
    expect(session).toEqual({});
    expect(typeof session.regenerate).toBe('function');
  });

  it('leaves the methods of a session that has them', () => {
    const save = (callback: () => void): void => callback();
    const regenerate = (): void => undefined;
    const session: SessionLike = { save, regenerate };
    ensureSessionMethods(session);
    expect([session.save, session.regenerate]).toEqual([save, regenerate]);
  });
});

const KEY = 'salesforce:pkce';
const otherTabs = { a: { verifier: 'v1', createdAt: 1 }, b: { verifier: 'v2', createdAt: 2 } };

/** The shape of express-session's Session: `regenerate(callback)` puts a new, empty session on the request. */
function expressSessionRequest(contents: Record<string, unknown>) {
  const req: { session?: SessionLike; sessionID?: string } = { sessionID: 'id-1' };
  const newSession = (fields: Record<string, unknown>): SessionLike => {
    const session: SessionLike = { cookie: { path: '/' }, ...fields };
    // Not enumerable, as a method of the middleware's Session class.
    Object.defineProperty(session, 'regenerate', {
      configurable: true,
      value(callback: (err?: unknown) => void) {
        setImmediate(() => {
          req.session = newSession({});
          req.sessionID = 'id-2';
          callback();
        });
      },
    });
    return session;
  };
  req.session = newSession(contents);
  return req;
}

/**
 * The shape of @fastify/session's Session (lib/session.js): `regenerate(keys?, callback?)` makes a
 * new session with the `keys` copied, puts it on the request, then calls back or resolves.
 */
function fastifySessionRequest(contents: Record<string, unknown>, failure?: Error) {
  const req: { session?: SessionLike } = {};
  const newSession = (fields: Record<string, unknown>): SessionLike => {
    const session: SessionLike = { ...fields };
    // Not enumerable, as a method of the middleware's Session class.
    Object.defineProperty(session, 'regenerate', {
      configurable: true,
      value(keys?: unknown, callback?: (err?: unknown) => void) {
        if (typeof keys === 'function') [keys, callback] = [undefined, keys as (err?: unknown) => void];
        const next = newSession({});
        if (Array.isArray(keys)) for (const name of keys as string[]) next[name] = session[name];
        const store = (done: (err?: unknown) => void): void => {
          setImmediate(() => {
            req.session = next;
            done(failure);
          });
        };
        if (callback) return store(callback);
        return new Promise<void>((resolve, reject) => store((err) => (err ? reject(err as Error) : resolve())));
      },
    });
    return session;
  };
  req.session = newSession(contents);
  return req;
}

/**
 * The shape of @fastify/secure-session's session: a Proxy over an object keeping the data apart,
 * with get and set traps and no delete trap; `regenerate(ignoredFields?)` empties the data at once.
 */
function secureSessionRequest(contents: Record<string, unknown>) {
  const data: Record<string, unknown> = { ...contents };
  const target = {
    changed: false,
    get: (name: string) => data[name],
    set(name: string, value: unknown) {
      data[name] = value;
      target.changed = true;
    },
    data: () => data,
    regenerate(ignoredFields?: string[]) {
      for (const name of Object.keys(data)) if (!ignoredFields?.includes(name)) Reflect.deleteProperty(data, name);
    },
  };
  const session = new Proxy(target, {
    get(object, name) {
      const value: unknown = Reflect.get(object, name);
      if (typeof value === 'function') return (...args: unknown[]) => Reflect.apply(value, object, args);
      return Object.hasOwn(object, name) ? value : object.get(name as string);
    },
    set(object, name, value) {
      if (Object.hasOwn(object, name)) Reflect.set(object, name, value);
      else object.set(name as string, value);
      return true;
    },
  }) as unknown as SessionLike;
  return { req: { session }, data };
}

describe('prepareLogin', () => {
  it('does nothing to a request without a session', () => {
    const req = {};
    prepareLogin(req, KEY);
    expect(req).toEqual({});
  });

  it("express-session, regenerate(callback): the other tabs' pending logins are in the new session when it calls back", async () => {
    const req = expressSessionRequest({ [KEY]: otherTabs, kept: 'no' });
    prepareLogin(req, KEY);
    const error = await new Promise((resolve) => req.session?.regenerate?.(resolve));
    expect(error).toBeUndefined();
    expect(req.sessionID).toBe('id-2');
    expect({ ...req.session }).toEqual({ cookie: { path: '/' }, [KEY]: otherTabs });
  });

  it('@fastify/session, await regenerate(keysToKeep): resolves once the new session holds the kept keys and the pending logins', async () => {
    const req = fastifySessionRequest({ [KEY]: otherTabs, session: 'kept', other: 'dropped' });
    const before = req.session;
    prepareLogin(req, KEY);
    const result = before?.regenerate?.(['session']);
    expect(result).toBeInstanceOf(Promise);
    expect(req.session).toBe(before);
    await result;
    expect(req.session).not.toBe(before);
    expect({ ...req.session }).toEqual({ session: 'kept', [KEY]: otherTabs });
  });

  it('@fastify/session, await regenerate() and regenerate(callback): the pending logins are kept either way', async () => {
    const promised = fastifySessionRequest({ [KEY]: otherTabs, other: 'dropped' });
    prepareLogin(promised, KEY);
    await promised.session?.regenerate?.();
    expect({ ...promised.session }).toEqual({ [KEY]: otherTabs });
    const called = fastifySessionRequest({ [KEY]: otherTabs, other: 'dropped' });
    prepareLogin(called, KEY);
    await new Promise((resolve) => called.session?.regenerate?.(resolve));
    expect({ ...called.session }).toEqual({ [KEY]: otherTabs });
  });

  it("@fastify/session: a failed regenerate rejects, or calls back, with the middleware's error", async () => {
    const failure = new Error('store down');
    const promised = fastifySessionRequest({ [KEY]: otherTabs }, failure);
    prepareLogin(promised, KEY);
    await expect(promised.session?.regenerate?.(['session'])).rejects.toBe(failure);
    const called = fastifySessionRequest({ [KEY]: otherTabs }, failure);
    prepareLogin(called, KEY);
    await expect(new Promise((resolve) => called.session?.regenerate?.(resolve))).resolves.toBe(failure);
  });

  it('@fastify/secure-session, synchronous regenerate(ignoredFields) on a Proxy: the pending logins are back as session data at once', () => {
    const { req, data } = secureSessionRequest({ [KEY]: otherTabs, session: 'kept', other: 'dropped' });
    prepareLogin(req, KEY);
    expect(data).toEqual({ [KEY]: otherTabs, session: 'kept', other: 'dropped' });
    expect(req.session.regenerate?.(['session'])).toBeUndefined();
    expect(data).toEqual({ session: 'kept', [KEY]: otherTabs });
  });

  it('cookie-session, no regenerate: the one given empties the session in place and keeps the pending logins', async () => {
    const session: SessionLike = { [KEY]: otherTabs, passport: { user: 'mallory' } };
    const req = { session };
    prepareLogin(req, KEY);
    await new Promise((resolve) => session.regenerate?.(resolve));
    expect(req.session).toBe(session);
    expect(session).toEqual({ [KEY]: otherTabs });
  });

  it('a session without pending logins is regenerated as it would be', async () => {
    const req = expressSessionRequest({ other: 'dropped' });
    prepareLogin(req, KEY);
    await new Promise((resolve) => req.session?.regenerate?.(resolve));
    expect({ ...req.session }).toEqual({ cookie: { path: '/' } });
  });
});

describe('logOut', () => {
  it('calls a passport 0.4/0.5 logout without a callback and resolves', async () => {
    const calls: unknown[][] = [];
    const req = {
      logout(...args: unknown[]) {
        calls.push(args);
      },
    } as unknown as Request;
    await logOut(req);
    expect(calls).toEqual([[]]);
  });

  it('hands a passport 0.6+ logout its options and resolves when it calls back, or rejects with its error', async () => {
    const calls: unknown[] = [];
    const failure = new Error('store down');
    const req = {
      logout(options: unknown, done: (err?: unknown) => void) {
        calls.push(options);
        setImmediate(() => done(calls.length > 1 ? failure : undefined));
      },
    } as unknown as Request;
    await logOut(req, { keepSessionInfo: true });
    await expect(logOut(req)).rejects.toBe(failure);
    expect(calls).toEqual([{ keepSessionInfo: true }, {}]);
  });

  it('rejects with a TypeError without passport.initialize()', async () => {
    await expect(logOut({} as Request)).rejects.toThrow(
      new InvalidOptionError('logOut(req): req.logout is missing: add passport.initialize() before this route'),
    );
  });
});
