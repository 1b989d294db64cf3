import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIdentityURL, checkInstanceURL, loginTarget } from '../../src/endpoints.js';
import { IdTokenError, SalesforceResponseError } from '../../src/errors.js';
import { IdTokenVerifier } from '../../src/id-token.js';
import { normaliseScope, resolveOptions } from '../../src/options.js';
import { computeCodeChallenge, createPkcePair } from '../../src/pkce.js';
import { buildProfile, profileFromIdentityUrl } from '../../src/profile.js';
import { verifyTokenSignature } from '../../src/token-response.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { anyValue, probeForPollution, propertyParameters, prototypeKeys, watchProcess, type ProcessWatch } from './support.js';

/**
 * Random and hostile JSON where Salesforce's answers go: token responses and identity documents
 * served to a real app over HTTP, and the same (plus id_tokens, key sets, URLs and options) fed
 * straight to the pure modules. Nothing may crash, throw an untyped error, pollute a prototype,
 * hand the verify callback something its types do not promise, or log anyone in on a bad answer.
 */

/** Any JSON value at all, plus keys that are dangerous as object keys. */
const anyJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}')
      .map((text) => JSON.parse(text) as unknown),
  },
);

/** An object with the given own entries; `__proto__` becomes an own key, as JSON.parse makes it. */
function objectOf(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries)
    if (value !== undefined) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}
const extraFields = fc.array(
  fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'then'), fc.string({ maxLength: 12 })), anyJson),
  { maxLength: 4 },
);

type Labelled<L, V = unknown> = { label: L; value: V };

const wellFormedToken = fc.stringMatching(/^00D[A-Za-z0-9]{12}![A-Za-z0-9._]{10,60}$/);
/** Strings that cannot travel in an `Authorization` header: CR/LF, controls, characters beyond Latin-1. */
const headerBreakingToken = fc
  .tuple(wellFormedToken, fc.constantFrom('\r\nX-Injected: 1', '\n', '\u0000', '\u007f', '\u2028', '\u202e', 'ー', '😀'))
  .map(([token, bad]) => `${token.slice(0, 8)}${bad}${token.slice(8)}`);
const notAToken = fc.constantFrom<unknown>(undefined, '', 0, 42, null, true, [], ['00D!x'], {}, { token: 'x' });

interface TokenCase {
  accessToken: Labelled<'ok' | 'absent-or-wrong-type' | 'breaks-header'>;
  refreshToken: unknown;
  id: Labelled<'identity' | 'foreign' | 'garbage'>;
  instanceUrl: Labelled<'absent' | 'salesforce' | 'refused'>;
  extras: Array<[string, unknown]>;
}
interface IdentityCase {
  identity: Labelled<'identity' | 'another-user' | 'not-identity'>;
  extras: Array<[string, unknown]>;
}

