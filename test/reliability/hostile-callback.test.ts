import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_FAILURES } from '../../src/pending-logins.js';
import { pendingLogins, startFixture, type Fixture } from '../helpers/fixture.js';
import { pendingEntryProblems, probeForPollution, propertyParameters, prototypeKeys, watchProcess, type ProcessWatch } from './support.js';

/**
 * Callbacks with hostile query strings, sent byte for byte to a real Express app (Express 4 parses
 * queries with `qs`, Express 5 with `querystring`). Each run starts a genuine login in a fresh
 * browser, sends one hostile callback in that browser, and checks the outcome against a model of
 * the documented behaviour: never a login, always an answer, the genuine pending login untouched
 * unless the callback named it, and the genuine login still finishing afterwards.
 */

/** A piece of a query key or value: text (percent-encoded as UTF-8), raw bytes, or the run's real state handle. */
type Fragment = { text: string } | { raw: string } | { realState: true };
interface Pair {
  key: Fragment[];
  /** `undefined`: the key has no `=`. */
  value: Fragment[] | undefined;
}
interface HostileQuery {
  /** Put `state=<the real handle>` first, twice, or not at all. */
  state: 'real' | 'real-twice' | 'none';
  /** Lead with `code=` (once or twice) or `error=`, so more runs reach the token request and the error path. */
  lead: 'code' | 'code-twice' | 'error' | 'none';
  leadValue: Fragment[];
  pairs: Pair[];
  prefix: '' | '?' | '&';
  /** Raw Latin-1 bytes somewhere, which Node's HTTP parser refuses before any app code runs. */
  latin1: string | undefined;
}

const CONTROL_AND_BIDI = [
  '\u0000',
  '\r',
  '\n',
  '\t',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u200b',
  '\u200e',
  '\u202e',
  '\u2066',
  '\u2069',
  '\u2028',
  '\ufeff',
  'a',
];
const HOSTILE_KEYS = [
  'state',
  'code',
  'error',
  'error_description',
  'error_uri',
  '__proto__',
  'constructor',
  'prototype',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  '__proto__.polluted',
  'state[]',
  'state[0]',
  'state[__proto__]',
  'state[constructor]',
  'code[]',
  'code[0]',
  'code[__proto__][polluted]',
  'error[]',
  'error[toString]',
  'hasOwnProperty',
  'toString',
  'valueOf',
  'a[b][c][d][e][f][g][h][i]',
  '',
];
const RAW_PIECES = [
  '%',
  '%%',
  '%z',
  '%zz',
  '%0',
  '%G1',
  '%E0%A4',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  '%00',
  '%0D%0A',
  '%E2%80%AE',
  '%EF%BB%BF',
  '+',
  '=',
  '==',
  '[',
  ']',
  '[]',
  '[0]',
  '[__proto__]',
  '[constructor][prototype]',
  '&&',
  ';',
  '..%2F',
  '#',
  '?',
];

