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

const PER_REQUEST = "is an option of passport.authenticate('salesforce', { … }), per login";

/** Options other strategies take that mean something else, or nothing, here. */
const ADVICE: Record<string, string> = {
  login_hint: `is not a constructor option: pass loginHint to passport.authenticate('salesforce', { loginHint }) (sent as login_hint)`,
  loginHint: PER_REQUEST,
  prompt: PER_REQUEST,
  display: PER_REQUEST,
  skipPhoto:
    "is passport-forcedotcom's: this strategy never requests the Chatter photo (profile.photos come from the identity response), so remove it",
  scopeSeparator: 'is not needed: scopes are always sent space-separated, as Salesforce requires, so remove it',
  pkce: 'is not needed: PKCE (S256) is always on and cannot be turned off, so remove it',
  state:
    "is not needed: state is always on; a per-login state object goes to passport.authenticate('salesforce', { state }) and comes back as info.state",
  proxy: 'is passport-oauth2\'s: use trustProxy (or Express\'s "trust proxy" setting)',
  customHeaders: 'is not supported: the strategy sends the headers Salesforce needs',
};

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
 * `options.loginUrl is not an option (did you mean loginURL?)`; empty when all are known.
 */
export function unknownOptionProblems(options: object): string[] {
  const known = new Set<string>(OPTION_NAMES);
  return Object.keys(options)
    .filter((name) => !known.has(name))
    .map((name) => {
      const advice = Object.hasOwn(ADVICE, name) ? ADVICE[name] : undefined;
      if (advice !== undefined) return `options.${name} ${advice}`;
      const suggestion = nearMiss(name);
      return `options.${name} is not an option${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`;
    });
}