function tokenCase(identityUrl: string): fc.Arbitrary<TokenCase> {
  return fc.record({
    accessToken: fc.oneof(
      { weight: 4, arbitrary: wellFormedToken.map((value) => ({ label: 'ok' as const, value })) },
      { weight: 1, arbitrary: notAToken.map((value) => ({ label: 'absent-or-wrong-type' as const, value })) },
      { weight: 1, arbitrary: headerBreakingToken.map((value) => ({ label: 'breaks-header' as const, value })) },
    ),
    refreshToken: fc.oneof(fc.constant(undefined), wellFormedToken, anyJson),
    id: fc.oneof(
      { weight: 4, arbitrary: fc.constant({ label: 'identity' as const, value: identityUrl }) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(
            'https://evil.example',
            'http://169.254.169.254',
            'https://salesforce.com.evil.example',
            'https://user:pw@login.salesforce.com',
            'http://login.salesforce.com',
            'https://127.0.0.1:1',
          )
          .map((origin) => ({ label: 'foreign' as const, value: `${origin}/id/00D5g000004EmUlEAK/0055g00000AdaAAAAA` })),
      },
      {
        weight: 1,
        arbitrary: fc
          .oneof(
            fc.string({ maxLength: 30 }).filter((s) => !/^\s*https?:/i.test(s)),
            fc.constantFrom<unknown>(undefined, null, 42, [], {}, 'javascript:alert(1)', 'file:///etc/passwd'),
          )
          .map((value) => ({ label: 'garbage' as const, value })),
      },
    ),
    instanceUrl: fc.oneof(
      fc.constant({ label: 'absent' as const, value: undefined }),
      // The app's login is the loopback emulator, so another loopback host is an instance it can have.
      fc
        .constantFrom<unknown>('https://acme.my.salesforce.com', 'https://acme--uat.sandbox.my.salesforce.com', 'http://127.0.0.2')
        .map((value) => ({ label: 'salesforce' as const, value })),
      fc
        .constantFrom<unknown>(
          'not a url',
          42,
          null,
          'javascript:alert(1)',
          'https://evil.example',
          'http://acme.my.salesforce.com',
          'https://acme.my.salesforce.com.evil.example',
          'https://na1.salesforce.com',
          'https://acme.lightning.force.com',
        )
        .map((value) => ({ label: 'refused' as const, value })),
    ),
    extras: extraFields.map((entries) => entries.map(([key, value]) => [key, value] as [string, unknown])),
  });
}

/** Identity documents; with `user`, most are that user's (the token response's) and some another's. */
function identityCase(user?: { userId: string; organizationId: string }): fc.Arbitrary<IdentityCase> {
  const randomIds = fc.record({
    userId: fc.string({ minLength: 1, maxLength: 18 }),
    organizationId: fc.string({ minLength: 1, maxLength: 18 }),
  });
  const ids = user ? fc.oneof({ weight: 3, arbitrary: fc.constant(user) }, { weight: 1, arbitrary: randomIds }) : randomIds;
  return fc.record({
    identity: fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .record(
            {
              id: fc.string({ maxLength: 60 }),
              ids,
              username: anyJson,
              display_name: anyJson,
              first_name: anyJson,
              last_name: anyJson,
              email: anyJson,
              email_verified: anyJson,
              photos: anyJson,
              urls: anyJson,
              active: anyJson,
              user_type: anyJson,
              locale: anyJson,
              timezone: anyJson,
            },
            { requiredKeys: ['id', 'ids'] },
          )
          .map(({ ids: { userId, organizationId }, ...fields }) => ({
            label:
              user && (userId !== user.userId || organizationId !== user.organizationId)
                ? ('another-user' as const)
                : ('identity' as const),
            value: { ...fields, user_id: userId, organization_id: organizationId },
          })),
      },
      {
        weight: 1,
        arbitrary: fc
          .oneof(
            anyJson.filter(
              (value) =>
                typeof value !== 'object' ||
                value === null ||
                Array.isArray(value) ||
                typeof (value as Record<string, unknown>).user_id !== 'string',
            ),
            fc.record({
              id: fc.string(),
              user_id: fc.constantFrom<unknown>('', 5, null, []),
              organization_id: fc.string({ minLength: 1 }),
            }),
            fc.record({
              id: fc.string(),
              user_id: fc.string({ minLength: 1 }),
              organization_id: fc.constantFrom<unknown>('', 5, null, {}),
            }),
            fc.record({
              id: fc.constantFrom<unknown>(5, null, {}),
              user_id: fc.string({ minLength: 1 }),
              organization_id: fc.string({ minLength: 1 }),
            }),
          )
          .map((value) => ({ label: 'not-identity' as const, value })),
      },
    ),
    extras: extraFields.map((entries) => entries.map(([key, value]) => [key, value] as [string, unknown])),
  });
}

function withExtras(value: unknown, extras: Array<[string, unknown]>): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const known = new Set(Object.keys(value));
  return objectOf([...Object.entries(value), ...extras.filter(([key]) => !known.has(key))]);
}