const text = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      'access_denied',
      'invalid_scope',
      'AAAAAAAAAAAAAAAAAAAAAA',
      '__proto__',
      'constructor',
      'toString',
      'null',
      '[]',
      '{}',
      'aPrx.code==',
      '00D!token',
    ),
  },
  // Short values that occur inside Salesforce's answer ("invalid_grant", "expired authorization code").
  { weight: 1, arbitrary: fc.constantFrom('_', 'a', 'e', ' ', 'invalid', 'grant', 'code', 'expired') },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...CONTROL_AND_BIDI), maxLength: 20 }) },
  // Enormous: some fit Node's 16 KiB header limit, some do not.
  { weight: 1, arbitrary: fc.integer({ min: 500, max: 18_000 }).map((length) => 'x'.repeat(length)) },
);
const fragment: fc.Arbitrary<Fragment> = fc.oneof(
  { weight: 4, arbitrary: text.map((value) => ({ text: value })) },
  { weight: 3, arbitrary: fc.constantFrom(...RAW_PIECES).map((raw) => ({ raw })) },
  // Printable ASCII a browser would percent-encode (quotes, brackets, braces, backslash, ...): sent as it is.
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 20 })
      .map((raw) => ({ raw })),
  },
  { weight: 1, arbitrary: fc.constant({ realState: true as const }) },
);
const fragments = fc.array(fragment, { maxLength: 3 });
const pair: fc.Arbitrary<Pair> = fc.record({
  key: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...HOSTILE_KEYS).map((raw) => [{ raw }]) }, { weight: 1, arbitrary: fragments }),
  value: fc.option(fragments, { nil: undefined }),
});
const hostileQuery: fc.Arbitrary<HostileQuery> = fc.record({
  state: fc.oneof({ weight: 3, arbitrary: fc.constant('real' as const) }, fc.constant('real-twice' as const), fc.constant('none' as const)),
  lead: fc.oneof(
    { weight: 3, arbitrary: fc.constant('code' as const) },
    fc.constant('code-twice' as const),
    fc.constant('error' as const),
    fc.constant('none' as const),
  ),
  leadValue: fragments,
  pairs: fc.array(pair, { maxLength: 8 }),
  prefix: fc.constantFrom('', '?', '&'),
  latin1: fc.oneof(
    { weight: 9, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 }),
    },
  ),
});

