/**
 * `passport-salesforce-pkce/forcedotcom`: passport-forcedotcom's interface (0.1 and 0.2) on this
 * strategy. A site changes its `require('passport-forcedotcom')` to
 * `require('passport-salesforce-pkce/forcedotcom')` and keeps everything else: the options, the
 * strategy name `'forcedotcom'`, the verify callback's `token` object (`token.params` is the
 * token response, `String(token)` the access token) and the profile (`id` is
 * `'{organization_id}/{user_id}'`, `_raw` the parsed identity with `_photo`).
 */
import {
  markPeerProfile,
  peerOptions,
  peerVerify,
  warnIgnoredOptions,
  type PeerStrategyOptions,
  type PeerTokenParams,
  type PeerVerifyFunction,
  type PeerVerifyFunctionWithRequest,
} from './peer-compat.js';
import type { SalesforceProfile } from './types.js';
import type { SalesforceAuthenticateOptions } from './authorization-params.js';
import type { SalesforceStrategyOptions } from './options.js';
import { SalesforcePkceStrategy } from './strategy.js';

/** passport-forcedotcom's first verify argument: the token response, whose string is the access token. */
export class ForceDotComAccessToken {
  /** Salesforce's token response, without `refresh_token` (the second verify argument). */
  readonly params: PeerTokenParams;

  constructor(params: PeerTokenParams) {
    this.params = params;
  }

  /** The access token. */
  toString(): string {
    return this.params.access_token;
  }
}

/** passport-forcedotcom's profile. */
export interface ForceDotComProfile {
  /** The identity URL's JSON, with `_photo`: the Chatter photo's JSON, or `null` when it could not be had. */
  _raw: Record<string, unknown>;
  /** Always `'forcedotcom'`. */
  provider: 'forcedotcom';
  /** `'{organization_id}/{user_id}'`. */
  id: string;
  /** The identity's `display_name`. */
  displayName: string;
  /** The identity's `first_name` and `last_name`. */
  name: {
    /** `last_name`. */
    familyName: string;
    /** `first_name`. */
    givenName: string;
  };
  /** The identity's `email`. */
  emails: Array<{
    /** `email`. */
    value: string;
  }>;
  /** The Chatter photo, when it was fetched. */
  photos?: Array<{
    /** The photo's `standardEmailPhotoUrl`. */
    value: string;
  }>;
}

/** passport-forcedotcom's constructor options: this strategy's, without `name` (always `'forcedotcom'`), and its own. */
export interface ForceDotComStrategyOptions extends PeerStrategyOptions {
  /** Leave the Chatter photo request out: the profile then has no `photos` and `_raw` no `_photo`. Default: `false`. */
  skipPhoto?: boolean;
}

/** The verify callback, `(token, refreshToken, [params,] profile, done)`. */
export type ForceDotComVerifyFunction = PeerVerifyFunction<ForceDotComAccessToken, ForceDotComProfile>;
/** The verify callback with `passReqToCallback: true`. */
export type ForceDotComVerifyFunctionWithRequest = PeerVerifyFunctionWithRequest<ForceDotComAccessToken, ForceDotComProfile>;

/** passport-forcedotcom's profile from the identity JSON (with `_photo` when it was asked for). */
export function forceDotComProfile(raw: Record<string, unknown>): ForceDotComProfile {
  const photo = raw._photo as { standardEmailPhotoUrl?: string } | null | undefined;
  return {
    _raw: raw,
    provider: 'forcedotcom',
    id: `${String(raw.organization_id)}/${String(raw.user_id)}`,
    displayName: raw.display_name as string,
    name: { familyName: raw.last_name as string, givenName: raw.first_name as string },
    emails: [{ value: raw.email as string }],
    ...(photo ? { photos: [{ value: photo.standardEmailPhotoUrl as string }] } : {}),
  };
}

/**
 * The Chatter photo resource passport-forcedotcom reads (`urls.users` at API version 29.0, then
 * `/me/photo`), only on the instance's own origin: the access token goes nowhere else.
 */
export function chatterPhotoURL(users: unknown, instanceUrl: string | undefined): URL | undefined {
  if (typeof users !== 'string' || instanceUrl === undefined || !URL.canParse(users) || !URL.canParse(instanceUrl)) return undefined;
  const url = new URL(users.replace('{version}', '29.0') + '/me/photo');
  return url.origin === new URL(instanceUrl).origin ? url : undefined;
}

