import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmulatorFault } from 'salesforce-oauth-emulator';
import { CLIENT_SECRET, pendingLogins, startFixture, type Fixture, type FixtureOptions } from '../helpers/fixture.js';

/**
 * Every failure path, with console and a logger captured: no access token, refresh token, code,
 * verifier, client secret or id_token may appear in an error message, a log line, a response body
 * or an `info` object. Secrets are known exactly where the test can know them (the emulator's
 * request log, values it serves itself) and otherwise recognised by shape (the emulator's codes
 * `aPrx…`, access tokens `00D…!AQ0AQ…`, refresh tokens `5Aep861…`, JWTs `eyJ….eyJ…`).
 */

const SHAPES: Array<[string, RegExp]> = [
  ['an authorization code', /aPrx[A-Za-z0-9+/]{16,}/],
  ['an access token', /00D\w{12}!AQ0AQ[\w.]{16,}/],
  ['a refresh token', /5Aep861[\w.]{16,}/],
  ['a JWT', /eyJ[\w-]{8,}\.eyJ[\w-]{8,}/],
];

/** What the app and the strategy put out during one scenario. */
interface Outputs {
  /** Response bodies and headers of every request to the app (its /me introspection route excepted). */
  responses: string[];
  /** Lines written through console.* (captured, not printed). */
  console: string[];
  /** Errors as a structured logger (pino's err serializer, util.inspect) would write them. */
  logged: string[];
}

/** An error the way loggers write it: name, message, stack, own fields and the cause chain. */
function logLines(error: unknown): string[] {
  const lines = [inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth += 1) {
    lines.push(JSON.stringify({ ...current, type: current.name, message: current.message, stack: current.stack }));
  }
  return lines;
}

function secretsOf(fixture: Fixture, extra: Array<string | undefined>): string[] {
  const secrets = new Set<string>([CLIENT_SECRET]);
  for (const request of fixture.emulator.requests) {
    for (const field of ['code', 'code_verifier', 'client_secret', 'refresh_token', 'token']) {
      const value = request.body[field] ?? request.query[field];
      if (value) secrets.add(value);
    }
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) secrets.add(authorization.slice(7));
  }
  for (const call of fixture.app.verifyCalls) {
    secrets.add(call.accessToken);
    if (call.refreshToken) secrets.add(call.refreshToken);
    if (typeof call.params.id_token === 'string') secrets.add(call.params.id_token);
  }
  for (const value of extra) if (value) secrets.add(value);
  return [...secrets].filter((secret) => secret.length >= 8);
}

/** Every place a secret was found, as `where: which`. */
function leaks(outputs: Outputs, secrets: string[]): string[] {
  const found: string[] = [];
  for (const [where, texts] of Object.entries(outputs)) {
    for (const text of texts as string[]) {
      for (const secret of secrets) {
        for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) {
          if (text.includes(form)) found.push(`${where}: ${secret.slice(0, 12)}… in ${text.slice(0, 300)}`);
        }
      }
      for (const [shape, pattern] of SHAPES) if (pattern.test(text)) found.push(`${where}: ${shape} in ${text.slice(0, 300)}`);
    }
  }
  return found;
}

let fixture: Fixture | undefined;
let outputs: Outputs;

beforeEach(() => {
  outputs = { responses: [], console: [], logged: [] };
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      outputs.console.push(
        args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: Number.POSITIVE_INFINITY }))).join(' '),
      );
    });
  }
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fixture?.close();
  fixture = undefined;
});

/** Runs a scenario, then checks every output against every secret the scenario involved. */
async function expectNoLeak(
  f: Fixture,
  run: (record: (response: { text: string; headers: unknown }) => void) => Promise<Array<string | undefined> | undefined>,
): Promise<void> {
  const record = (response: { text: string; headers: unknown }): void => {
    outputs.responses.push(`${JSON.stringify(response.headers)} ${response.text}`);
  };
  const extra = (await run(record)) ?? [];
  for (const error of f.app.errors) outputs.logged.push(...logLines(error));
  const secrets = secretsOf(f, extra);
  expect(secrets.length).toBeGreaterThan(0);
  expect(leaks(outputs, secrets)).toEqual([]);
}