const UNRESERVED = /^[A-Za-z0-9\-._~!$'()*,:@/]$/;

function percentEncode(value: string): string {
  let encoded = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

function render(pieces: Fragment[], handle: string): string {
  return pieces.map((piece) => ('text' in piece ? percentEncode(piece.text) : 'raw' in piece ? piece.raw : handle)).join('');
}

function callbackTarget(query: HostileQuery, handle: string): string {
  const parts: string[] = [];
  if (query.state !== 'none') parts.push(`state=${handle}`);
  if (query.lead === 'code-twice') parts.push(`code=${render(query.leadValue, handle)}`, 'code=aPrx.second==');
  else if (query.lead !== 'none') parts.push(`${query.lead}=${render(query.leadValue, handle)}`);
  for (const { key, value } of query.pairs)
    parts.push(value === undefined ? render(key, handle) : `${render(key, handle)}=${render(value, handle)}`);
  if (query.state === 'real-twice') parts.push(`state=${handle}`);
  if (query.latin1 !== undefined) parts.push(`x=${query.latin1}`);
  return `/auth/salesforce/callback?${query.prefix}${parts.join('&')}`;
}

/** What the documented behaviour predicts for a callback target, read with the WHATWG URL parser. */
type Expectation =
  { kind: 'new-login' } | { kind: 'refused'; message: string } | { kind: 'consumed'; branch: 'error' | 'no-single-code' | 'token-request' };

function expectationFor(target: string, handle: string): Expectation {
  const search = new URL(target, 'http://app.invalid').searchParams;
  if (search.getAll('code').length === 0 && search.getAll('error').length === 0) return { kind: 'new-login' };
  const states = search.getAll('state');
  if (states.length !== 1 || states[0] === '') return { kind: 'refused', message: STATE_FAILURES.missing };
  if (states[0] !== handle) return { kind: 'refused', message: STATE_FAILURES.unknown };
  if (search.getAll('error').length > 0) return { kind: 'consumed', branch: 'error' };
  const codes = search.getAll('code');
  return { kind: 'consumed', branch: codes.length === 1 && codes[0] !== '' ? 'token-request' : 'no-single-code' };
}

function parseJson(textBody: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(textBody) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

describe.each([4, 5] as const)('hostile callbacks on Express %i', (expressVersion) => {
  let fixture: Fixture;
  let watch: ProcessWatch;
  const prototypesBefore = prototypeKeys();

  beforeAll(async () => {
    watch = watchProcess();
    fixture = await startFixture({ app: { expressVersion } });
  });

  afterAll(async () => {
    watch.stop();
    await fixture.close();
  });

  it('never log anyone in, always answer, touch no other pending login, and leave the app working', async () => {
    const { app, emulator } = fixture;
    const outcomes = new Map<string, number>();
    let genuineLogins = 0;

    await fc.assert(
      fc.asyncProperty(hostileQuery, async (query) => {
        const browser = fixture.browser();
        const authorizeURL = await browser.startLogin();
        const handle = authorizeURL.searchParams.get('state') ?? '';
        const before = pendingLogins((await browser.me()).session);
        const target = callbackTarget(query, handle);
        const expected = expectationFor(target, handle);
        const errorsBefore = app.errors.length;

        const response = await browser.raw(target);
        const body = parseJson(response.text);
        const after = await browser.me();
        const store = pendingLogins(after.session);

        expect(after.user).toBeNull();
        expect(pendingEntryProblems(after.session?.['salesforce-pkce:salesforce'])).toEqual([]);
        expect(probeForPollution()).toEqual([]);
        expect(prototypeKeys()).toEqual(prototypesBefore);

        let consumed = false;
        // Node's HTTP parser answers a request line it refuses (too large, not a request target) itself, with no body.
        const refusedByNode = response.text === '' && [400, 431].includes(response.status);
        const label = refusedByNode
          ? `node ${response.status}`
          : expected.kind === 'consumed'
            ? `consumed/${expected.branch}`
            : expected.kind;
        outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
        if (refusedByNode) {
          expect(store).toEqual(before);
        } else if (expected.kind === 'new-login') {
          expect(response.status).toBe(302);
          expect(response.headers.location).toMatch(`${emulator.url}/services/oauth2/authorize?`);
          expect(store[handle]).toEqual(before[handle]);
          expect(Object.keys(store)).toHaveLength(2);
        } else if (expected.kind === 'refused') {
          expect(response.status).toBe(403);
          expect(body).toEqual({ outcome: 'failure', info: { message: expected.message } });
          expect(store).toEqual(before);
        } else {
          consumed = true;
          expect(store).toEqual({});
          if (expected.branch === 'error') {
            if (response.status === 401) expect(body).toEqual({ outcome: 'failure', info: { message: expect.any(String) } });
            else expect(body).toMatchObject({ outcome: 'error', name: 'SalesforceAuthorizationError' });
            expect([401, 500]).toContain(response.status);
          } else if (expected.branch === 'no-single-code') {
            expect(response.status).toBe(400);
            expect(body).toEqual({ outcome: 'failure', info: { message: 'The callback carries no single authorization code' } });
          } else {
            expect(response.status).toBe(500);
            expect(body).toMatchObject({
              outcome: 'error',
              name: 'SalesforceOAuthError',
              error: 'invalid_grant',
              error_description: 'expired authorization code',
            });
          }
        }
        for (const error of app.errors.slice(errorsBefore))
          expect(['SalesforceAuthorizationError', 'SalesforceOAuthError']).toContain(error.name);

        // The genuine callback still works unless the hostile one named its state.
        if (!consumed) {
          const genuine = await browser.callback(await browser.authorize(authorizeURL));
          expect(genuine.body).toMatchObject({ outcome: 'success', user: { username: 'ada@example.com' } });
          genuineLogins += 1;
        }
        expect(app.verifyCalls).toHaveLength(genuineLogins);
      }),
      propertyParameters(250),
    );

    // Every branch of the model was reached, so the property said something about each.
    for (const label of ['new-login', 'refused', 'consumed/error', 'consumed/no-single-code', 'consumed/token-request']) {
      expect(outcomes.get(label) ?? 0, `${label} in ${JSON.stringify([...outcomes])}`).toBeGreaterThan(5);
    }
    expect(watch.failures).toEqual([]);
    expect((await fixture.browser().login()).body.outcome).toBe('success');
  }, 180_000);
});
