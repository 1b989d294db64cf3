import type { SalesforceStrategyOptionsBase } from './options.js';

/**
 * The constructor's option names, and what to tell someone who wrote another name: a typo such
 * as `loginUrl` must not leave logins on production, and options of passport-forcedotcom and
 * passport-oauth2 that mean something else here must say so. Pure functions.
 */

type OptionName = keyof SalesforceStrategyOptionsBase | 'passReqToCallback';

/** Every option of the types, so a new option that is missing here fails to compile. */
const OPTIONS: Record<OptionName, true> = {
  clientID: true,
  callbackURL: true,
  clientSecret: true,
  loginURL: true,
  authorizationURL: true,
  tokenURL: true,
  name: true,
  scope: true,
  requestTimeout: true,
  pendingLoginTtl: true,
  maxPendingLogins: true,
  verifyTokenSignature: true,
  skipUserProfile: true,
  sessionKey: true,
  allowedLoginURLs: true,
  trustProxy: true,
  store: true,
  agent: true,
  passReqToCallback: true,
};
/** The constructor's option names. */
export const OPTION_NAMES: readonly string[] = Object.keys(OPTIONS);

/** Options other strategies take that mean something else, or nothing, here; `name` is the strategy's name. */
function advice(name: string): Record<string, string> {
  const authenticate = `passport.authenticate('${name}', { … })`;
  const perRequest = `is an option of ${authenticate}, per login`;
  return {
    login_hint: `is not a constructor option: pass loginHint to ${authenticate.replace('…', 'loginHint')} (sent as login_hint)`,
    loginHint: perRequest,
    prompt: perRequest,
    display: perRequest,
    skipPhoto:
      "is passport-forcedotcom's: this strategy never requests the Chatter photo (profile.photos come from the identity response), so remove it; " +
      "or keep passport-forcedotcom's options and profile with require('passport-salesforce-pkce/forcedotcom')",
    profileURL:
      "is passport-salesforce's: the profile comes from the identity URL here (its fields are listed in docs/migration.md), so remove it; " +
      "or keep passport-salesforce's UserInfo profile (user_id, given_name, email…) with require('passport-salesforce-pkce/salesforce')",
    scopeSeparator: 'is not needed: scopes are always sent space-separated, as Salesforce requires, so remove it',
    pkce: 'is not needed: PKCE (S256) is always on and cannot be turned off, so remove it',
    state: `is not needed: state is always on; a per-login state object goes to ${authenticate.replace('…', 'state')} and comes back as info.state`,
    proxy: 'is passport-oauth2\'s: use trustProxy (or Express\'s "trust proxy" setting)',
    customHeaders: 'is not supported: the strategy sends the headers Salesforce needs, so remove it',
  };
}

/** Edit distance between two short strings (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

const folded = (name: string): string => name.toLowerCase().replace(/[_-]/g, '');

/** The option an unknown name most likely meant: same letters in another case or with `_`, or one or two typos away. */
function nearMiss(name: string): string | undefined {
  const candidates = OPTION_NAMES.map((option) => ({ option, distance: distance(folded(name), folded(option)) }))
    .filter((candidate) => candidate.distance <= (name.length >= 8 ? 2 : 1))
    .sort((a, b) => a.distance - b.distance);
  return candidates[0]?.option;
}

/**
 * What is wrong with each option name that is not an option, e.g.
 * `options.loginUrl is not an option (did you mean loginURL?)`; empty when all are known. `name`
 * is the strategy's name, for the advice that shows a `passport.authenticate(name, …)` call.
 */
export function unknownOptionProblems(options: object, name: string): string[] {
  const known = new Set<string>(OPTION_NAMES);
  const advised = advice(name);
  return Object.keys(options)
    .filter((option) => !known.has(option))
    .map((option) => {
      const says = Object.hasOwn(advised, option) ? advised[option] : undefined;
      if (says !== undefined) return `options.${option} ${says}`;
      const suggestion = nearMiss(option);
      return `options.${option} is not an option${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`;
    });
}