/** A login through the fixture, recording each leg the app answered. Returns the code and verifier it used. */
async function recordedLogin(
  f: Fixture,
  record: (response: { text: string; headers: unknown }) => void,
  beforeCallback?: (secrets: { code: string; verifier: string }) => void,
): Promise<Array<string | undefined>> {
  const browser = f.browser();
  const start = await browser.agent.get('/login');
  record(start);
  const authorizeURL = new URL(start.headers.location as string);
  const handle = authorizeURL.searchParams.get('state') ?? '';
  const verifier = pendingLogins((await browser.me()).session)[handle]?.verifier ?? '';
  const callbackURL = await browser.authorize(authorizeURL);
  const code = callbackURL.searchParams.get('code') ?? '';
  beforeCallback?.({ code, verifier });
  record(await browser.callback(callbackURL));
  // A replay of the same callback is a failure path too.
  record(await browser.callback(callbackURL));
  return [code, verifier];
}

/** A token response the emulator serves in place of its own, with tokens the test knows. */
function servedTokens(f: Fixture, overrides: Record<string, unknown> = {}): Record<string, string> {
  const tokens = {
    access_token: '00D5g000004EmUl!AQ0AQservedAccessTokenValue.0123456789',
    refresh_token: '5Aep861servedRefreshTokenValue.0123456789',
    id_token: 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjE4OCJ9.eyJzdWIiOiJzZXJ2ZWQiLCJpc3MiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl',
    instance_url: f.emulator.url,
    id: `${f.emulator.url}/id/${f.emulator.orgId}/${f.emulator.users[0]?.userId}`,
    token_type: 'Bearer',
    issued_at: '1717400000000',
    signature: Buffer.alloc(32, 7).toString('base64'),
    ...overrides,
  };
  f.emulator.setFault('token', { kind: 'status', status: 200, body: JSON.stringify(tokens), contentType: 'application/json' });
  return tokens as Record<string, string>;
}

const confidential: FixtureOptions = {
  app: { strategy: { clientSecret: CLIENT_SECRET, requestTimeout: 300 } },
  connectedApp: { clientSecret: CLIENT_SECRET },
};
const publicClient: FixtureOptions = { app: { strategy: { requestTimeout: 300 } } };

const FAULTS: Array<[string, EmulatorFault]> = [
  ['a 503', { kind: 'status', status: 503, body: 'Service Unavailable' }],
  ['an HTML page', { kind: 'html' }],
  ['malformed JSON', { kind: 'malformed-json' }],
  ['an empty body', { kind: 'empty' }],
  ['a reset', { kind: 'reset' }],
  ['a hang', { kind: 'hang' }],
];

