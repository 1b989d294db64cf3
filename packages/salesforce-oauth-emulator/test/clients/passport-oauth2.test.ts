// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
/**
 * Conformance baseline: plain passport-oauth2 with its own PKCE (`pkce: true, state: true`), in a
 * real Express app with real sessions, against the emulator over HTTP and HTTPS. A change that
 * breaks one of these is a fidelity bug.
 */
import { Agent as HttpsAgent } from 'node:https';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as OAuth2Strategy, type StrategyOptions, type VerifyCallback } from 'passport-oauth2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/index.js';
import { CLIENT_ID, CLIENT_SECRET, TRANSPORTS, confidentialApp, followAuthorize } from '../helpers.js';

/** A provider strategy as passport-oauth2's documentation has them: the profile from UserInfo. */
class SalesforceViaOAuth2 extends OAuth2Strategy {
  constructor(
    options: StrategyOptions,
    private readonly userinfoURL: string,
  ) {
    super(
      options,
      (accessToken: string, refreshToken: string, params: Record<string, string>, profile: Record<string, unknown>, done: VerifyCallback) =>
        done(null, { accessToken, refreshToken, params, profile }),
    );
    this._oauth2.useAuthorizationHeaderforGET(true);
  }

  override userProfile(accessToken: string, done: (err?: unknown, profile?: unknown) => void): void {
    this._oauth2.get(this.userinfoURL, accessToken, (error, body) => (error ? done(error) : done(null, JSON.parse(String(body)))));
  }

  /** The node-oauth client, for the refresh grant and the HTTPS agent. */
  get client(): OAuth2Strategy['_oauth2'] {
    return this._oauth2;
  }
}

interface LoginOutcome {
  user?: { accessToken: string; refreshToken: string; params: Record<string, string>; profile: Record<string, unknown> };
  error?: { name: string; code: string; message: string };
}

describe.each(TRANSPORTS)('passport-oauth2 with pkce: true over $transport', ({ https }) => {
  let emulator: RunningEmulator;
  let server: Server;
  let appUrl: string;
  let strategy: SalesforceViaOAuth2;

  async function start(options: { clientSecret?: string; emulator?: EmulatorOptions } = {}): Promise<void> {
    emulator = await startEmulator({
      https,
      restApi: true,
      users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }],
      ...options.emulator,
    });
    const app = express();
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const callbackURL = `${appUrl}/callback`;
    emulator.addApp(
      confidentialApp({ redirectUris: [callbackURL], ...(options.clientSecret === undefined ? { clientSecret: undefined } : {}) }),
    );

    strategy = new SalesforceViaOAuth2(
      {
        authorizationURL: `${emulator.url}/services/oauth2/authorize`,
        tokenURL: `${emulator.url}/services/oauth2/token`,
        clientID: CLIENT_ID,
        clientSecret: options.clientSecret as string,
        callbackURL,
        scope: ['api', 'refresh_token'],
        pkce: true,
        state: true,
      },
      `${emulator.url}/services/oauth2/userinfo`,
    );
    if (https) strategy.client.setAgent(new HttpsAgent({ ca: emulator.ca }));
    const passport = new Passport();
    passport.use('salesforce', strategy);
    app.use(session({ secret: 'conformance', resave: false, saveUninitialized: false }));
    app.use(passport.initialize());
    app.get('/login', passport.authenticate('salesforce', { session: false }));
    app.get('/callback', (req, res, next) => {
      passport.authenticate(
        'salesforce',
        { session: false },
        (error: { name: string; code: string; message: string } | null, user: LoginOutcome['user'] | false) => {
          res.json(error ? { error: { name: error.name, code: error.code, message: error.message } } : { user: user || undefined });
        },
      )(req, res, next);
    });
  }

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await emulator.close();
  });

  /** A browser: the app's login route, Salesforce's redirect, the app's callback with the app's cookie. */
  async function logIn(): Promise<LoginOutcome> {
    const start = await fetch(`${appUrl}/login`, { redirect: 'manual' });
    const cookie = start.headers.get('set-cookie')?.split(';')[0] ?? '';
    const callback = await followAuthorize(emulator, start.headers.get('location') ?? '');
    return (await (await fetch(callback, { headers: { cookie } })).json()) as LoginOutcome;
  }

  function refresh(refreshToken: string): Promise<Record<string, string>> {
    return new Promise((resolve, reject) => {
      strategy.client.getOAuthAccessToken(refreshToken, { grant_type: 'refresh_token' }, (error, _accessToken, _refreshToken, results) =>
        error ? reject(new Error(JSON.stringify(error))) : resolve(results as Record<string, string>),
      );
    });
  }

  describe('a confidential client', () => {
    beforeEach(async () => {
      await start({ clientSecret: CLIENT_SECRET });
    });

    it('logs in with its own PKCE (S256, method sent, §2.1) and reads UserInfo (§7.1)', async () => {
      const { user } = await logIn();
      expect(user?.params).toMatchObject({ instance_url: emulator.url, token_type: 'Bearer', scope: 'api refresh_token' });
      expect(user?.params).not.toHaveProperty('expires_in');
      expect(user?.refreshToken).toMatch(/^5Aep861/);
      expect(user?.profile).toMatchObject({ preferred_username: 'ada@example.com', name: 'Ada Lovelace', sub: user?.params['id'] });
      expect(emulator.requestsTo('authorize')[0]?.query['code_challenge_method']).toBe('S256');
      expect(emulator.requestsTo('token')[0]?.body['code_verifier']).toHaveLength(43);
    });

    it('refreshes after the session timed out, and the new access token works (§4.2, §5)', async () => {
      const { user } = await logIn();
      emulator.advanceClock(7201);
      const userinfo = `${emulator.url}/services/oauth2/userinfo`;
      const get = (token: string): Promise<number> =>
        new Promise((resolve) =>
          strategy.client.get(userinfo, token, (error) => resolve(error ? (error as { statusCode: number }).statusCode : 200)),
        );
      expect(await get(user?.accessToken ?? '')).toBe(403);
      const refreshed = await refresh(user?.refreshToken ?? '');
      expect(refreshed).not.toHaveProperty('refresh_token');
      expect(await get(refreshed['access_token'] ?? '')).toBe(200);
    });
  });

  describe('a public client, which node-oauth sends with client_secret= (§3.2)', () => {
    it('is refused with invalid_client by default: an empty secret is checked like any other', async () => {
      await start();
      const outcome = await logIn();
      expect(outcome.error).toEqual({ name: 'TokenError', code: 'invalid_client', message: 'invalid client credentials' });
      expect(emulator.requestsTo('token')[0]?.body['client_secret']).toBe('');
    });

    it('logs in with acceptEmptyClientSecret', async () => {
      await start({ emulator: { acceptEmptyClientSecret: true } });
      expect((await logIn()).user?.profile).toMatchObject({ preferred_username: 'ada@example.com' });
    });
  });
});