/** The profile fields and types `SalesforceProfile` promises. */
function profileTypeProblems(profile: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const field of ['id', 'username', 'displayName', 'organizationId', 'identityUrl'])
    if (typeof profile[field] !== 'string') problems.push(field);
  const name = profile.name as Record<string, unknown> | undefined;
  if (typeof name?.givenName !== 'string' || typeof name.familyName !== 'string') problems.push('name');
  if (
    !Array.isArray(profile.emails) ||
    !profile.emails.every((e: { value?: unknown; verified?: unknown }) => typeof e.value === 'string' && typeof e.verified === 'boolean')
  )
    problems.push('emails');
  if (!Array.isArray(profile.photos) || !profile.photos.every((p: { value?: unknown }) => typeof p.value === 'string'))
    problems.push('photos');
  if (typeof profile.urls !== 'object' || profile.urls === null || !Object.values(profile.urls).every((u) => typeof u === 'string'))
    problems.push('urls');
  for (const field of ['userType', 'locale', 'language', 'timezone', 'instanceUrl'])
    if (profile[field] !== undefined && typeof profile[field] !== 'string') problems.push(field);
  if (profile.active !== undefined && typeof profile.active !== 'boolean') problems.push('active');
  return problems;
}

describe('random token responses and identity documents through a real app', () => {
  let fixture: Fixture;
  let watch: ProcessWatch;
  const prototypesBefore = prototypeKeys();

  beforeAll(async () => {
    watch = watchProcess();
    fixture = await startFixture({ app: { strategy: { requestTimeout: 5_000 } } });
  });

  afterAll(async () => {
    watch.stop();
    await fixture.close();
  });

  it('log in only on a usable token and identity, and otherwise end in the typed error for the first bad part', async () => {
    const { emulator, app } = fixture;
    const identityUrl = `${emulator.url}/id/${emulator.orgId}/${emulator.users[0]?.userId}`;
    const seen = new Map<string, number>();

    await fc.assert(
      fc.asyncProperty(
        tokenCase(identityUrl),
        identityCase({ userId: emulator.users[0]?.userId ?? '', organizationId: emulator.orgId }),
        async (token, identity) => {
          const tokenBody = objectOf([
            ['access_token', token.accessToken.value],
            ['refresh_token', token.refreshToken],
            ['id', token.id.value],
            ['instance_url', token.instanceUrl.value],
            ['token_type', 'Bearer'],
            ['issued_at', String(Date.now())],
            ...token.extras,
          ]);
          const identityBody = withExtras(identity.identity.value, identity.extras);
          emulator.setFault('token', {
            kind: 'status',
            status: 200,
            body: JSON.stringify(tokenBody),
            contentType: 'application/json;charset=UTF-8',
          });
          emulator.setFault('identity', {
            kind: 'status',
            status: 200,
            body: JSON.stringify(identityBody),
            contentType: 'application/json;charset=UTF-8',
          });
          const verifyCallsBefore = app.verifyCalls.length;
          const browser = fixture.browser();
          const response = await browser.login();
          emulator.clearFaults();

          const expected =
            token.accessToken.label === 'absent-or-wrong-type'
              ? { name: 'SalesforceResponseError', message: 'Salesforce token request failed: HTTP 200, no access_token in the answer' }
              : token.accessToken.label === 'breaks-header'
                ? {
                    name: 'SalesforceResponseError',
                    message: 'Salesforce token request failed: HTTP 200, the access_token is not an RFC 6749 token',
                  }
                : token.instanceUrl.label === 'refused'
                  ? {
                      name: 'SalesforceResponseError',
                      message: 'Salesforce token request failed: HTTP 200, the instance_url is not an https URL of a Salesforce host',
                    }
                  : token.id.label !== 'identity'
                    ? { name: 'IdentityOriginError' }
                    : identity.identity.label === 'not-identity'
                      ? {
                          name: 'SalesforceResponseError',
                          message: expect.stringMatching(
                            /^Salesforce identity request failed: HTTP 200, (the answer is not a Salesforce identity|a body that is not a JSON object)$/,
                          ),
                        }
                      : identity.identity.label === 'another-user'
                        ? {
                            name: 'SalesforceResponseError',
                            message:
                              "Salesforce identity request failed: HTTP 200, the identity is another user than the token response's id",
                          }
                        : undefined;
          seen.set(expected?.name ?? 'success', (seen.get(expected?.name ?? 'success') ?? 0) + 1);

          expect(probeForPollution()).toEqual([]);
          expect(prototypeKeys()).toEqual(prototypesBefore);
          if (expected) {
            expect(response.status).toBe(500);
            expect(response.body).toMatchObject({ outcome: 'error', ...expected });
            expect(app.verifyCalls).toHaveLength(verifyCallsBefore);
            expect((await browser.me()).user).toBeNull();
            return;
          }
          const identityValue = identity.identity.value as Record<string, unknown>;
          expect(response.status).toBe(200);
          expect(response.body).toMatchObject({
            outcome: 'success',
            user: { id: identityValue.user_id, organizationId: identityValue.organization_id },
          });
          const call = app.verifyCalls.at(-1);
          expect(typeof call?.accessToken).toBe('string');
          expect(['string', 'undefined']).toContain(typeof call?.refreshToken);
          expect(profileTypeProblems(call?.profile ?? {})).toEqual([]);
        },
      ),
      propertyParameters(200),
    );

    for (const outcome of ['success', 'SalesforceResponseError', 'IdentityOriginError'])
      expect(seen.get(outcome) ?? 0, JSON.stringify([...seen])).toBeGreaterThan(10);
    expect(watch.failures).toEqual([]);
    expect((await fixture.browser().login()).body).toMatchObject({ outcome: 'success', user: { username: 'ada@example.com' } });
  }, 120_000);
});

