import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APP_SCOPES } from 'salesforce-oauth-emulator';
import { pendingLogins, startFixture, type Fixture } from '../helpers/fixture.js';
import { anyValue, probeForPollution, propertyParameters, prototypeKeys, watchProcess, type ProcessWatch } from './support.js';

/**
 * Random per-request `authenticate` options, valid and hostile, handed to a real app's /login
 * route. A valid set always starts a login whose authorize URL carries exactly those options and
 * whose `state` comes back as `info.state`; a hostile set either does the same or is refused before
 * any redirect with an error that names the option; nothing crashes or pollutes a prototype.
 */

const SCOPES = ['api', 'web', 'id', 'profile', 'email', 'refresh_token', 'offline_access', 'openid', 'chatter_api'];
const OPTION_NAMES = ['scope', 'prompt', 'loginHint', 'display', 'state', 'loginURL'] as const;

interface ValidOptions {
  scope?: string | string[];
  prompt?: string;
  loginHint?: string;
  display?: string;
  state?: unknown;
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { next: value } : [value];
  return value;
}

/** JSON an app might keep in `state`, including keys that are dangerous elsewhere. */
const jsonState = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue() },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        '{"__proto__":{"polluted":true},"returnTo":"/"}',
        '{"constructor":{"prototype":{"polluted":true}}}',
        '{"toJSON":"x","then":1}',
      )
      .map((text) => JSON.parse(text) as unknown),
  },
  { weight: 1, arbitrary: fc.record({ returnTo: fc.string({ unit: 'binary', maxLength: 200 }) }) },
);

const validOptions: fc.Arbitrary<ValidOptions> = fc.record(
  {
    scope: fc.oneof(
      fc.subarray(SCOPES, { minLength: 1 }),
      fc.subarray(SCOPES, { minLength: 1 }).map((scopes) => scopes.join(' ')),
      fc.subarray(SCOPES, { minLength: 1 }).map((scopes) => scopes.join(', ')),
    ),
    prompt: fc.subarray(['login', 'consent', 'select_account'], { minLength: 1 }).map((prompts) => prompts.join(' ')),
    loginHint: fc.constantFrom('ada@example.com', 'ADA@Example.com'),
    display: fc.constantFrom('page', 'popup', 'touch', 'mobile'),
    state: jsonState,
  },
  { requiredKeys: [] },
);

/** Anything at all under the option names and a few names that are dangerous as keys. */
const hostileValue = fc.oneof(
  {
    weight: 3,
    arbitrary: anyValue(3),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 600 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      Symbol('s'),
      () => 'fn',
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -0,
      'x'.repeat(5_000),
      'login\u0000consent',
      'api\r\nX-Injected: 1',
      'https://evil.example',
      'http://127.0.0.1:1',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 40 }).map(nested) },
  { weight: 2, arbitrary: jsonState },
);
const hostileOptions = fc
  .array(fc.tuple(fc.constantFrom<string>(...OPTION_NAMES, '__proto__', 'constructor', 'toString', 'hasOwnProperty'), hostileValue), {
    maxLength: 6,
  })
  .map((entries) => {
    const options: Record<string, unknown> = {};
    // Own properties, even for "__proto__", as JSON.parse or a spread of request data would make them.
    for (const [key, value] of entries)
      Object.defineProperty(options, key, { value, enumerable: true, writable: true, configurable: true });
    return options;
  });

function scopesOf(option: string | string[] | undefined): string[] | undefined {
  if (option === undefined) return undefined;
  return typeof option === 'string' ? option.split(/[\s,]+/).filter(Boolean) : option;
}

