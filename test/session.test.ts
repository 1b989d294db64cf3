import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/errors.js';
import { ensureSessionMethods, logOut, type SessionLike } from '../src/session.js';

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
    const regenerate = (callback: () => void): void => callback();
    const session: SessionLike = { save, regenerate };
    ensureSessionMethods(session);
    expect([session.save, session.regenerate]).toEqual([save, regenerate]);
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
