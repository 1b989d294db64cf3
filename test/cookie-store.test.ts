import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CookiePendingLoginStore } from '../src/cookie-store.js';
import { InvalidOptionError, SalesforceError } from '../src/errors.js';
import type { PendingLoginRecord } from '../src/pending-logins.js';
import { propertyParameters } from './reliability/support.js';

const SECRET = 'a login-cookie secret of at least thirty-two characters';
const RECORD: PendingLoginRecord = { createdAt: 1_700_000_000_000, state: { returnTo: '/x' }, nonce: 'n-1' };

/** A request as Express hands it to a store: headers, `secure`, and the response to set cookies on. */
function request(cookie?: string, secure = false): Request & { setCookies: () => string[] } {
  const headers: Record<string, unknown> = {};
  const res = {
    getHeader: (name: string) => headers[name],
    setHeader: (name: string, value: unknown) => void (headers[name] = value),
  };
  return {
    headers: cookie === undefined ? {} : { cookie },
    secure,
    socket: {},
    res,
    setCookies: () => (headers['set-cookie'] ?? []) as string[],
  } as unknown as Request & {
    setCookies: () => string[];
  };
}

function stored(store: CookiePendingLoginStore, secure = false): { handle: string; cookie: string } {
  const req = request(undefined, secure);
  let handle = '';
  store.store(req, 'v'.repeat(43), RECORD, undefined, (err, h) => {
    if (err) throw err;
    handle = h ?? '';
  });
  return { handle, cookie: (req.setCookies()[0] ?? '').split(';')[0] ?? '' };
}

function verified(store: CookiePendingLoginStore, handle: string, cookie: string): unknown[] {
  let answer: unknown[] = [];
  store.verify(request(cookie), handle, (...args) => {
    answer = args;
  });
  return answer;
}

describe('CookiePendingLoginStore', () => {
  it('opens what it sealed, and the same cookie under a rotated key list', () => {
    const old = new CookiePendingLoginStore({ secret: SECRET });
    const { handle, cookie } = stored(old);
    expect(verified(old, handle, cookie)).toEqual([null, 'v'.repeat(43), RECORD]);
    const rotated = new CookiePendingLoginStore({ secret: [randomBytes(32), SECRET] });
    expect(verified(rotated, handle, cookie)).toEqual([null, 'v'.repeat(43), RECORD]);
    const forgotten = new CookiePendingLoginStore({ secret: [randomBytes(32)] });
    expect(verified(forgotten, handle, cookie)).toEqual([null, false, { message: expect.stringMatching(/^This login is unknown/) }]);
  });

  it("reads the cookie of another store's name as no cookie at all", () => {
    const { handle, cookie } = stored(new CookiePendingLoginStore({ secret: SECRET, name: 'sandbox' }));
    expect(cookie.startsWith(`sandbox.${handle}=`)).toBe(true);
    expect(verified(new CookiePendingLoginStore({ secret: SECRET }), handle, cookie)[1]).toBe(false);
  });

  it("follows the request's https in 'auto': Secure and __Host- only then", () => {
    const store = new CookiePendingLoginStore({ secret: SECRET });
    expect(stored(store, true).cookie).toMatch(/^__Host-salesforce-pkce\.[\w-]{22}=/);
    expect(stored(store, false).cookie).toMatch(/^salesforce-pkce\.[\w-]{22}=/);
  });

  it('refuses to work without a response to set its cookie on', () => {
    let error: unknown;
    new CookiePendingLoginStore({ secret: SECRET }).store({ headers: {} } as Request, 'v', RECORD, undefined, (err) => {
      error = err;
    });
    expect(error).toEqual(
      new SalesforceError('STATE_STORE_FAILED', 'CookiePendingLoginStore needs Express: the request has no req.res to set its cookie on'),
    );
  });

  it.each([
    [
      { secret: 'short' },
      'CookiePendingLoginStore: options.secret must be a string of at least 32 characters or at least 32 bytes (e.g. crypto.randomBytes(32))',
    ],
    [
      { secret: randomBytes(16) },
      'CookiePendingLoginStore: options.secret must be a string of at least 32 characters or at least 32 bytes (e.g. crypto.randomBytes(32))',
    ],
    [{ secret: [] }, 'CookiePendingLoginStore: options.secret must name at least one key'],
    [
      { secret: [SECRET, 42] },
      'CookiePendingLoginStore: options.secret must be a string of at least 32 characters or at least 32 bytes (e.g. crypto.randomBytes(32))',
    ],
    [{ secret: SECRET, name: 'a b' }, 'CookiePendingLoginStore: options.name must be 1 to 64 letters, digits, "-" or "_"'],
    [{ secret: SECRET, maxAge: 0 }, 'CookiePendingLoginStore: options.maxAge must be a positive integer (seconds)'],
    [{ secret: SECRET, max: 1.5 }, 'CookiePendingLoginStore: options.max must be a positive integer'],
    [{ secret: SECRET, secure: 'yes' }, 'CookiePendingLoginStore: options.secure must be true, false or "auto"'],
  ])('rejects %j with a TypeError naming the option', (options, message) => {
    expect(() => new CookiePendingLoginStore(options as never)).toThrow(new InvalidOptionError(message));
  });
});

