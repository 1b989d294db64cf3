// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  PUBLIC_CLIENT_ID,
  REDIRECT_URI,
  basicAuth,
  confidentialApp,
  obtainCode,
  postToken,
  publicApp,
  type JsonResult,
  type Params,
  exchangeCode,
  s256,
  TOKEN_RESPONSE_FIELDS,
} from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({ apps: [confidentialApp(), publicApp()] });
});

afterEach(async () => {
  await emulator.close();
});

function expectTokenError(result: JsonResult, error: string, description: string): void {
  expect(result.status).toBe(400);
  expect(result.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  expect(result.headers.get('cache-control')).toBe('no-store');
  expect(JSON.parse(result.text)).toEqual({ error, error_description: description });
}

/** A fresh code for the confidential app and the complete, correct exchange request for it. */
async function codeExchange(authorizeOverrides: Params = {}): Promise<Params> {
  const { code, codeVerifier } = await obtainCode(emulator, authorizeOverrides);
  return {
    grant_type: 'authorization_code',
    code,
    client_id: authorizeOverrides['client_id'] ?? CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uri: REDIRECT_URI,
    code_verifier: codeVerifier,
  };
}

describe('token endpoint: request shape', () => {
  it('requires POST', async () => {
    const response = await fetch(`${emulator.url}/services/oauth2/token?grant_type=authorization_code`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: 'must use HTTP POST' });
  });

  it.each([undefined, 'password', 'client_credentials', ''])('rejects grant_type=%s', async (grantType) => {
    const form = { ...(await codeExchange()), grant_type: grantType };
    expectTokenError(await postToken(emulator, form), 'unsupported_grant_type', 'grant type not supported');
  });

  it('checks grant_type before the client', async () => {
    expectTokenError(
      await postToken(emulator, { grant_type: 'password', client_id: 'unknown' }),
      'unsupported_grant_type',
      'grant type not supported',
    );
  });

  it('reads only form bodies: a JSON body has no grant_type', async () => {
    const response = await fetch(`${emulator.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(await codeExchange()),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
  });
});

describe('token endpoint: client authentication', () => {
  it('rejects an unknown client_id', async () => {
    const form = { ...(await codeExchange()), client_id: 'unknown' };
    expectTokenError(await postToken(emulator, form), 'invalid_client_id', 'client identifier invalid');
  });

  it('rejects a missing client_id', async () => {
    const form = { ...(await codeExchange()), client_id: undefined };
    expectTokenError(await postToken(emulator, form), 'invalid_client_id', 'client identifier invalid');
  });

  it('rejects a wrong secret', async () => {
    const form = { ...(await codeExchange()), client_secret: `${CLIENT_SECRET}x` };
    expectTokenError(await postToken(emulator, form), 'invalid_client', 'invalid client credentials');
  });

  it('rejects a missing secret when the app requires it', async () => {
    const form = { ...(await codeExchange()), client_secret: undefined };
    expectTokenError(await postToken(emulator, form), 'invalid_client', 'invalid client credentials');
  });

  it('does not consume the code when client authentication fails', async () => {
    const form = await codeExchange();
    await postToken(emulator, { ...form, client_secret: 'wrong' });
    expect((await postToken(emulator, form)).status).toBe(200);
  });

  it('accepts a missing secret when "require secret for web server flow" is off, but still checks a sent one', async () => {
    emulator.addApp(confidentialApp({ requireSecretForWebServerFlow: false }));
    expect((await postToken(emulator, { ...(await codeExchange()), client_secret: undefined })).status).toBe(200);
    expectTokenError(
      await postToken(emulator, { ...(await codeExchange()), client_secret: 'wrong' }),
      'invalid_client',
      'invalid client credentials',
    );
  });

  it('rejects an empty client_secret from a public client (node-oauth sends one)', async () => {
    const form = { ...(await codeExchange({ client_id: PUBLIC_CLIENT_ID })), client_secret: '' };
    expectTokenError(await postToken(emulator, form), 'invalid_client', 'invalid client credentials');
  });

  it('accepts a public client that sends no secret', async () => {
    const form = { ...(await codeExchange({ client_id: PUBLIC_CLIENT_ID })), client_secret: undefined };
    expect((await postToken(emulator, form)).status).toBe(200);
  });

  it('treats Basic credentials on the code grant as an unknown client by default', async () => {
    const form = { ...(await codeExchange()), client_id: undefined, client_secret: undefined };
    expectTokenError(
      await postToken(emulator, form, basicAuth(CLIENT_ID, CLIENT_SECRET)),
      'invalid_client_id',
      'client identifier invalid',
    );
  });

  it('accepts Basic credentials on the code grant when the app allows it, and validates the secret', async () => {
    emulator.addApp(confidentialApp({ acceptBasicAuthForCodeGrant: true }));
    const form = { ...(await codeExchange()), client_id: undefined, client_secret: undefined };
    expect((await postToken(emulator, form, basicAuth(CLIENT_ID, CLIENT_SECRET))).status).toBe(200);
    const again = { ...(await codeExchange()), client_id: undefined, client_secret: undefined };
    expectTokenError(await postToken(emulator, again, basicAuth(CLIENT_ID, 'wrong')), 'invalid_client', 'invalid client credentials');
  });
});

describe('token endpoint: successful code exchange', () => {
  it('answers exactly Salesforce’s fields, with a valid signature', async () => {
    const before = Date.now();
    const result = await postToken(emulator, await codeExchange({ scope: 'api refresh_token' }));
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(result.headers.get('cache-control')).toBe('no-store');
    const json = result.json as Record<string, string>;
    expect(Object.keys(json).sort()).toEqual(
      ['access_token', 'refresh_token', 'signature', 'scope', 'instance_url', 'id', 'token_type', 'issued_at'].sort(),
    );
    const ada = emulator.users[0];
    expect(json['access_token']).toMatch(/^00D5g000004EmUl![A-Za-z0-9._]+$/);
    expect(json['refresh_token']).toMatch(/^5Aep861[A-Za-z0-9._]+$/);
    expect(json['scope']).toBe('api refresh_token');
    expect(json['instance_url']).toBe(emulator.url);
    expect(json['id']).toBe(`${emulator.url}/id/00D5g000004EmUlEAK/${ada?.userId}`);
    expect(json['token_type']).toBe('Bearer');
    expect(json['issued_at']).toMatch(/^\d{13}$/);
    expect(Number(json['issued_at'])).toBeGreaterThanOrEqual(before);
    expect(Number(json['issued_at'])).toBeLessThanOrEqual(Date.now());
    const expected = createHmac('sha256', CLIENT_SECRET).update(`${json['id']}${json['issued_at']}`).digest('base64');
    expect(json['signature']).toBe(expected);
  });

  it('leaves out refresh_token without a refresh_token or offline_access scope', async () => {
    const result = await postToken(emulator, await codeExchange({ scope: 'api id' }));
    expect(Object.keys(result.json).sort()).toEqual(
      ['access_token', 'signature', 'scope', 'instance_url', 'id', 'token_type', 'issued_at'].sort(),
    );
  });

  it('grants a refresh token for offline_access', async () => {
    const result = await postToken(emulator, await codeExchange({ scope: 'api offline_access' }));
    expect(result.json['refresh_token']).toMatch(/^5Aep861/);
  });

  it('leaves out signature for a public client', async () => {
    const form = { ...(await codeExchange({ client_id: PUBLIC_CLIENT_ID, scope: 'api refresh_token' })), client_secret: undefined };
    const result = await postToken(emulator, form);
    expect(Object.keys(result.json).sort()).toEqual(
      ['access_token', 'refresh_token', 'scope', 'instance_url', 'id', 'token_type', 'issued_at'].sort(),
    );
  });

  it('uses the instanceUrl and identityBaseUrl options', async () => {
    await emulator.close();
    emulator = await startEmulator({
      apps: [confidentialApp()],
      instanceUrl: 'https://acme.my.salesforce.com/',
      identityBaseUrl: 'https://login.salesforce.com',
    });
    const result = await postToken(emulator, await codeExchange());
    expect(result.json['instance_url']).toBe('https://acme.my.salesforce.com');
    expect(result.json['id']).toBe(`https://login.salesforce.com/id/00D5g000004EmUlEAK/${emulator.users[0]?.userId}`);
  });

  it('ignores unknown body parameters', async () => {
    const result = await postToken(emulator, { ...(await codeExchange()), format: 'json', device_id: 'd-1', extra: 'x' });
    expect(result.status).toBe(200);
  });
});

describe('token endpoint: the code', () => {
  it('is single-use', async () => {
    const form = await codeExchange();
    expect((await postToken(emulator, form)).status).toBe(200);
    expectTokenError(await postToken(emulator, form), 'invalid_grant', 'expired authorization code');
  });

  it('rejects an unknown or missing code', async () => {
    const form = await codeExchange();
    expectTokenError(await postToken(emulator, { ...form, code: 'aPrxnope==' }), 'invalid_grant', 'expired authorization code');
    expectTokenError(await postToken(emulator, { ...form, code: undefined }), 'invalid_grant', 'expired authorization code');
  });

  it('fails when the client forgot to URL-decode the code', async () => {
    const form = await codeExchange();
    const stillEncoded = encodeURIComponent(form['code'] ?? '');
    expectTokenError(await postToken(emulator, { ...form, code: stillEncoded }), 'invalid_grant', 'expired authorization code');
  });

  it('expires after codeLifetime (900 s by default)', async () => {
    const form = await codeExchange();
    emulator.advanceClock(901);
    expectTokenError(await postToken(emulator, form), 'invalid_grant', 'expired authorization code');
  });

  it('is still valid just before expiry', async () => {
    const form = await codeExchange();
    emulator.advanceClock(890);
    expect((await postToken(emulator, form)).status).toBe(200);
  });

  it('gives codes issued after advanceClock their full lifetime', async () => {
    emulator.advanceClock(901);
    const form = await codeExchange();
    emulator.advanceClock(890);
    expect((await postToken(emulator, form)).status).toBe(200);
  });

  it('honours the codeLifetime option', async () => {
    await emulator.close();
    emulator = await startEmulator({ apps: [confidentialApp()], codeLifetime: 60 });
    const form = await codeExchange();
    emulator.advanceClock(61);
    expectTokenError(await postToken(emulator, form), 'invalid_grant', 'expired authorization code');
  });

  it('rejects a code issued to another client without consuming it', async () => {
    emulator.addApp(confidentialApp({ clientId: 'other', clientSecret: 'other-secret' }));
    const form = await codeExchange();
    expectTokenError(
      await postToken(emulator, { ...form, client_id: 'other', client_secret: 'other-secret' }),
      'invalid_grant',
      'expired authorization code',
    );
    expect((await postToken(emulator, form)).status).toBe(200);
  });

  it('requires the same redirect_uri as at authorize, and the code is then spent', async () => {
    emulator.addApp(confidentialApp({ redirectUris: [REDIRECT_URI, 'http://localhost:3000/other'] }));
    const form = await codeExchange();
    expectTokenError(
      await postToken(emulator, { ...form, redirect_uri: 'http://localhost:3000/other' }),
      'redirect_uri_mismatch',
      'redirect_uri must match configuration',
    );
    expectTokenError(await postToken(emulator, form), 'invalid_grant', 'expired authorization code');
  });

  it('rejects a missing redirect_uri', async () => {
    const form = await codeExchange();
    expectTokenError(
      await postToken(emulator, { ...form, redirect_uri: undefined }),
      'redirect_uri_mismatch',
      'redirect_uri must match configuration',
    );
  });
});

describe('token endpoint: PKCE', () => {
  it('rejects a missing verifier when a challenge was sent', async () => {
    const form = await codeExchange();
    expectTokenError(await postToken(emulator, { ...form, code_verifier: undefined }), 'invalid_grant', 'invalid code verifier');
  });

  it('rejects a wrong verifier, and the code cannot be retried', async () => {
    const form = await codeExchange();
    const wrong = 'x'.repeat(43);
    expectTokenError(await postToken(emulator, { ...form, code_verifier: wrong }), 'invalid_grant', 'invalid code verifier');
    expectTokenError(await postToken(emulator, form), 'invalid_grant', 'expired authorization code');
  });

  it('treats a missing code_challenge_method as S256 (RFC 7636 Appendix B vector)', async () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const { code } = await obtainCode(emulator, {
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: undefined,
    });
    const form = { grant_type: 'authorization_code', code, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: REDIRECT_URI };
    expect((await postToken(emulator, { ...form, code_verifier: verifier })).status).toBe(200);
  });

  it('accepts a 171-character verifier (Salesforce’s own clients send those)', async () => {
    const verifier = Buffer.alloc(128, 7).toString('base64url');
    expect(verifier).toHaveLength(171);
    const { code } = await obtainCode(emulator, { code_challenge: s256(verifier) });
    const result = await exchangeCode(emulator, code, verifier);
    expect(result.status).toBe(200);
  });

  it.each([
    ['42 characters', 'a'.repeat(42)],
    ['characters outside the unreserved set', `${'a'.repeat(43)}+/=`],
    ['an empty string', ''],
  ])('rejects a verifier of %s even when its challenge matches', async (_label, verifier) => {
    const { code } = await obtainCode(emulator, { code_challenge: s256(verifier) });
    const result = await exchangeCode(emulator, code, verifier);
    expectTokenError(result, 'invalid_grant', 'invalid code verifier');
  });

  describe('a code issued without a challenge', () => {
    async function codeWithoutChallenge(): Promise<Params> {
      const { code } = await obtainCode(emulator, {
        client_id: PUBLIC_CLIENT_ID,
        code_challenge: undefined,
        code_challenge_method: undefined,
      });
      return { grant_type: 'authorization_code', code, client_id: PUBLIC_CLIENT_ID, redirect_uri: REDIRECT_URI };
    }

    beforeEach(() => {
      emulator.addApp(publicApp({ requirePkce: false }));
    });

    it('exchanges without a verifier', async () => {
      expect((await postToken(emulator, await codeWithoutChallenge())).status).toBe(200);
    });

    it('rejects a verifier by default (PKCE downgrade)', async () => {
      const form = { ...(await codeWithoutChallenge()), code_verifier: 'v'.repeat(43) };
      expectTokenError(await postToken(emulator, form), 'invalid_grant', 'invalid code verifier');
    });

    it('accepts a verifier when rejectVerifierWithoutChallenge is false', async () => {
      await emulator.close();
      emulator = await startEmulator({ apps: [publicApp({ requirePkce: false })], rejectVerifierWithoutChallenge: false });
      const form = { ...(await codeWithoutChallenge()), code_verifier: 'v'.repeat(43) };
      expect((await postToken(emulator, form)).status).toBe(200);
    });
  });
});

