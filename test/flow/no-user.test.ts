/**
 * A login the verify callback ends with no user and no reason fails quietly for the user, so the
 * site's log says so, once per strategy, naming the strategy and the likely cause (a callback
 * written for passport-forcedotcom's token object), without a token or personal data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SalesforcePkceStrategy } from '../../src/index.js';
import { Browser } from '../helpers/browser.js';
import { SITE_CLIENT_ID, startSite, type Site } from '../helpers/site.js';

let site: Site | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

/** Logs in `times` times through the site, each in a fresh browser; resolves to where each callback went and the warnings emitted. */
async function logInAndListen(times: number): Promise<{ landed: string[]; warnings: Array<{ code?: string; message: string }> }> {
  const warnings: Array<{ code?: string; message: string }> = [];
  const listener = (warning: Error & { code?: string }): void => {
    warnings.push({ code: warning.code, message: warning.message });
  };
  process.on('warning', listener);
  try {
    const landed: string[] = [];
    for (let i = 0; i < times; i++) {
      const callback = await new Browser(site?.url ?? '').login('/auth/salesforce');
      landed.push(String(callback.headers.location));
    }
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    return { landed, warnings };
  } finally {
    process.off('warning', listener);
  }
}

describe('a verify callback that ends the login without a user or a reason', () => {
  it("warns once, naming the strategy and passport-forcedotcom's token.params, when a callback written for it passes undefined", async () => {
    const seen: string[] = [];
    site = await startSite({
      strategy: (loginURL) =>
        new SalesforcePkceStrategy(
          { name: 'forcedotcom', clientID: SITE_CLIENT_ID, callbackURL: '/auth/salesforce/callback', loginURL },
          // passport-forcedotcom's README pattern: token was an object with params; here it is the access token string.
          (token, refreshToken, params, profile, done) => {
            seen.push(token, profile.username, profile.displayName);
            done(null, (token as unknown as { params?: Express.User }).params);
          },
        ),
    });
    const { landed, warnings } = await logInAndListen(2);
    expect(landed).toEqual(['/failed', '/failed']);
    expect(warnings).toEqual([
      {
        code: 'SALESFORCE_PKCE_NO_USER',
        message:
          "passport.authenticate('forcedotcom'): the verify callback called done(null, undefined) with no reason, so the login failed although " +
          'Salesforce logged the user in. If it meant to log a user in, the value it passed was not there: a callback written for ' +
          'passport-forcedotcom that passes token.params gets undefined here, because the first argument is the access token string; use ' +
          "the five-argument form (accessToken, refreshToken, params, profile, done), or require('passport-salesforce-pkce/forcedotcom'), " +
          'which keeps the token object. To refuse a user, give a reason: done(null, false, { message }). See docs/migration.md.',
      },
    ]);
    // Neither the tokens nor the user's name or username are in it.
    expect(seen.filter((secret) => warnings[0]?.message.includes(secret))).toEqual([]);
  });

  it('names done(null, false) as it was called', async () => {
    site = await startSite({
      strategy: (loginURL) =>
        new SalesforcePkceStrategy(
          { clientID: SITE_CLIENT_ID, callbackURL: '/auth/salesforce/callback', loginURL },
          (a, r, p, profile, done) => done(null, false),
        ),
    });
    const { warnings } = await logInAndListen(1);
    expect(warnings.map((warning) => warning.message.split(', so the login')[0])).toEqual([
      "passport.authenticate('salesforce'): the verify callback called done(null, false) with no reason",
    ]);
  });

  it('is quiet when the callback gives a reason', async () => {
    site = await startSite({
      strategy: (loginURL) =>
        new SalesforcePkceStrategy(
          { clientID: SITE_CLIENT_ID, callbackURL: '/auth/salesforce/callback', loginURL },
          (a, r, p, profile, done) => done(null, false, { message: 'Not a member of this site' }),
        ),
    });
    const { landed, warnings } = await logInAndListen(1);
    expect([landed, warnings]).toEqual([['/failed'], []]);
  });
});
