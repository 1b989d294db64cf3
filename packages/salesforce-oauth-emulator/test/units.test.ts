/** The emulator's pure helpers, tested directly. */
import { describe, expect, it } from 'vitest';
import { deriveSalesforceId, newAccessToken, newAuthorizationCode, toEighteenCharacterId } from '../src/ids.js';
import { standardUtcOffsetMs, resolveApiVersion } from '../src/identity.js';
import { parseScope } from '../src/authorization.js';
import { tokenSignature, verifierMatches } from '../src/oauth.js';
import { parseBasicCredentials, parseBearerToken, parseForm, routePath, splitRequestTarget } from '../src/request.js';
import { appendQuery } from '../src/responses.js';
import { dateLiteralRange, runSoql, type SoqlObject } from '../src/soql.js';
import { DEFAULT_ORG_ID, EmulatorState, MAX_TOKENS, type Grant } from '../src/state.js';

describe('ids', () => {
  it('computes the 18-character case-safe suffix', () => {
    expect(toEighteenCharacterId('00D5g000004EmUl')).toBe('00D5g000004EmUlEAK');
    expect(toEighteenCharacterId('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(() => toEighteenCharacterId('short')).toThrow(TypeError);
  });

  it('derives stable ids with the key prefix', () => {
    const id = deriveSalesforceId('0DB', '/mysite');
    expect(id).toMatch(/^0DB[A-Za-z0-9]{15}$/);
    expect(deriveSalesforceId('0DB', '/mysite')).toBe(id);
    expect(deriveSalesforceId('0DB', '/other')).not.toBe(id);
  });

  it('always makes codes with aPrx, +, / and a trailing ==', () => {
    for (let i = 0; i < 200; i++) {
      const code = newAuthorizationCode();
      expect(code).toMatch(/^aPrx[A-Za-z0-9+/]+==$/);
      expect(code).toContain('+');
      expect(code).toContain('/');
    }
  });

  it('prefixes access tokens with the 15-character org id', () => {
    expect(newAccessToken('00D5g000004EmUlEAK')).toMatch(/^00D5g000004EmUl!AQ0AQ[A-Za-z0-9._]+$/);
  });
});

describe('request parsing', () => {
  it('routes by suffix and keeps the site prefix (which the server then checks against the configured sites)', () => {
    expect(routePath('/services/oauth2/token')).toEqual({ endpoint: 'token', sitePrefix: '' });
    expect(routePath('/mysite/services/oauth2/authorize')).toEqual({ endpoint: 'authorize', sitePrefix: '/mysite' });
    expect(routePath('/s/id/00Dx/005y')).toEqual({
      endpoint: 'identity',
      sitePrefix: '/s',
      identityIds: { orgId: '00Dx', userId: '005y' },
    });
    expect(routePath('/services/oauth2/tokens').endpoint).toBe('other');
  });

  it('parses forms strictly', () => {
    expect(parseForm('a=1+2&b=%2B&c&a=3&&')).toEqual(
      new Map([
        ['a', '3'],
        ['b', '+'],
        ['c', ''],
      ]),
    );
    expect(parseForm('a=%zz')).toBeUndefined();
    expect(parseForm('a=%FF')).toBeUndefined();
  });

  it('splits origin-form and absolute-form targets', () => {
    expect(splitRequestTarget('/a?b=1#f')).toEqual({ path: '/a', query: 'b=1' });
    expect(splitRequestTarget('http://h/x/y?z')).toEqual({ path: '/x/y', query: 'z' });
    expect(splitRequestTarget('*')).toBeUndefined();
  });

  it('reads Basic and Bearer credentials', () => {
    expect(parseBasicCredentials(`Basic ${Buffer.from('id:se:cret').toString('base64')}`)).toEqual({
      clientId: 'id',
      clientSecret: 'se:cret',
    });
    expect(parseBasicCredentials('Bearer x')).toBeUndefined();
    expect(parseBearerToken('Bearer 00D!abc')).toBe('00D!abc');
    expect(parseBearerToken('OAuth 00D!abc')).toBe('00D!abc');
    expect(parseBearerToken('Basic abc')).toBeUndefined();
  });
});

describe('protocol helpers', () => {
  it('normalises scope strings', () => {
    expect(parseScope(' api  api\tid ')).toEqual(['api', 'id']);
    expect(parseScope('   ')).toBeUndefined();
    expect(parseScope(undefined)).toBeUndefined();
  });

  it('appends to a redirect_uri before its fragment', () => {
    expect(appendQuery('https://a/cb#frag', { code: 'a+b', state: undefined })).toBe('https://a/cb?code=a%2Bb#frag');
    expect(appendQuery('https://a/cb?', { error: 'x y' })).toBe('https://a/cb?error=x+y');
  });

  it('signs id + issued_at with HMAC-SHA256 in standard base64', () => {
    // Computed independently: printf '%s' 'https://login.salesforce.com/id/00D/0051700000000000' | openssl dgst -sha256 -hmac secret -binary | base64
    expect(tokenSignature('secret', 'https://login.salesforce.com/id/00D/005', '1700000000000')).toBe(
      'ExbGhRE1Ej+5CW2OmXALfHpj/0qZ0J0NfA6UBonAyK0=',
    );
  });

  it('checks verifiers', () => {
    const s256 = { codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', codeChallengeMethod: 'S256' as const };
    expect(verifierMatches(s256, 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', true)).toBe(true);
    expect(verifierMatches(s256, 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK', true)).toBe(false);
    expect(verifierMatches(s256, undefined, true)).toBe(false);
    const none = { codeChallenge: undefined, codeChallengeMethod: undefined };
    expect(verifierMatches(none, undefined, true)).toBe(true);
    expect(verifierMatches(none, 'v'.repeat(43), true)).toBe(false);
    expect(verifierMatches(none, 'v'.repeat(43), false)).toBe(true);
  });

  it('uses the standard-time offset for utcOffset, whatever the season', () => {
    expect(standardUtcOffsetMs('America/Los_Angeles', new Date('2024-07-01T00:00:00Z'))).toBe(-28800000);
    expect(standardUtcOffsetMs('Australia/Sydney', new Date('2024-01-01T00:00:00Z'))).toBe(36000000);
    expect(standardUtcOffsetMs('Asia/Kolkata')).toBe(19800000);
    expect(standardUtcOffsetMs('UTC')).toBe(0);
  });

  it('resolves API versions', () => {
    expect(resolveApiVersion('59.0')).toBe('59.0');
    expect(resolveApiVersion('latest')).toMatch(/^\d+\.0$/);
    expect(resolveApiVersion('v59')).toBeUndefined();
  });
});

describe('token memory', () => {
  const newState = (): EmulatorState => {
    const state = new EmulatorState({
      orgId: DEFAULT_ORG_ID,
      codeLifetimeSeconds: 900,
      allowPlainPkce: false,
      rejectVerifierWithoutChallenge: true,
      acceptEmptyClientSecret: false,
      acceptQueryParametersOnPost: false,
      sessionTimeoutSeconds: 7200,
      maxGrantsPerUserPerApp: undefined,
    });
    state.addUser({ username: 'ada@example.com', userId: '005000000000000AAA' });
    return state;
  };
  const grantOf = (state: EmulatorState): Grant =>
    state.newGrant({
      code: 'c',
      clientId: 'app',
      redirectUri: 'https://app.example/cb',
      userId: '005000000000000AAA',
      orgId: DEFAULT_ORG_ID,
      scope: 'api refresh_token',
      codeChallenge: undefined,
      codeChallengeMethod: undefined,
      sitePrefix: '',
      issuedAtMs: 0,
      nonce: undefined,
      credentialGeneration: 0,
    });

  it(`keeps at most ${MAX_TOKENS} access and refresh tokens, forgetting the oldest`, () => {
    const state = newState();
    const grant = grantOf(state);
    const access = Array.from({ length: MAX_TOKENS + 1 }, () => state.issueAccessToken(grant).token);
    const refresh = Array.from({ length: MAX_TOKENS + 1 }, () => state.issueRefreshToken(grant).token);
    expect(state.findAccessToken(access[0] ?? '')).toBeUndefined();
    expect(state.findAccessToken(access[1] ?? '')).toBeDefined();
    expect(state.findAccessToken(access.at(-1) ?? '')).toBeDefined();
    expect(state.useRefreshToken(refresh[0] ?? '').kind).toBe('invalid');
    expect(state.useRefreshToken(refresh[1] ?? '').kind).toBe('valid');
  });

  it('answers a revoked token like an unknown one', () => {
    const state = newState();
    const grant = grantOf(state);
    const access = state.issueAccessToken(grant).token;
    const refresh = state.issueRefreshToken(grant).token;
    const sibling = state.issueAccessToken(grant).token;
    expect(state.revokeToken(access)).toBe(true);
    expect(state.revokeToken(access)).toBe(false);
    expect(state.findAccessToken(sibling)).toBeDefined();
    expect(state.revokeToken(refresh)).toBe(true);
    expect(state.findAccessToken(sibling)).toBeUndefined();
    expect(state.useRefreshToken(refresh).kind).toBe('invalid');
    expect(state.revokeToken(refresh)).toBe(false);
  });
});

describe('SOQL subset', () => {
  const people = [
    { Name: "O'Brien", Age: 30, Active: true },
    { Name: 'a_b', Age: 4, Active: false },
    { Name: 'axb', Age: null, Active: true },
  ];
  const person: SoqlObject = {
    name: 'Person',
    fields: [
      { name: 'Name', type: 'string', label: 'Name' },
      { name: 'Age', type: 'int', label: 'Age' },
      { name: 'Active', type: 'boolean', label: 'Active' },
    ],
    relationships: {},
  };
  const names = (query: string): unknown => {
    const result = runSoql(query, [person], () => people, Date.parse('2026-01-15T12:00:00Z'));
    return result.ok ? result.rows.map((row) => row['Name']) : result.error;
  };

  it('reads escaped quotes, numbers, and LIKE wildcards literally where they are literal', () => {
    expect(names("SELECT Name FROM Person WHERE Name = 'o\\'brien'")).toEqual(["O'Brien"]);
    expect(names('SELECT Name FROM Person WHERE Age = 4')).toEqual(['a_b']);
    expect(names("SELECT Name FROM Person WHERE Name LIKE 'a_b'")).toEqual(['a_b', 'axb']);
    expect(names("SELECT Name FROM Person WHERE Name LIKE '%.%'")).toEqual([]);
  });

  it('sorts nulls first, and binds AND tighter than OR', () => {
    expect(names('SELECT Name FROM Person ORDER BY Age')).toEqual(['axb', 'a_b', "O'Brien"]);
    expect(names("SELECT Name FROM Person WHERE Active = false OR Age = 30 AND Name = 'nobody'")).toEqual(['a_b']);
  });

  it('reports the first problem', () => {
    expect(names("SELECT Name FROM Person WHERE Name = 'open")).toEqual({
      errorCode: 'MALFORMED_QUERY',
      message: "unexpected token at column 38: 'open",
    });
    expect(names('SELECT Name FROM Person LIMIT 1 extra')).toEqual({ errorCode: 'MALFORMED_QUERY', message: 'unexpected token: extra' });
  });

  it('compares with < <= > >= and NOT IN, and orders by several fields', () => {
    expect(names('SELECT Name FROM Person WHERE Age > 4')).toEqual(["O'Brien"]);
    expect(names('SELECT Name FROM Person WHERE Age <= 30 AND Age >= 5')).toEqual(["O'Brien"]);
    expect(names('SELECT Name FROM Person WHERE Age < 100')).toEqual(["O'Brien", 'a_b']);
    expect(names("SELECT Name FROM Person WHERE Name NOT IN ('axb', 'A_B')")).toEqual(["O'Brien"]);
    expect(names('SELECT Name FROM Person ORDER BY Active DESC, Name ASC')).toEqual(['axb', "O'Brien", 'a_b']);
  });

  it('turns date literals into UTC ranges from the given clock', () => {
    const now = Date.parse('2026-01-15T12:00:00Z');
    const day = (date: string): number => Date.parse(`${date}T00:00:00Z`);
    expect(dateLiteralRange('TODAY', now)).toEqual({ from: day('2026-01-15'), to: day('2026-01-16') });
    expect(dateLiteralRange('yesterday', now)).toEqual({ from: day('2026-01-14'), to: day('2026-01-15') });
    expect(dateLiteralRange('LAST_N_DAYS:7', now)).toEqual({ from: day('2026-01-08'), to: day('2026-01-16') });
    expect(dateLiteralRange('NEXT_N_DAYS:2', now)).toEqual({ from: day('2026-01-15'), to: day('2026-01-18') });
    expect(dateLiteralRange('THIS_MONTH', now)).toEqual({ from: day('2026-01-01'), to: day('2026-02-01') });
    expect(dateLiteralRange('LAST_FISCAL_QUARTER', now)).toBe('unsupported');
    expect(dateLiteralRange('Name', now)).toBeUndefined();
  });
});
