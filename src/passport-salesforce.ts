/**
 * passport-salesforce's `Strategy` on this strategy, behind `passport-salesforce-pkce/salesforce`
 * (salesforce.ts for `import`, salesforce-cjs.cts for `require`, where the module is the class
 * itself, as `require('passport-salesforce')` was).
 */
import { InvalidOptionError } from './errors.js';
import { parseSalesforceURL } from './endpoints.js';
import {
  markPeerProfile,
  peerOptions,
  peerVerify,
  warnIgnoredOptions,
  type PeerStrategyOptions,
  type PeerVerifyFunction,
  type PeerVerifyFunctionWithRequest,
} from './peer-compat.js';
import type { SalesforceProfile } from './types.js';
import type { SalesforceStrategyOptions } from './options.js';
import { SalesforcePkceStrategy } from './strategy.js';

/**
 * passport-salesforce's profile: Salesforce's UserInfo JSON as it came (`user_id`,
 * `organization_id`, `given_name`, `family_name`, `email`, `picture`, `profile`, `urls`, …).
 */
export type PassportSalesforceProfile = Record<string, unknown>;

/** passport-salesforce's constructor options: this strategy's, without `name` (always `'salesforce'`), and its own. */
export interface PassportSalesforceStrategyOptions extends PeerStrategyOptions {
  /** The UserInfo endpoint. Default: `{loginURL}/services/oauth2/userinfo`, the login base's own. */
  profileURL?: string;
}

/** The verify callback, `(accessToken, refreshToken, [params,] profile, done)`. */
export type PassportSalesforceVerifyFunction = PeerVerifyFunction<string, PassportSalesforceProfile>;
/** The verify callback with `passReqToCallback: true`. */
export type PassportSalesforceVerifyFunctionWithRequest = PeerVerifyFunctionWithRequest<string, PassportSalesforceProfile>;

/**
 * passport-salesforce's `Strategy` on passport-salesforce-pkce: the same options, name
 * (`'salesforce'`), verify arguments and profile (the UserInfo JSON), with PKCE, state and every
 * check of this strategy. `refresh()` and `revoke()` work as on `SalesforcePkceStrategy`.
 *
 * @example
 * const SalesforceStrategy = require('passport-salesforce-pkce/salesforce').Strategy;
 * passport.use(new SalesforceStrategy({
 *   clientID: process.env.CLIENTID,
 *   clientSecret: process.env.CLIENTSECRET,
 *   callbackURL: process.env.APPURL + '/auth/callback',
 * }, (accessToken, refreshToken, profile, done) => done(null, { id: profile.user_id, email: profile.email })));
 */
export class PassportSalesforceStrategy extends SalesforcePkceStrategy {
  /** @internal */
  private readonly _userInfoURL: URL;

  /**
   * Builds the strategy from passport-salesforce's options. Options neither package knows are
   * ignored, as passport-salesforce ignored them, with one warning naming them.
   *
   * @param options passport-salesforce's options (`clientID`, `clientSecret`, `callbackURL`,
   *   `authorizationURL`, `tokenURL`, `profileURL`, `scope`, `proxy`, …) and any of this strategy's but `name`.
   * @param verify `(accessToken, refreshToken, profile, done)` or `(accessToken, refreshToken, params, profile, done)`.
   */
  constructor(options: PassportSalesforceStrategyOptions & { passReqToCallback?: false }, verify: PassportSalesforceVerifyFunction);
  /**
   * Builds a strategy whose verify callback takes the request first.
   *
   * @param options As in the first form, with `passReqToCallback: true`.
   * @param verify `(req, accessToken, refreshToken, [params,] profile, done)`.
   */
  constructor(
    options: PassportSalesforceStrategyOptions & { passReqToCallback: true },
    verify: PassportSalesforceVerifyFunctionWithRequest,
  );
  constructor(
    options: PassportSalesforceStrategyOptions,
    verify: PassportSalesforceVerifyFunction | PassportSalesforceVerifyFunctionWithRequest,
  ) {
    const peer = peerOptions(options, 'salesforce', ['profileURL']);
    super(
      peer.options as unknown as SalesforceStrategyOptions,
      peerVerify(verify, peer.options.passReqToCallback === true, (accessToken) => accessToken) as never,
    );
    const profileURL = (options as { profileURL?: unknown }).profileURL;
    if (profileURL !== undefined && typeof profileURL !== 'string') {
      throw new InvalidOptionError('PassportSalesforceStrategy: options.profileURL must be the UserInfo URL, a string');
    }
    try {
      this._userInfoURL = parseSalesforceURL(
        profileURL ?? `${peer.loginURL.replace(/\/$/, '')}/services/oauth2/userinfo`,
        'options.profileURL',
      );
    } catch (error) {
      throw new InvalidOptionError(`PassportSalesforceStrategy: ${(error as Error).message}`, { cause: error });
    }
    warnIgnoredOptions('passport-salesforce', peer.ignored);
  }

  /** passport-salesforce's profile: the UserInfo JSON, fetched with the access token in the Authorization header. */
  override userProfile(accessToken: string, done: (err: Error | null, profile?: SalesforceProfile) => void): void {
    this._fetchWithToken('userinfo', this._userInfoURL, accessToken).then(
      ({ json }) => {
        // The verify callback gets it in place of a SalesforceProfile, as passport-salesforce gave it.
        done(null, markPeerProfile(json) as unknown as SalesforceProfile);
      },
      (error: unknown) => done(error as Error),
    );
  }
}

// `Strategy` is the class itself, as `require('passport-salesforce').Strategy` was (the inherited
// one would be passport-oauth2's).
Object.defineProperty(PassportSalesforceStrategy, 'Strategy', { value: PassportSalesforceStrategy, enumerable: true });