describe('random input to the pure modules', () => {
  const prototypesBefore = prototypeKeys();
  const anything = anyValue();

  afterAll(() => {
    expect(prototypeKeys()).toEqual(prototypesBefore);
    expect(probeForPollution()).toEqual([]);
  });

  it('buildProfile: a profile with the promised types exactly when the JSON is an identity, never a throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          identityCase().map((c) => withExtras(c.identity.value, c.extras)),
          anything,
        ),
        (json) => {
          const profile = buildProfile(json, 'raw', 'https://acme.my.salesforce.com');
          const record = json as Record<string, unknown>;
          const isIdentity =
            typeof json === 'object' &&
            json !== null &&
            !Array.isArray(json) &&
            typeof record.id === 'string' &&
            typeof record.user_id === 'string' &&
            record.user_id !== '' &&
            typeof record.organization_id === 'string' &&
            record.organization_id !== '';
          expect(profile !== undefined).toBe(isIdentity);
          if (profile) {
            expect(profileTypeProblems(profile as unknown as Record<string, unknown>)).toEqual([]);
            expect([profile.id, profile.organizationId, profile.identityUrl]).toEqual([record.user_id, record.organization_id, record.id]);
          }
        },
      ),
      propertyParameters(1000),
    );
  });

  it('profileFromIdentityUrl: ids only from an /id/{org}/{user} path, never a throw', () => {
    const idPath = fc.tuple(fc.stringMatching(/^[A-Za-z0-9]{15,18}$/), fc.stringMatching(/^[A-Za-z0-9]{15,18}$/));
    fc.assert(
      fc.property(
        fc.oneof(
          idPath.map(([org, user]) => `https://login.salesforce.com/id/${org}/${user}`),
          fc.string(),
          fc.webUrl(),
        ),
        (url) => {
          const profile = profileFromIdentityUrl(url);
          const match = /^https?:\/\/[^/]+(?:\/[^?#]*)?\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})$/.exec(url);
          if (match) expect(profile).toMatchObject({ organizationId: match[1], id: match[2], identityUrl: url });
          if (profile) expect(profileTypeProblems(profile as unknown as Record<string, unknown>)).toEqual([]);
        },
      ),
      propertyParameters(1000),
    );
  });

  it('verifyTokenSignature: true only for the HMAC of this secret over id + issued_at, never a throw', async () => {
    const { createHmac } = await import('node:crypto');
    const signed = fc.record({
      id: fc.string({ unit: 'binary' }),
      issued_at: fc.string({ unit: 'binary' }),
      secret: fc.string({ unit: 'binary', minLength: 1 }),
    });
    fc.assert(
      fc.property(signed, fc.nat(), anything, ({ id, issued_at: issuedAt, secret }, position, junk) => {
        const signature = createHmac('sha256', secret)
          .update(id + issuedAt)
          .digest('base64');
        expect(verifyTokenSignature({ id, issued_at: issuedAt, signature }, secret)).toBe(true);
        // One changed character anywhere breaks it; so does a different secret or another field type.
        const at = position % signature.length;
        const flipped = `${signature.slice(0, at)}${signature[at] === 'A' ? 'B' : 'A'}${signature.slice(at + 1)}`;
        expect(verifyTokenSignature({ id, issued_at: issuedAt, signature: flipped }, secret)).toBe(false);
        expect(verifyTokenSignature({ id: `${id}x`, issued_at: issuedAt, signature }, secret)).toBe(false);
        expect(verifyTokenSignature({ id, issued_at: issuedAt, signature }, `${secret}x`)).toBe(false);
        expect(verifyTokenSignature({ id, issued_at: junk, signature }, secret)).toBe(typeof junk === 'string' && junk === issuedAt);
        expect(verifyTokenSignature(junk as never, secret)).toBe(false);
      }),
      propertyParameters(500),
    );
  });

  it('checkInstanceURL and checkIdentityURL: the token goes only to the login, its checked instance, or login/test.salesforce.com', () => {
    const login = loginTarget(new URL('https://acme.my.salesforce.com'));
    const hostileUrl = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.constantFrom(
        'https://login.salesforce.com.evil.example/id/x',
        'https://evil.example\\@login.salesforce.com/id',
        'https://a:b@login.salesforce.com/id',
        'http://na1.salesforce.com/id',
        'https://xn--slesforce-51a.com/id',
        'HTTPS://LOGIN.SALESFORCE.COM/id',
        'https://login.salesforce.com./id',
        'https://[::1]/id',
        'http://127.0.0.1:8080/id',
        'javascript:alert(1)//login.salesforce.com',
        'https://evil.my.site.com/id',
        'https://acme.file.force.com/id',
      ),
      anything,
    );
    const instanceCandidate = fc.oneof(
      fc.constant(undefined),
      fc.webUrl(),
      hostileUrl,
      fc.constantFrom('https://acme--uat.sandbox.my.salesforce.com', 'https://acme.my.site.com/partners'),
      anything,
    );
    fc.assert(
      fc.property(hostileUrl, instanceCandidate, (id, instanceUrl) => {
        const instance = checkInstanceURL(instanceUrl, login);
        if (instance.ok && instance.url) {
          const { url } = instance;
          expect(url.protocol, url.href).toBe('https:');
          expect(url.username + url.password + url.search + url.hash).toBe('');
          const salesforce =
            /^(login|test)\.salesforce\.com$|^[a-z]{2,4}\d{1,3}\.salesforce\.com$|^([a-z0-9-]+\.)+(my\.salesforce\.com|my\.salesforce\.mil|my\.site\.com|force\.com)$/;
          expect(url.origin === login.base.origin || salesforce.test(url.hostname), url.href).toBe(true);
        }
        const check = checkIdentityURL(id, { loginOrigins: login.origins, instanceUrl: instance.ok ? instance.url : undefined });
        if (!check.ok) return;
        const trusted = new Set([
          login.base.origin,
          'https://login.salesforce.com',
          'https://test.salesforce.com',
          ...(instance.ok && instance.url ? [instance.url.origin] : []),
        ]);
        expect(check.url.username + check.url.password).toBe('');
        expect(trusted.has(check.url.origin), check.url.href).toBe(true);
      }),
      propertyParameters(2000),
    );
  });

  it('normaliseScope and resolveOptions: a value or a TypeError naming the option, never anything else', () => {
    fc.assert(
      fc.property(anything, (value) => {
        const scope = normaliseScope(value);
        if (typeof scope === 'string') expect(scope).toMatch(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/);
        else if (scope !== undefined) expect(scope).toEqual({ error: expect.any(String) });
      }),
      propertyParameters(1000),
    );
    const optionName = fc.constantFrom(
      'clientID',
      'callbackURL',
      'clientSecret',
      'loginURL',
      'authorizationURL',
      'tokenURL',
      'name',
      'scope',
      'requestTimeout',
      'pendingLoginTtl',
      'maxPendingLogins',
      'verifyTokenSignature',
      'skipUserProfile',
      'sessionKey',
      'trustProxy',
      'passReqToCallback',
      'allowedLoginURLs',
      'store',
      'agent',
      '__proto__',
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(optionName, anything), { maxLength: 6 }), fc.boolean(), (entries, withRequired) => {
        const options = objectOf([
          ...(withRequired
            ? ([
                ['clientID', 'x'],
                ['callbackURL', '/cb'],
              ] as const)
            : []),
          ...entries,
        ]);
        try {
          resolveOptions(options);
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
          expect((error as Error).message).toMatch(/^SalesforcePkceStrategy: options/);
        }
      }),
      propertyParameters(1000),
    );
  });

  it('createPkcePair: RFC 7636 verifiers, never repeated, with the S256 challenge', () => {
    const verifiers = new Set<string>();
    for (let i = 0; i < 2000; i += 1) {
      const pair = createPkcePair();
      expect(pair.codeVerifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
      expect(pair.codeChallenge).toBe(computeCodeChallenge(pair.codeVerifier));
      expect(pair.codeChallengeMethod).toBe('S256');
      verifiers.add(pair.codeVerifier);
    }
    expect(verifiers.size).toBe(2000);
  });

  describe('IdTokenVerifier', () => {
    const issuer = 'https://acme.my.salesforce.com';
    const audience = '3MVG9consumer.key';
    let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
    let jwk: JWK;

    beforeAll(async () => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      privateKey = pair.privateKey;
      jwk = { ...(await exportJWK(pair.publicKey)), kid: '188', alg: 'RS256', use: 'sig' };
    });

    it('rejects random tokens and key sets only with IdTokenError or SalesforceResponseError', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.string(), fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.e30.', 'eyJhbGciOiJIUzI1NiJ9.e30.x')),
          anyJson,
          async (token, keySet) => {
            const verifier = new IdTokenVerifier(async () => keySet as Record<string, unknown>);
            const outcome = await verifier.verify(token, { issuer, audience, nonce: 'n' }).then(
              () => 'resolved',
              (error: unknown) => (error instanceof IdTokenError || error instanceof SalesforceResponseError ? 'typed' : String(error)),
            );
            expect(outcome).toBe('typed');
          },
        ),
        propertyParameters(300),
      );
    });

    it('accepts a signed token with random claims only when issuer, audience, authorized party, times and nonce are right', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = fc.record(
        {
          iss: fc.oneof(
            fc.constant(issuer),
            fc.constantFrom('https://login.salesforce.com', `${issuer}/`, 'https://evil.example'),
            anyJson,
          ),
          aud: fc.oneof(fc.constant(audience), fc.constant([audience, 'other']), fc.constantFrom('other', ''), anyJson),
          sub: fc.oneof(fc.constant('https://login.salesforce.com/id/00D/005'), anyJson),
          exp: fc.oneof(fc.integer({ min: now - 3600, max: now + 3600 }), anyJson),
          iat: fc.oneof(
            fc.integer({ min: now - 3600, max: now + 3600 }),
            fc.integer({ min: now - 400 * 86_400, max: now + 4000 * 86_400 }),
            anyJson,
          ),
          nonce: fc.oneof(fc.constant('n'), fc.constant('other'), anyJson),
          azp: fc.oneof(fc.constant(audience), fc.constant('other'), anyJson),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(claims, async (payload) => {
          const token = await new SignJWT(payload as Record<string, unknown>)
            .setProtectedHeader({ alg: 'RS256', kid: '188' })
            .sign(privateKey);
          const verifier = new IdTokenVerifier(async () => ({ keys: [jwk] }));
          const result = await verifier.verify(token, { issuer, audience, nonce: 'n' }).then(
            (accepted) => ({ accepted }),
            (error: unknown) => ({ error }),
          );
          if ('error' in result) {
            expect(result.error).toBeInstanceOf(IdTokenError);
            return;
          }
          const seconds = Math.floor(Date.now() / 1000);
          expect(payload.iss).toBe(issuer);
          expect(payload.aud === audience || (Array.isArray(payload.aud) && payload.aud.includes(audience))).toBe(true);
          expect(payload.nonce).toBe('n');
          expect(typeof payload.sub).toBe('string');
          expect(typeof payload.exp === 'number' && payload.exp + 30 >= seconds).toBe(true);
          expect(typeof payload.iat === 'number' && payload.iat <= seconds + 30 && payload.iat >= seconds - 15 * 60 - 30).toBe(true);
          if (Array.isArray(payload.aud) && payload.aud.length > 1) expect(payload.azp).toBe(audience);
          if (payload.azp !== undefined) expect(payload.azp).toBe(audience);
        }),
        propertyParameters(300),
      );
    });
  });
});

