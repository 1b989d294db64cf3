import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/errors.js';
import { authorizationParams } from '../src/authorization-params.js';

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
