import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, SalesforceError } from '../src/errors.js';
import { redirectURI, untrustedProxyProblem } from '../src/redirect-uri.js';

interface RequestFields {
  url?: string;
  headers?: Record<string, string>;
  encrypted?: boolean;
  trusted?: string[];
  from?: string;
  /** Where the router handling the request is mounted, and whether a route (not a `use` middleware) handles it. */
  baseUrl?: string;
  inRoute?: boolean;
  secure?: boolean;
  session?: object;
  sessionOptions?: object;
}

/** A request as Express hands it over; `trusted` lists the proxy addresses its `trust proxy` setting trusts. */
function request(fields: RequestFields): Request {
  const trustProxyFn = (address: string | undefined, hop: number): boolean =>
    hop === 0 && address !== undefined && (fields.trusted ?? []).includes(address);
  return {
    originalUrl: fields.url ?? '/',
    baseUrl: fields.baseUrl ?? '',
    route: fields.inRoute === false ? undefined : { path: '/' },
    secure: fields.secure ?? false,
    session: fields.session,
    sessionOptions: fields.sessionOptions,
    headers: fields.headers ?? { host: 'app.example.com' },
    socket: { encrypted: fields.encrypted ?? false, remoteAddress: fields.from ?? '10.0.0.2' },
    app: { get: (name: string) => (name === 'trust proxy fn' ? trustProxyFn : undefined) },
  } as unknown as Request;
}

describe('redirectURI', () => {
  it('keeps an absolute callbackURL as it is', () => {
    expect(redirectURI('https://app.example.com/cb', request({ headers: {} }), undefined)).toBe('https://app.example.com/cb');
  });

  it("resolves a path against the request's own origin", () => {
    expect(redirectURI('/auth/cb', request({}), undefined)).toBe('http://app.example.com/auth/cb');
    expect(redirectURI('/auth/cb', request({ encrypted: true }), undefined)).toBe('https://app.example.com/auth/cb');
  });

  it('resolves each origin and path on its own, however many hosts come and go', () => {
    // More hosts than the cache of resolved URLs holds, each asked twice, as URL resolves them.
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 100; i += 1) {
        const host = `Tenant${i}.Example.com:${i % 2 === 0 ? 80 : 8080}`;
        expect(redirectURI('/auth/../cb', request({ headers: { host } }), undefined)).toBe(new URL('/cb', `http://${host}`).href);
        expect(redirectURI('/x', request({ headers: { host } }), undefined)).toBe(new URL('/x', `http://${host}`).href);
      }
    }
    expect(() => redirectURI('/auth/cb', request({ headers: { host: 'exa mple.com' } }), undefined)).toThrow(TypeError);
  });

  it('reads X-Forwarded-Proto and -Host only behind a trusted proxy', () => {
    const headers = { host: 'internal:3000', 'x-forwarded-proto': 'HTTPS, http', 'x-forwarded-host': 'app.example.com, internal' };
    expect(redirectURI('/cb', request({ headers }), undefined)).toBe('http://internal:3000/cb');
    expect(redirectURI('/cb', request({ headers, trusted: ['10.0.0.2'] }), undefined)).toBe('https://app.example.com/cb');
    expect(redirectURI('/cb', request({ headers, trusted: ['10.0.0.2'], from: '203.0.113.9' }), undefined)).toBe('http://internal:3000/cb');
    expect(redirectURI('/cb', request({ headers }), true)).toBe('https://app.example.com/cb');
    expect(redirectURI('/cb', request({ headers, trusted: ['10.0.0.2'] }), false)).toBe('http://internal:3000/cb');
  });

  it('ignores a forwarded protocol that is not http(s), and refuses a request without a Host header', () => {
    expect(redirectURI('/cb', request({ headers: { host: 'a.example', 'x-forwarded-proto': 'javascript' }, encrypted: true }), true)).toBe(
      'https://a.example/cb',
    );
    expect(() => redirectURI('/cb', request({ headers: {} }), undefined)).toThrow(
      new SalesforceError('HOST_HEADER_MISSING', 'The callback URL cannot be resolved: the request has no Host header'),
    );
  });

  it('refuses a path outside the mount point of the router whose route runs the login, saying what to write', () => {
    expect(() => redirectURI('/auth/salesforce/callback', request({ baseUrl: '/portal' }), undefined)).toThrow(
      new InvalidOptionError(
        'SalesforcePkceStrategy: options.callbackURL "/auth/salesforce/callback" is a path from the site\'s root, but this login runs in a router mounted at "/portal": ' +
          'write callbackURL: "/portal/auth/salesforce/callback" when the callback route is in that router too, or an absolute URL',
      ),
    );
  });

  it('takes a path under the mount point, a login run by mounted middleware rather than a route, and an absolute URL as they are', () => {
    expect(redirectURI('/portal/auth/cb', request({ baseUrl: '/portal' }), undefined)).toBe('http://app.example.com/portal/auth/cb');
    expect(redirectURI('/auth/cb', request({ baseUrl: '/login', inRoute: false }), undefined)).toBe('http://app.example.com/auth/cb');
    expect(redirectURI('https://app.example.com/auth/cb', request({ baseUrl: '/portal' }), undefined)).toBe(
      'https://app.example.com/auth/cb',
    );
  });
});

describe('untrustedProxyProblem', () => {
  const forwarded = { host: 'internal:3000', 'x-forwarded-proto': 'https' };
  const secureCookie = { cookie: { secure: true } };
  const problem =
    'SalesforcePkceStrategy: trustProxy is true and the request came through a proxy over https, but Express does not trust that proxy, ' +
    'so the session middleware will not send its secure cookie and the login will fail ("This login is unknown…"): ' +
    "set app.set('trust proxy', …) for the proxy (express-session's proxy: true also does)";

  it("names the trap: trustProxy, a secure session cookie, a forwarded https request, and Express's trust proxy off", () => {
    expect(untrustedProxyProblem(request({ headers: forwarded, session: secureCookie }), true)).toBe(problem);
    expect(untrustedProxyProblem(request({ headers: forwarded, session: {}, sessionOptions: { secure: true } }), true)).toBe(problem);
  });

  it('finds none when any part is missing', () => {
    expect(untrustedProxyProblem(request({ headers: forwarded, session: secureCookie, secure: true }), true)).toBeUndefined();
    expect(untrustedProxyProblem(request({ headers: forwarded, session: secureCookie }), undefined)).toBeUndefined();
    expect(untrustedProxyProblem(request({ headers: forwarded, session: { cookie: { secure: 'auto' } } }), true)).toBeUndefined();
    expect(untrustedProxyProblem(request({ headers: { host: 'internal:3000' }, session: secureCookie }), true)).toBeUndefined();
    expect(untrustedProxyProblem(request({ headers: forwarded }), true)).toBeUndefined();
  });
});
