import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/errors.js';
import { authorizationParams, authorizationQuery, formEncode } from '../src/authorization-params.js';

describe('authorizationParams', () => {
  it('maps the per-request options to Salesforce parameters, the per-request scope winning', () => {
    expect(
      authorizationParams({ scope: ['api', 'web'], prompt: 'login consent', loginHint: 'ada@example.com', display: 'touch' }, 'id'),
    ).toEqual({
      scope: 'api web',
      prompt: 'login consent',
      login_hint: 'ada@example.com',
      display: 'touch',
    });
    expect(authorizationParams({}, 'id api')).toEqual({ scope: 'id api' });
    expect(authorizationParams({}, undefined)).toEqual({});
  });

  it("refuses passport-forcedotcom's login_hint rather than dropping it", () => {
    expect(() => authorizationParams({ login_hint: 'ada@example.com' } as never, undefined)).toThrow(
      new InvalidOptionError('authenticate option "login_hint" is not an option: write loginHint (it is sent as login_hint)'),
    );
  });
});

describe('formEncode and authorizationQuery', () => {
  it('encode as URLSearchParams does, every character of the first 1,000 code points and beyond', () => {
    const samples = Array.from({ length: 1000 }, (_, code) => String.fromCodePoint(code));
    samples.push('😀', 'a b+c', "!'()~*", 'https://app.example.com/auth/cb?x=1&y=2#f', '\ud800', '');
    for (const value of samples) expect(formEncode(value)).toBe(new URLSearchParams([['', value]]).toString().slice(1));
  });

  it("put the app's parameters first, then the strategy's, as one URLSearchParams would", () => {
    const params = { scope: 'api refresh_token openid', login_hint: 'ada+1@example.com', 'odd name': "(x)!'" };
    const fields = {
      clientID: '3MVG9 key',
      redirectURI: 'https://app.example.com/auth/cb',
      state: 'handle/with+chars',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      nonce: 'n0nce',
    };
    const expected = new URLSearchParams({
      ...params,
      nonce: fields.nonce,
      response_type: 'code',
      client_id: fields.clientID,
      redirect_uri: fields.redirectURI,
      state: fields.state,
      code_challenge: fields.codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    const encoded = {
      clientID: formEncode(fields.clientID),
      redirectURI: formEncode(fields.redirectURI),
      state: formEncode(fields.state),
      codeChallenge: fields.codeChallenge,
      nonce: fields.nonce,
    };
    expect(authorizationQuery(params, encoded)).toBe(expected);
    expect(authorizationQuery({}, { ...encoded, nonce: undefined })).toBe(
      'response_type=code&client_id=3MVG9+key&redirect_uri=https%3A%2F%2Fapp.example.com%2Fauth%2Fcb' +
        '&state=handle%2Fwith%2Bchars&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256',
    );
  });
});
