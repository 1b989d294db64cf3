/**
 * What docs/migration.md promises a site moving from passport-forcedotcom: the same user logged
 * in through passport-forcedotcom and through this strategy, against one emulator, and the
 * profile fields and verify arguments compared.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import session from 'express-session';
import { Passport, type Strategy as PassportStrategy } from 'passport';
import { afterEach, describe, expect, it } from 'vitest';
import { SalesforcePkceStrategy } from '../../src/index.js';
import { startEmulator, type RunningEmulator } from 'salesforce-oauth-emulator';
import { Browser } from '../helpers/browser.js';

const require = createRequire(import.meta.url);
const { Strategy: ForceDotComStrategy } = require('passport-forcedotcom') as {
  Strategy: new (options: Record<string, unknown>, verify: (...args: never[]) => void) => PassportStrategy;
};

const CLIENT_ID = '3MVG9migration.client';
const CLIENT_SECRET = 'migration-secret';

interface Seen {
  args: unknown[];
}

let emulator: RunningEmulator | undefined;
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await emulator?.close();
  emulator = undefined;
});

/** An app with one strategy under the name 'forcedotcom'; resolves to its URL and what its verify callback received. */
async function appWith(makeStrategy: (seen: Seen) => PassportStrategy): Promise<{ url: string; seen: Seen }> {
  const seen: Seen = { args: [] };
  const passport = new Passport();
  passport.use(makeStrategy(seen));
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const app = express();
  app.use(session({ secret: 'migration', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.get('/auth/salesforce', passport.authenticate('forcedotcom'));
  app.get('/auth/salesforce/callback', passport.authenticate('forcedotcom'), (req, res) => res.json({ ok: true }));
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen };
}

describe('moving from passport-forcedotcom', () => {
  it("finds the same user: passport-forcedotcom's profile.id is `${organizationId}/${id}`, and the other fields map as the guide says", async () => {
    emulator = await startEmulator({
      restApi: true,
      users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' }],
    });
    const loginURL = emulator.url;
    const before = await appWith(
      (seen) =>
        new ForceDotComStrategy(
          {
            clientID: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            callbackURL: '/auth/salesforce/callback',
            authorizationURL: `${loginURL}/services/oauth2/authorize`,
            tokenURL: `${loginURL}/services/oauth2/token`,
          },
          (...args: never[]) => {
            seen.args = args;
            (args[3] as unknown as (err: null, user: object) => void)(null, { ok: true });
          },
        ),
    );
    const after = await appWith(
      (seen) =>
        new SalesforcePkceStrategy(
          { name: 'forcedotcom', clientID: CLIENT_ID, clientSecret: CLIENT_SECRET, callbackURL: '/auth/salesforce/callback', loginURL },
          (accessToken, refreshToken, params, profile, done) => {
            seen.args = [accessToken, refreshToken, params, profile];
            done(null, { ok: true });
          },
        ),
    );
    // passport-forcedotcom sends no PKCE: the Connected App of an older site does not require it.
    emulator.addApp({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      requirePkce: false,
      redirectUris: [`${before.url}/auth/salesforce/callback`, `${after.url}/auth/salesforce/callback`],
    });

    expect((await new Browser(before.url).login('/auth/salesforce')).body).toEqual({ ok: true });
    expect((await new Browser(after.url).login('/auth/salesforce')).body).toEqual({ ok: true });

    const [oldToken, , oldProfile] = before.seen.args as [{ params: Record<string, unknown> }, unknown, Record<string, unknown>];
    const [accessToken, , params, profile] = after.seen.args as [string, unknown, Record<string, unknown>, Record<string, unknown>];
    const raw = oldProfile['_raw'] as Record<string, unknown>;

    // The user key.
    expect(oldProfile['id']).toBe(`${String(profile['organizationId'])}/${String(profile['id'])}`);
    expect(profile['id']).toBe(raw['user_id']);
    expect([oldProfile['provider'], profile['provider']]).toEqual(['forcedotcom', 'salesforce']);
    // The same person.
    expect(profile['displayName']).toBe(oldProfile['displayName']);
    expect(profile['name']).toEqual(oldProfile['name']);
    expect(profile['emails']).toEqual([{ ...(oldProfile['emails'] as object[])[0], verified: raw['email_verified'] }]);
    // _raw was the parsed identity (plus a _photo field); here it is the text, and _json the parsed identity.
    const { _photo: photo, ...identity } = raw;
    expect(photo).toBeNull();
    expect(profile['_json']).toEqual(identity);
    expect(JSON.parse(String(profile['_raw']))).toEqual(identity);
    // The first verify argument was an object whose params are the token response and whose string is the access token.
    expect(typeof oldToken).toBe('object');
    // params is the same token response, plus refresh_token (which passport-oauth2 takes out) and the verified id_token's claims.
    expect([...Object.keys(oldToken.params), 'refresh_token', 'id_token_claims'].sort()).toEqual(Object.keys(params).sort());
    expect(oldToken.params['instance_url']).toBe(params['instance_url']);
    expect(typeof accessToken).toBe('string');
    expect(String(oldToken)).toEqual(expect.stringMatching(/^00D/));
    expect(accessToken).toMatch(/^00D/);
  });
});
