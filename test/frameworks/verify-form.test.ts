import { afterEach, describe, expect, it } from 'vitest';
import { SalesforcePkceStrategy, type SalesforceStrategyOptions, type SalesforceVerifyFunctionWithParams } from '../../src/index.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

/**
 * A verify callback that declares no parameters, as the wrapper NestJS's `PassportStrategy` mixin
 * hands over (`async (...params) => this.validate(...params)`), next to a `validate` method.
 * (nest.matrix.ts runs the real mixin on NestJS 10 and 11.)
 */

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** What a wrapper declaring no parameters was called with, each argument named by what it is. */
let calls: string[][] = [];
function describeArgument(arg: unknown): string {
  if (typeof arg !== 'object' || arg === null) return typeof arg;
  return 'access_token' in arg ? 'params' : 'provider' in arg ? 'profile' : 'object';
}
const wrapper = function (...args: unknown[]): void {
  calls.push(args.map(describeArgument));
  const done = args[args.length - 1] as (err: null, user: object) => void;
  done(null, { id: 'user' });
} as unknown as SalesforceVerifyFunctionWithParams;

async function loginWith(strategyClass: typeof SalesforcePkceStrategy): Promise<{ calls: string[][]; warnings: string[] }> {
  calls = [];
  const warnings: string[] = [];
  const listener = (warning: Error & { code?: unknown }): void => {
    if (warning.code === 'SALESFORCE_PKCE_VERIFY_FORM') warnings.push(warning.message);
  };
  process.on('warning', listener);
  try {
    fixture = await startFixture({
      app: {
        verify: wrapper,
        strategyClass: strategyClass as new (o: SalesforceStrategyOptions, v: SalesforceVerifyFunctionWithParams) => SalesforcePkceStrategy,
      },
    });
    for (let login = 0; login < 2; login += 1) expect((await fixture.browser().login()).body.outcome).toBe('success');
    await new Promise((resolve) => setImmediate(resolve));
    return { calls, warnings };
  } finally {
    process.off('warning', listener);
  }
}

const PROFILE_FORM = ['string', 'string', 'profile', 'function'];
const PARAMS_FORM = ['string', 'string', 'params', 'profile', 'function'];

describe('a verify callback that declares no parameters', () => {
  it("is given params when the strategy's validate method takes (accessToken, refreshToken, params, profile)", async () => {
    class WithParams extends SalesforcePkceStrategy {
      validate(_accessToken: string, _refreshToken: string, _params: object, _profile: object): void {}
    }
    expect(await loginWith(WithParams)).toEqual({ calls: [PARAMS_FORM, PARAMS_FORM], warnings: [] });
  });

  it("is not given params when the strategy's validate method takes (accessToken, refreshToken, profile)", async () => {
    class WithoutParams extends SalesforcePkceStrategy {
      validate(_accessToken: string, _refreshToken: string, _profile: object): void {}
    }
    expect(await loginWith(WithoutParams)).toEqual({ calls: [PROFILE_FORM, PROFILE_FORM], warnings: [] });
  });

  it('is called as (accessToken, refreshToken, profile, done) without a validate method, and a warning says so once', async () => {
    expect(await loginWith(SalesforcePkceStrategy)).toEqual({
      calls: [PROFILE_FORM, PROFILE_FORM],
      warnings: [
        'SalesforcePkceStrategy "salesforce": the verify callback declares no parameters, so whether it takes params cannot be told; ' +
          'it is called as (accessToken, refreshToken, profile, done). Declare its parameters ' +
          '(accessToken, refreshToken, params, profile, done) to be given the token response (docs/frameworks.md)',
      ],
    });
  });
});