/**
 * passport-forcedotcom's `Strategy` on passport-salesforce-pkce: the same options, name, verify
 * arguments and profile, with PKCE, state and every check of this strategy. `refresh()` and
 * `revoke()` work as on `SalesforcePkceStrategy`.
 *
 * @example
 * const ForceDotComStrategy = require('passport-salesforce-pkce/forcedotcom').Strategy;
 * passport.use(new ForceDotComStrategy({
 *   clientID: process.env.CF_CLIENT_ID,
 *   clientSecret: process.env.CF_CLIENT_SECRET,
 *   callbackURL: process.env.CF_CALLBACK_URL,
 * }, (token, refreshToken, profile, done) => done(null, { id: profile.id, instanceUrl: token.params.instance_url })));
 */
export class ForceDotComStrategy extends SalesforcePkceStrategy {
  /** @internal */
  private readonly _skipPhoto: boolean;

  /**
   * Builds the strategy from passport-forcedotcom's options. Options neither package knows are
   * ignored, as passport-forcedotcom ignored them, with one warning naming them.
   *
   * @param options passport-forcedotcom's options (`clientID`, `clientSecret`, `callbackURL`,
   *   `authorizationURL`, `tokenURL`, `scope`, `skipPhoto`, …) and any of this strategy's but `name`.
   * @param verify `(token, refreshToken, profile, done)` or `(token, refreshToken, params, profile, done)`.
   */
  constructor(options: ForceDotComStrategyOptions & { passReqToCallback?: false }, verify: ForceDotComVerifyFunction);
  /**
   * Builds a strategy whose verify callback takes the request first.
   *
   * @param options As in the first form, with `passReqToCallback: true`.
   * @param verify `(req, token, refreshToken, [params,] profile, done)`.
   */
  constructor(options: ForceDotComStrategyOptions & { passReqToCallback: true }, verify: ForceDotComVerifyFunctionWithRequest);
  constructor(options: ForceDotComStrategyOptions, verify: ForceDotComVerifyFunction | ForceDotComVerifyFunctionWithRequest) {
    const peer = peerOptions(options, 'forcedotcom', ['skipPhoto']);
    super(
      peer.options as unknown as SalesforceStrategyOptions,
      peerVerify(verify, peer.options.passReqToCallback === true, (_accessToken, params) => new ForceDotComAccessToken(params)) as never,
    );
    // passport-forcedotcom reads it as truthy.
    this._skipPhoto = Boolean((options as { skipPhoto?: unknown }).skipPhoto);
    warnIgnoredOptions('passport-forcedotcom', peer.ignored);
  }

  /** passport-forcedotcom's per-login parameters: its `login_hint` spelling, besides this strategy's. */
  override authorizationParams(options: SalesforceAuthenticateOptions & { login_hint?: string }): Record<string, string> {
    const { login_hint: loginHint, ...rest } = options;
    return super.authorizationParams(loginHint === undefined ? rest : { ...rest, loginHint });
  }

  /**
   * passport-forcedotcom's profile: the identity (fetched and checked as by `SalesforcePkceStrategy`),
   * plus the Chatter photo's JSON as `_raw._photo` unless `skipPhoto` (`null` when it cannot be had).
   */
  override userProfile(accessToken: string, done: (err: Error | null, profile?: SalesforceProfile) => void): void {
    super.userProfile(accessToken, (err, identity) => {
      if (err || !identity) {
        done(err);
        return;
      }
      const raw: Record<string, unknown> = { ...identity._json };
      const finish = (): void => {
        const profile = markPeerProfile(forceDotComProfile(raw));
        // The verify callback gets it in place of a SalesforceProfile, as passport-forcedotcom gave it.
        done(null, profile as unknown as SalesforceProfile);
      };
      const urls = raw.urls as { users?: unknown } | undefined;
      if (this._skipPhoto || !urls?.users) {
        finish();
        return;
      }
      const photoURL = chatterPhotoURL(urls.users, identity.instanceUrl);
      const photo = photoURL ? this._fetchWithToken('photo', photoURL, accessToken).then(({ json }) => json) : Promise.resolve(null);
      // As in passport-forcedotcom, a photo that cannot be had is null, not a failed login.
      photo.then(
        (json) => {
          raw._photo = json;
          finish();
        },
        () => {
          raw._photo = null;
          finish();
        },
      );
    });
  }
}

export { ForceDotComStrategy as Strategy };
/**
 * The module as a default import of passport-forcedotcom gave it (`import forcedotcom from
 * 'passport-forcedotcom'`, native or compiled by Babel or TypeScript): an object with `Strategy`.
 */
export default {
  /** passport-forcedotcom's `Strategy`. */
  Strategy: ForceDotComStrategy,
};
export type {
  PeerTokenParams as ForceDotComTokenParams,
  PeerStrategyOptions,
  PeerVerifyFunction,
  PeerVerifyFunctionWithRequest,
} from './peer-compat.js';