describe('defects the properties found, pinned', () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await startFixture();
  });

  afterAll(async () => {
    await fixture.close();
  });

  function serveToken(fields: Record<string, unknown>): void {
    const { emulator } = fixture;
    const body = {
      access_token: '00D5g000004EmUl!AQ0AQPinned',
      id: `${emulator.url}/id/${emulator.orgId}/${emulator.users[0]?.userId}`,
      instance_url: emulator.url,
      token_type: 'Bearer',
      issued_at: '1717400000000',
      ...fields,
    };
    emulator.setFault('token', { kind: 'status', status: 200, body: JSON.stringify(body), contentType: 'application/json' });
    emulator.setFault('identity', {
      kind: 'status',
      status: 200,
      body: JSON.stringify({ id: body.id, user_id: emulator.users[0]?.userId, organization_id: emulator.orgId }),
      contentType: 'application/json',
    });
  }

  it('hands the verify callback no refresh token when the token response has a non-string one', async () => {
    serveToken({ refresh_token: { __proto__: null, polluted: true } });
    expect((await fixture.browser().login()).body.outcome).toBe('success');
    expect(fixture.app.verifyCalls.at(-1)?.refreshToken).toBeUndefined();
  });

  it('ends a token response whose access_token carries CR/LF in a SalesforceResponseError, before any identity request', async () => {
    serveToken({ access_token: '00D5g000004EmUl!AQ0\r\nX-Injected: 1' });
    const identityRequests = fixture.emulator.requestsTo('identity').length;
    expect((await fixture.browser().login()).body).toMatchObject({
      outcome: 'error',
      name: 'SalesforceResponseError',
      message: 'Salesforce token request failed: HTTP 200, the access_token is not an RFC 6749 token',
    });
    expect(fixture.emulator.requestsTo('identity')).toHaveLength(identityRequests);
  });

  it('answers verifyTokenSignature(null) with false, as for any missing field', () => {
    expect(verifyTokenSignature(null as never, 'secret')).toBe(false);
    expect(verifyTokenSignature(undefined as never, 'secret')).toBe(false);
  });

  it('refuses a correctly signed id_token whose sub is not a string', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: '188', alg: 'RS256' };
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sub: { id: 'x' } as unknown as string, nonce: 'n' })
      .setProtectedHeader({ alg: 'RS256', kid: '188' })
      .setIssuer('https://acme.my.salesforce.com')
      .setAudience('client')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(privateKey);
    const verifier = new IdTokenVerifier(async () => ({ keys: [jwk] }));
    await expect(
      verifier.verify(token, { issuer: 'https://acme.my.salesforce.com', audience: 'client', nonce: 'n' }),
    ).rejects.toMatchObject({ name: 'IdTokenError', check: 'malformed' });
  });
});