describe('secrets stay out of errors, logs, responses and info', () => {
  describe.each([
    ['public', publicClient],
    ['confidential', confidential],
  ] as const)('%s client', (_kind, options) => {
    it.each(FAULTS)('token endpoint answering %s', async (_label, fault) => {
      const f = (fixture = await startFixture(options));
      f.emulator.setFault('token', fault);
      await expectNoLeak(f, (record) => recordedLogin(f, record));
    });

    it.each(FAULTS)('identity URL answering %s', async (_label, fault) => {
      const f = (fixture = await startFixture(options));
      f.emulator.setFault('identity', fault);
      await expectNoLeak(f, (record) => recordedLogin(f, record));
    });

    it.each(FAULTS)('keys endpoint answering %s during an openid login', async (_label, fault) => {
      const f = (fixture = await startFixture({ ...options, app: { strategy: { ...options.app?.strategy, scope: ['openid', 'api'] } } }));
      f.emulator.setFault('keys', fault);
      await expectNoLeak(f, (record) => recordedLogin(f, record));
    });
  });

  it('a wrong code verifier (invalid_grant)', async () => {
    const f = (fixture = await startFixture(publicClient));
    await expectNoLeak(f, async (record) => {
      const browser = f.browser();
      const authorizeURL = await browser.startLogin();
      authorizeURL.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
      record(await browser.callback(await browser.authorize(authorizeURL)));
      expect(f.app.errors[0]).toMatchObject({ error: 'invalid_grant' });
    });
  });

  it('a wrong client secret (invalid_client)', async () => {
    const f = (fixture = await startFixture({ ...confidential, connectedApp: { clientSecret: 'another-secret-value' } }));
    await expectNoLeak(f, async (record) => {
      await recordedLogin(f, record);
      expect(f.app.errors[0]).toMatchObject({ error: 'invalid_client' });
      return ['another-secret-value'];
    });
  });

  it('a token response whose signature does not match', async () => {
    const f = (fixture = await startFixture(confidential));
    await expectNoLeak(f, async (record) => {
      const served = servedTokens(f);
      await recordedLogin(f, record);
      expect(f.app.errors[0]).toMatchObject({ name: 'SalesforceError', code: 'TOKEN_SIGNATURE_MISMATCH' });
      return [served.access_token, served.refresh_token, served.id_token];
    });
  });

  it('an identity URL outside the login', async () => {
    const f = (fixture = await startFixture({ ...publicClient, emulator: { identityBaseUrl: 'https://evil.example' } }));
    await expectNoLeak(f, async (record) => {
      await recordedLogin(f, record);
      expect(f.app.errors[0]?.name).toBe('IdentityOriginError');
    });
  });

  it('an id_token that fails verification, served and issued', async () => {
    const f = (fixture = await startFixture({ app: { strategy: { scope: ['openid'] } } }));
    await expectNoLeak(f, async (record) => {
      const served = servedTokens(f);
      await recordedLogin(f, record);
      f.emulator.clearFaults();
      f.emulator.setIdTokenTweak({ claims: { aud: 'someone-else' } });
      await recordedLogin(f, record);
      expect(f.app.errors.map((error) => error.name)).toEqual(['IdTokenError', 'IdTokenError']);
      return [served.access_token, served.refresh_token, served.id_token];
    });
  });

  it('an access_token that cannot travel in a header', async () => {
    const f = (fixture = await startFixture(publicClient));
    await expectNoLeak(f, async (record) => {
      const served = servedTokens(f, { access_token: '00D5g000004EmUl!AQ0AQbroken\r\nheaderTokenValue0123456789' });
      await recordedLogin(f, record);
      expect(f.app.errors[0]?.name).toBe('SalesforceResponseError');
      return [served.access_token, served.refresh_token, served.id_token];
    });
  });

  it('callbacks refused or failed before any token request', async () => {
    const f = (fixture = await startFixture({ ...publicClient, app: { strategy: { pendingLoginTtl: 600 } } }));
    await expectNoLeak(f, async (record) => {
      const browser = f.browser();
      const callbackURL = await browser.authorize(await browser.startLogin());
      const forged = new URL(callbackURL);
      forged.searchParams.set('state', 'AAAAAAAAAAAAAAAAAAAAAA');
      record(await browser.callback(forged));
      const denied = new URL(callbackURL);
      denied.searchParams.delete('code');
      denied.searchParams.set('error', 'access_denied');
      denied.searchParams.set('error_description', 'end-user denied authorization');
      record(await browser.callback(denied));
      record(await f.browser().callback(callbackURL));
      return [callbackURL.searchParams.get('code') ?? undefined];
    });
  });

  describe('Salesforce answers that echo what was sent', () => {
    // A faulty server or proxy may repeat the request in its error: the strategy's errors must
    // still not carry the secrets it sent, whatever words come back.
    it('the token endpoint repeating the code, verifier and secret in its error', async () => {
      const f = (fixture = await startFixture(confidential));
      await expectNoLeak(f, (record) =>
        recordedLogin(f, record, ({ code, verifier }) => {
          const description = `invalid code ${code} for verifier ${verifier} (client_secret=${encodeURIComponent(CLIENT_SECRET)}&code=${encodeURIComponent(code)})`;
          f.emulator.setFault('token', {
            kind: 'status',
            status: 400,
            body: JSON.stringify({ error: 'invalid_grant', error_description: description }),
            contentType: 'application/json',
          });
        }),
      );
      expect(f.app.errors[0]).toMatchObject({
        name: 'SalesforceOAuthError',
        error: 'invalid_grant',
        error_description: expect.stringMatching(/^invalid code \[redacted\] for verifier \[redacted\]/),
      });
    });

    it('the identity URL repeating the access token in its error', async () => {
      const f = (fixture = await startFixture(publicClient));
      await expectNoLeak(f, async (record) => {
        // No id_token: one would be verified (and refused) before the identity request.
        const served = servedTokens(f, { id_token: undefined });
        f.emulator.setFault('identity', {
          kind: 'status',
          status: 401,
          body: JSON.stringify({ error: 'Bad_OAuth_Token', error_description: `token ${served.access_token} is not valid` }),
          contentType: 'application/json',
        });
        await recordedLogin(f, record);
        return [served.access_token, served.refresh_token];
      });
      expect(f.app.errors[0]).toMatchObject({ error: 'Bad_OAuth_Token', error_description: 'token [redacted] is not valid' });
    });
  });

  describe("Salesforce's words are kept off the message and out of loggers' reach", () => {
    // Redacting echoes can never be complete (an HTML entity, a JSON escape, a prefix of a
    // token): the message carries only a known error code, and error / error_description are
    // read explicitly, never written by util.inspect, JSON.stringify or a logger's serializer.
    const ODD_SECRET = 'Zx/9+kQ=secret/with+special~chars&more=';

    /** Every 12-character window of each secret, raw and in every encoding a server might echo. */
    function fragments(secrets: string[]): string[] {
      const forms = secrets.flatMap((secret) => {
        const percent = encodeURIComponent(secret);
        const form = new URLSearchParams({ s: secret }).toString().slice(2);
        return [
          secret,
          percent,
          percent.toLowerCase(),
          form,
          form.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
          JSON.stringify(secret).slice(1, -1).replaceAll('/', '\\/'),
        ];
      });
      return [...new Set(forms.flatMap((text) => Array.from({ length: Math.max(0, text.length - 11) }, (_, i) => text.slice(i, i + 12))))];
    }

    it('the token endpoint echoing the secret lower-case percent-encoded, JSON-escaped, and 30-character prefixes of the code and verifier', async () => {
      const f = (fixture = await startFixture({
        app: { strategy: { clientSecret: ODD_SECRET, requestTimeout: 300 } },
        connectedApp: { clientSecret: ODD_SECRET },
      }));
      let sent: string[] = [];
      await recordedLogin(
        f,
        () => undefined,
        ({ code, verifier }) => {
          sent = [code, verifier, ODD_SECRET];
          const lowerPercent = encodeURIComponent(ODD_SECRET).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
          const description = `client_secret=${lowerPercent} {"client_secret":${JSON.stringify(ODD_SECRET).replaceAll('/', '\\/')}} code ${code.slice(0, 30)} verifier ${verifier.slice(0, 30)}`;
          f.emulator.setFault('token', {
            kind: 'status',
            status: 400,
            body: JSON.stringify({ error: verifier.slice(0, 30), error_description: description }),
            contentType: 'application/json',
          });
        },
      );
      const error = f.app.errors[0] as Error & { error?: string; error_description?: string };
      expect(error).toMatchObject({
        name: 'SalesforceOAuthError',
        message: 'Salesforce token request failed: HTTP 400, an error code Salesforce does not document',
      });
      // Still there for code that asks for it.
      expect(error.error).toBe(sent[1]?.slice(0, 30));
      expect(error.error_description).toContain('client_secret=');
      const written = [...logLines(error), error.message, String(error), ...outputs.console];
      expect(fragments(sent).filter((fragment) => written.some((text) => text.includes(fragment)))).toEqual([]);
    });

    it('a refresh token prefix in a refresh error', async () => {
      const f = (fixture = await startFixture({ app: { strategy: { scope: ['api', 'refresh_token'], requestTimeout: 300 } } }));
      expect((await f.browser().login()).body.outcome).toBe('success');
      const refreshToken = f.app.verifyCalls[0]?.refreshToken ?? '';
      f.emulator.setFault('token', {
        kind: 'status',
        status: 400,
        body: JSON.stringify({ error: 'invalid_grant', error_description: `expired: ${refreshToken.slice(0, 30)}…` }),
        contentType: 'application/json',
      });
      const error = await f.app.strategy.refresh(refreshToken).then(
        () => new Error('expected a rejection'),
        (failure: unknown) => failure as Error,
      );
      expect(error).toMatchObject({
        name: 'SalesforceOAuthError',
        message: 'Salesforce refresh request failed: HTTP 400, invalid_grant',
        error: 'invalid_grant',
      });
      expect(fragments([refreshToken]).filter((fragment) => logLines(error).some((text) => text.includes(fragment)))).toEqual([]);
    });
  });

  describe('refresh and revoke', () => {
    async function loggedIn(): Promise<Fixture> {
      const f = (fixture = await startFixture({
        app: { strategy: { scope: ['api', 'refresh_token'], clientSecret: CLIENT_SECRET, requestTimeout: 300 } },
        connectedApp: { clientSecret: CLIENT_SECRET },
      }));
      expect((await f.browser().login()).body.outcome).toBe('success');
      return f;
    }

    async function rejection(promise: Promise<unknown>): Promise<unknown> {
      return promise.then(
        () => new Error('expected a rejection'),
        (error: unknown) => error,
      );
    }

    it.each([...FAULTS, ['invalid_grant', undefined] as const, ['an echo of the refresh token', 'echo'] as const])(
      'refresh failing with %s',
      async (_label, fault) => {
        const f = await loggedIn();
        await expectNoLeak(f, async () => {
          const refreshToken = f.app.verifyCalls[0]?.refreshToken ?? '';
          if (fault === 'echo')
            f.emulator.setFault('token', {
              kind: 'status',
              status: 400,
              body: JSON.stringify({ error: 'invalid_grant', error_description: `refresh token ${refreshToken} expired` }),
              contentType: 'application/json',
            });
          else if (fault) f.emulator.setFault('token', fault);
          const error = await rejection(f.app.strategy.refresh(fault === undefined ? `${refreshToken}x` : refreshToken));
          expect(error).toMatchObject({ endpoint: 'refresh' });
          outputs.logged.push(...logLines(error));
          return [`${refreshToken}x`];
        });
      },
    );

    // A 200 is Salesforce's "revoked", whatever its body: those faults are no failure for revoke.
    const revokeFaults = FAULTS.filter(
      ([, fault]) => !('status' in fault ? fault.status === 200 : fault.kind === 'malformed-json' || fault.kind === 'empty'),
    );

    it.each([...revokeFaults, ['invalid_token', undefined] as const, ['an echo of the token', 'echo'] as const])(
      'revoke failing with %s',
      async (_label, fault) => {
        const f = await loggedIn();
        await expectNoLeak(f, async () => {
          const { accessToken } = f.app.verifyCalls[0] ?? { accessToken: '' };
          if (fault === 'echo')
            f.emulator.setFault('revoke', {
              kind: 'status',
              status: 400,
              body: JSON.stringify({ error: 'invalid_token', error_description: `token ${accessToken} is invalid` }),
              contentType: 'application/json',
            });
          else if (fault) f.emulator.setFault('revoke', fault);
          const token = fault === undefined ? `${accessToken}x` : accessToken;
          const error = await rejection(f.app.strategy.revoke(token));
          expect(error).toMatchObject({ endpoint: 'revoke' });
          outputs.logged.push(...logLines(error));
          return [token];
        });
      },
    );
  });
  describe('what redaction replaces in error_description and in the body parseErrorResponse reads', () => {
    const SECRET = 'Zx/9+kQ=secret/with+special~chars&more=';
    const lowerEscapes = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
    /** Each form the documentation says is redacted, of one secret. */
    function redactedForms(secret: string): Array<[string, string]> {
      const percent = encodeURIComponent(secret);
      const form = new URLSearchParams({ s: secret }).toString().slice(2);
      const base64 = Buffer.from(secret).toString('base64');
      return [
        ['as sent', secret],
        ['percent-encoded', percent],
        ['percent-encoded, lower-case escapes', lowerEscapes(percent)],
        ['form-encoded', form],
        ['form-encoded, lower-case escapes', lowerEscapes(form)],
        ['percent-encoded twice', encodeURIComponent(percent)],
        ['percent-encoded twice, lower-case escapes', lowerEscapes(encodeURIComponent(percent))],
        ['base64', base64],
        ['base64 without padding', base64.replaceAll('=', '')],
        ['base64url', Buffer.from(secret).toString('base64url')],
      ];
    }

    it('replaces the refresh token and the client secret in each documented form, and nothing else of the answer', async () => {
      const f = (fixture = await startFixture({
        app: { strategy: { scope: ['api', 'refresh_token'], clientSecret: SECRET, requestTimeout: 300 } },
        connectedApp: { clientSecret: SECRET },
      }));
      expect((await f.browser().login()).body.outcome).toBe('success');
      const refreshToken = f.app.verifyCalls[0]?.refreshToken ?? '';
      const forms = [...redactedForms(refreshToken), ...redactedForms(SECRET)];
      const description = forms.map(([label, text]) => `${label}: <${text}>`).join('; ');
      f.emulator.setFault('token', {
        kind: 'status',
        status: 400,
        body: JSON.stringify({ error: 'invalid_grant', error_description: description }),
        contentType: 'application/json',
      });
      const bodies: string[] = [];
      f.app.strategy.parseErrorResponse = (body: string) => {
        bodies.push(body);
        return null;
      };
      const error = (await f.app.strategy.refresh(refreshToken).then(
        () => new Error('expected a rejection'),
        (failure: unknown) => failure,
      )) as { error?: string; error_description?: string };
      const expected = forms.map(([label]) => `${label}: <[redacted]>`).join('; ');
      expect(error).toMatchObject({ error: 'invalid_grant', error_description: expected });
      expect(bodies).toEqual([JSON.stringify({ error: 'invalid_grant', error_description: expected })]);
    });
  });
});