/** A browser's cookie jar for one site: what Set-Cookie sets and clears, and the Cookie header it sends. */
class Jar {
  readonly cookies = new Map<string, string>();

  apply(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split('; ');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      if (attributes.includes('Max-Age=0')) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(at + 1));
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

describe('CookiePendingLoginStore: the Cookie header budget', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('keeps its live cookies within 8 KiB of the Cookie header, the newest kept and the oldest cleared first', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 2_500 }), { minLength: 1, maxLength: 30 }),
        (max, stateSizes) => {
          const store = new CookiePendingLoginStore({ secret: SECRET, max });
          const jar = new Jar();
          jar.cookies.set('connect.sid', 's%3A'.padEnd(80, 'x'));
          const started: string[] = [];
          let now = 1_700_000_000_000;
          for (const size of stateSizes) {
            vi.spyOn(Date, 'now').mockReturnValue((now += 1_000));
            const req = request(jar.header());
            let handle = '';
            store.store(req, 'v'.repeat(43), { ...RECORD, state: { returnTo: `/${'r'.repeat(size)}` } }, undefined, (err, h) => {
              if (err) throw err;
              handle = h ?? '';
            });
            jar.apply(req.setCookies());
            started.push(`salesforce-pkce.${handle}`);
            const mine = [...jar.cookies].filter(([name]) => name.startsWith('salesforce-pkce.'));
            const bytes = mine.reduce((sum, [name, value]) => sum + Buffer.byteLength(`${name}=${value}; `), 0);
            expect(bytes).toBeLessThanOrEqual(8192);
            expect(mine.length).toBeLessThanOrEqual(max);
            expect(jar.cookies.has(started.at(-1) ?? '')).toBe(true);
            // What is kept is the newest logins, in order: no older one outlives a newer one.
            const kept = started.filter((name) => jar.cookies.has(name));
            expect(started.slice(started.length - kept.length)).toEqual(kept);
          }
          expect(Buffer.byteLength(jar.header())).toBeLessThan(16 * 1024 - 4096);
        },
      ),
      propertyParameters(60),
    );
  });

  it('clears the older of two large pending logins that would not fit together', () => {
    const store = new CookiePendingLoginStore({ secret: SECRET });
    const jar = new Jar();
    const large = { ...RECORD, state: { returnTo: `/${'r'.repeat(2_500)}` } };
    for (let i = 0; i < 4; i += 1) {
      const req = request(jar.header());
      store.store(req, 'v'.repeat(43), large, undefined, (err) => {
        if (err) throw err;
      });
      jar.apply(req.setCookies());
    }
    expect(jar.cookies.size).toBe(2);
    expect(Buffer.byteLength(jar.header())).toBeLessThanOrEqual(8192);
  });
});