describe('token endpoint: format and Accept (§4.1)', () => {
  it('answers JSON by default and for format=json', async () => {
    for (const format of [undefined, 'json']) {
      const result = await postToken(emulator, { ...(await codeExchange()), format });
      expect(result.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      expect(result.json['token_type']).toBe('Bearer');
    }
  });

  it('answers format=urlencoded as a form, with the same fields', async () => {
    const result = await postToken(emulator, { ...(await codeExchange({ scope: 'api refresh_token' })), format: 'urlencoded' });
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(result.headers.get('cache-control')).toBe('no-store');
    const form = Object.fromEntries(new URLSearchParams(result.text));
    expect(Object.keys(form)).toEqual(TOKEN_RESPONSE_FIELDS);
    expect(form['signature']).toBe(createHmac('sha256', CLIENT_SECRET).update(`${form['id']}${form['issued_at']}`).digest('base64'));
  });

  it('answers format=xml as an <OAuth> document', async () => {
    const result = await postToken(emulator, { ...(await codeExchange({ scope: 'api' })), format: 'xml' });
    expect(result.headers.get('content-type')).toBe('application/xml;charset=UTF-8');
    const accessToken = /<access_token>([^<]+)<\/access_token>/.exec(result.text)?.[1];
    expect(accessToken).toMatch(/^00D5g000004EmUl!AQ0AQ/);
    expect(result.text).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<OAuth>\n {2}<access_token>[^<]+<\/access_token>\n {2}<signature>[^<]+<\/signature>\n {2}<scope>api<\/scope>\n {2}<instance_url>http:\/\/127\.0\.0\.1:\d+<\/instance_url>\n {2}<id>[^<]+<\/id>\n {2}<token_type>Bearer<\/token_type>\n {2}<issued_at>\d{13}<\/issued_at>\n<\/OAuth>\n$/,
    );
  });

  it('follows Accept when there is no format parameter, and the parameter when there are both', async () => {
    const byAccept = await postToken(emulator, await codeExchange(), { accept: 'application/xml' });
    expect(byAccept.headers.get('content-type')).toBe('application/xml;charset=UTF-8');
    const both = await postToken(emulator, { ...(await codeExchange()), format: 'urlencoded' }, { accept: 'application/xml' });
    expect(both.headers.get('content-type')).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    const wildcard = await postToken(emulator, await codeExchange(), { accept: '*/*' });
    expect(wildcard.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  });

  it('answers errors in the requested format too', async () => {
    const form = await postToken(emulator, { grant_type: 'password', format: 'urlencoded' });
    expect(form.status).toBe(400);
    expect(form.text).toBe('error=unsupported_grant_type&error_description=grant+type+not+supported');
    const xml = await postToken(emulator, { grant_type: 'password' }, { accept: 'application/xml' });
    expect(xml.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<OAuth>\n  <error>unsupported_grant_type</error>\n  <error_description>grant type not supported</error_description>\n</OAuth>\n',
    );
  });
});

describe('token endpoint: behaviour Salesforce leaves unconfirmed, strict by default (§10)', () => {
  it('an empty client_secret is checked like a wrong one, unless acceptEmptyClientSecret (§3.2)', async () => {
    const form = { ...(await codeExchange({ client_id: PUBLIC_CLIENT_ID })), client_secret: '' };
    expectTokenError(await postToken(emulator, form), 'invalid_client', 'invalid client credentials');

    await emulator.close();
    emulator = await startEmulator({ apps: [confidentialApp(), publicApp()], acceptEmptyClientSecret: true });
    const lenient = { ...(await codeExchange({ client_id: PUBLIC_CLIENT_ID })), client_secret: '' };
    expect((await postToken(emulator, lenient)).status).toBe(200);
    // A confidential app that requires its secret still gets invalid_client for an empty one.
    expectTokenError(
      await postToken(emulator, { ...(await codeExchange()), client_secret: '' }),
      'invalid_client',
      'invalid client credentials',
    );
  });

  it('parameters in the query string of a POST are ignored, unless acceptQueryParametersOnPost (§4.1)', async () => {
    const post = async (form: Params): Promise<JsonResult> => {
      const response = await fetch(
        `${emulator.url}/services/oauth2/token?${new URLSearchParams(form as Record<string, string>).toString()}`,
        { method: 'POST' },
      );
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as Record<string, unknown> };
    };
    expectTokenError(
      await post(await codeExchange()),
      'unsupported_grant_type',
      "grant type not supported (salesforce-oauth-emulator reads a POST's parameters from its form body only, not from the query string; start it with acceptQueryParametersOnPost: true to read both)",
    );

    await emulator.close();
    emulator = await startEmulator({ apps: [confidentialApp()], acceptQueryParametersOnPost: true });
    expect((await post(await codeExchange())).status).toBe(200);
    // The body wins over the query for the same name.
    const { code_verifier: verifier, ...rest } = await codeExchange();
    const response = await fetch(
      `${emulator.url}/services/oauth2/token?${new URLSearchParams({ ...(rest as Record<string, string>), code_verifier: 'x'.repeat(43) }).toString()}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ code_verifier: verifier ?? '' }).toString(),
      },
    );
    expect(response.status).toBe(200);
  });
});
