import type { ResolvedOptions } from './options.js';

/**
 * The strategy's warnings: what went wrong in a login that did not fail loudly, said once per
 * strategy in Node's warning log (`process.emitWarning`, with a code to filter on), never with a
 * token, code or personal data in it.
 */

/** The codes each strategy has warned about: a busy site warns once, not per login. */
const warned = new WeakMap<ResolvedOptions, Set<string>>();

/** Emits `message` under `code`, unless this strategy already did. */
export function warnOnce(config: ResolvedOptions, code: string, message: string): void {
  const codes = warned.get(config) ?? new Set<string>();
  if (codes.has(code)) return;
  codes.add(code);
  warned.set(config, codes);
  process.emitWarning(message, { code });
}

/**
 * What to tell a site whose verify callback ended a login with no user and no reason: the login
 * fails (to `failureRedirect`) although Salesforce logged the user in. `user` is what the callback
 * handed over (`false`, `undefined`, `null`…); only its kind is named.
 */
export function noUserWarning(name: string, user: unknown): string {
  const given = user === undefined ? 'undefined' : user === null ? 'null' : user === false ? 'false' : `a falsy ${typeof user}`;
  return (
    `passport.authenticate('${name}'): the verify callback called done(null, ${given}) with no reason, so the login failed although ` +
    'Salesforce logged the user in. If it meant to log a user in, the value it passed was not there: a callback written for ' +
    'passport-forcedotcom that passes token.params gets undefined here, because the first argument is the access token string; use ' +
    "the five-argument form (accessToken, refreshToken, params, profile, done), or require('passport-salesforce-pkce/forcedotcom'), " +
    'which keeps the token object. To refuse a user, give a reason: done(null, false, { message }). See docs/migration.md.'
  );
}