describe('random authenticate options', () => {
  let fixture: Fixture;
  let watch: ProcessWatch;
  let current: unknown = {};
  const prototypesBefore = prototypeKeys();

  beforeAll(async () => {
    watch = watchProcess();
    fixture = await startFixture({ app: { authenticateOptions: () => current as never } });
  });

  afterAll(async () => {
    watch.stop();
    await fixture.close();
  });

  it('start a login that carries exactly the valid options, and hand state back as info.state', async () => {
    await fc.assert(
      fc.asyncProperty(validOptions, async (options) => {
        current = options;
        const browser = fixture.browser();
        const authorizeURL = await browser.startLogin();
        const query = authorizeURL.searchParams;
        expect(query.get('scope')).toBe(scopesOf(options.scope)?.join(' ') ?? null);
        expect(query.get('prompt')).toBe(options.prompt ?? null);
        expect(query.get('login_hint')).toBe(options.loginHint ?? null);
        expect(query.get('display')).toBe(options.display ?? null);
        expect(query.get('code_challenge_method')).toBe('S256');
        expect(query.get('nonce') !== null).toBe(scopesOf(options.scope)?.includes('openid') ?? false);
        expect(authorizeURL.href).not.toContain('returnTo');

        const response = await browser.callback(await browser.authorize(authorizeURL));
        const info = options.state === undefined ? {} : { state: JSON.parse(JSON.stringify(options.state)) as unknown };
        expect(response.body).toEqual({ outcome: 'success', user: expect.objectContaining({ username: 'ada@example.com' }), info });
        expect(probeForPollution()).toEqual([]);
        expect(prototypeKeys()).toEqual(prototypesBefore);
      }),
      propertyParameters(100),
    );
    expect(watch.failures).toEqual([]);
  }, 120_000);

  it('either start a working login or refuse before any redirect, naming the option', async () => {
    const outcomes = { started: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(hostileOptions, async (options) => {
        current = options;
        const browser = fixture.browser();
        const authorizeRequestsBefore = fixture.emulator.requestsTo('authorize').length;
        const response = await browser.agent.get('/login');
        expect(probeForPollution()).toEqual([]);
        expect(prototypeKeys()).toEqual(prototypesBefore);

        if (response.status === 302) {
          outcomes.started += 1;
          const authorizeURL = new URL(response.headers.location as string);
          expect(`${authorizeURL.origin}${authorizeURL.pathname}`).toBe(`${fixture.emulator.url}/services/oauth2/authorize`);
          const callback = await browser.callback(await browser.authorize(authorizeURL));
          const granted = (authorizeURL.searchParams.get('scope') ?? '')
            .split(' ')
            .filter(Boolean)
            .every((scope) => DEFAULT_APP_SCOPES.includes(scope));
          if (!granted) {
            expect(callback.body).toMatchObject({ outcome: 'error', name: 'SalesforceAuthorizationError', error: 'invalid_scope' });
          } else {
            const state =
              Object.hasOwn(options, 'state') && options.state !== undefined
                ? { state: JSON.parse(JSON.stringify(options.state)) as unknown }
                : {};
            expect(callback.body).toEqual({
              outcome: 'success',
              user: expect.objectContaining({ username: 'ada@example.com' }),
              info: state,
            });
          }
          return;
        }
        outcomes.refused += 1;
        expect(fixture.emulator.requestsTo('authorize')).toHaveLength(authorizeRequestsBefore);
        expect(pendingLogins((await browser.me()).session)).toEqual({});
        if (response.status === 400) {
          // A per-request login base that is not the strategy's own.
          expect(Object.hasOwn(options, 'loginURL')).toBe(true);
          expect(response.body).toEqual({ outcome: 'failure', info: { message: expect.stringMatching(/loginURL/) } });
          return;
        }
        expect(response.status).toBe(500);
        expect(response.body).toMatchObject({ outcome: 'error', name: 'InvalidOptionError', code: 'INVALID_OPTION' });
        const named = /^authenticate option "(\w+)"/.exec(String(response.body.message))?.[1];
        expect(named && Object.hasOwn(options, named) ? named : response.body.message).toBe(named);
      }),
      propertyParameters(300),
    );
    expect(outcomes.started).toBeGreaterThan(30);
    expect(outcomes.refused).toBeGreaterThan(30);
    expect(watch.failures).toEqual([]);
    current = {};
    expect((await fixture.browser().login()).body.outcome).toBe('success');
  }, 120_000);
});
