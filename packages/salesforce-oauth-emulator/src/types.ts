/** A user the emulator can log in. */
export interface EmulatorUser {
  /** Salesforce username, e.g. `ada@example.com`; also what `login_hint` matches. */
  username: string;
  /** Password for the login page. Default: `'password'`. */
  password?: string;
  /** 18-character user id (`005…`). Default: derived from the username. */
  userId?: string;
  /** 18-character org id (`00D…`). Default: the emulator's `orgId`. */
  orgId?: string;
  /** Default: none (`null` in the identity document): Salesforce users need a last name but not a first name. */
  firstName?: string;
  /** Default: the part of the username before `@`. */
  lastName?: string;
  /** Default: the username. */
  email?: string;
  /** Default: `true`. */
  emailVerified?: boolean;
  /** Default: `'STANDARD'`. */
  userType?: string;
  /** Default: `true`. An inactive user's login ends in `inactive_user`. */
  active?: boolean;
  /**
   * Default: `false`. A frozen user cannot log in (the login ends in `inactive_user`), and the
   * tokens issued to them are refused until they are unfrozen; see `RunningEmulator.freezeUser`.
   */
  frozen?: boolean;
  /** Default: `'en_US'`. */
  locale?: string;
  /** Default: `'en_US'`. */
  language?: string;
  /** Default: `'America/Los_Angeles'`. */
  timezone?: string;
  /**
   * What the headless approval (`interactive: false`) answers for this user: `'approve'` (default) redirects back with
   * a code, `'deny'` with `error=access_denied`, as if the user clicked Deny.
   */
  decision?: 'approve' | 'deny';
}

/** A Connected App registered in the emulator. */
export interface EmulatorConnectedApp {
  /** Consumer key. */
  clientId: string;
  /** Consumer secret. Omit for a public client. */
  clientSecret?: string;
  /** Display name. Default: `'Emulated Connected App'`. */
  name?: string;
  /** Callback URLs, matched exactly. */
  redirectUris: string[];
  /** Scopes the app may grant; a request for any other is `invalid_scope`. Default: all of Salesforce's common scopes. */
  scopes?: string[];
  /** "Require Proof Key for Code Exchange (PKCE)". Default: `true`. */
  requirePkce?: boolean;
  /** "Require Secret for Web Server Flow". Default: `true` when `clientSecret` is set. */
  requireSecretForWebServerFlow?: boolean;
  /** "Require Secret for Refresh Token Flow". Default: `true` when `clientSecret` is set. */
  requireSecretForRefreshTokenFlow?: boolean;
  /** "Enable Refresh Token Rotation". Default: `false`. */
  rotateRefreshTokens?: boolean;
  /**
   * The app's refresh token policy (salesforce-behaviour.md §5). Default: `'valid-until-revoked'`. Under
   * `'immediately-expire'` a refresh token is still issued but every refresh with it fails, and
   * under `{ expireAfterSeconds }` it fails once it is older than that (counted from its issue,
   * so under rotation from the latest refresh); both with `invalid_grant` /
   * `expired access/refresh token`.
   */
  refreshTokenPolicy?: RefreshTokenPolicy;
  /**
   * Accept client credentials in a Basic header on the `authorization_code` grant. Default:
   * `false`: they are answered as an unknown client (`invalid_client_id`), as Salesforce did in
   * the one report there is (salesforce-behaviour.md §4.1); whether it still does is unconfirmed (§10.5), so
   * the default is the strict reading. Basic on the refresh grant is always accepted (§5).
   */
  acceptBasicAuthForCodeGrant?: boolean;
  /** Blocked by an admin: authorize redirects with `OAUTH_APP_BLOCKED`. Default: `false`. */
  blocked?: boolean;
}

/**
 * What a Connected App's refresh tokens are good for, as the admin sets it ("Refresh Token
 * Policy"): until revoked, not at all, or for a number of seconds after they are issued.
 */
export type RefreshTokenPolicy = 'valid-until-revoked' | 'immediately-expire' | { expireAfterSeconds: number };

/** The endpoints faults can be injected into. */
export type EmulatorEndpoint =
  | 'authorize'
  | 'token'
  | 'identity'
  | 'revoke'
  | 'userinfo'
  | 'keys'
  | 'discovery'
  /** The login page (`/login`) and logout page (`/secur/logout.jsp`), with `interactive`. */
  | 'login'
  /** The approval page (`/setup/secur/RemoteAccessAuthorizationPage.apexp`), with `interactive`. */
  | 'approval'
  /**
   * Salesforce's error page (`/setup/secur/RemoteAccessErrorPage.apexp`), where authorize sends
   * the errors it does not redirect to the app.
   */
  | 'error'
  /**
   * `/services/data/…`, `/profilephoto/…` and the front door (`/services/oauth2/singleaccess`,
   * `/secur/frontdoor.jsp`), with `restApi`.
   */
  | 'rest';

/**
 * How to spoil the id_tokens the token endpoint issues, so a client's verification can be tested
 * against tokens that really come from the token endpoint. Applies to every id_token issued while set.
 */
export interface IdTokenTweak {
  /** Claims to override; `null` removes the claim (e.g. `{ nonce: null }`, `{ aud: 'other' }`, `{ exp: <past> }`). */
  claims?: Record<string, string | number | boolean | null>;
  /**
   * `'corrupt'`: flip bytes of the signature; `'unpublished-key'`: sign with a key whose `kid` is
   * never in `/id/keys`.
   */
  signature?: 'corrupt' | 'unpublished-key';
}

/**
 * A failure the emulator produces instead of its normal answer, after logging the request as usual:
 *
 * - `status`: answers `status` with `body` (default: empty) as `contentType` (default: `text/plain`).
 * - `html`: Salesforce's "Down For Maintenance" HTML page, with `status` (default: `500`).
 * - `malformed-json`: JSON cut off mid-value, with `status` (default: `200`).
 * - `empty`: an empty body labelled as JSON, with `status` (default: `200`).
 * - `reset`: drops the connection without answering.
 * - `hang`: never answers; the connection stays open until the client gives up or `close()`.
 * - `delay`: waits `ms`, then answers as usual.
 */
export type EmulatorFault =
  | { kind: 'status'; status: number; body?: string; contentType?: string }
  | { kind: 'html'; status?: number }
  | { kind: 'malformed-json'; status?: number }
  | { kind: 'empty'; status?: number }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number };

/** One request the emulator received, for tests to assert on. */
export interface EmulatorRequestRecord {
  endpoint: EmulatorEndpoint | 'other';
  method: string;
  /** Path without the query string, site prefix included. */
  path: string;
  /** Query parameters (last value wins for repeated keys). */
  query: Record<string, string>;
  /** Form body parameters (POST), empty otherwise. */
  body: Record<string, string>;
  /** Request headers, lower-case names. */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * How `startEmulator` sets up the emulated org: where it listens, its users and Connected Apps,
 * which Salesforce behaviours it reproduces, and the optional login pages and REST resources.
 * Every field is optional; the defaults give a headless org with one user and no apps.
 */
export interface EmulatorOptions {
  /** Port to listen on. Default: `0` (any free port). */
  port?: number;
  /**
   * Interface to listen on. Default: `'127.0.0.1'`. Beyond loopback (`'0.0.0.0'`), every machine
   * that reaches this one can log in as any seeded user and get tokens that apps trusting the
   * emulator accept.
   */
  host?: string;
  /**
   * Host names, besides IP addresses, `localhost`, `host` and the hosts of `instanceUrl` and
   * `identityBaseUrl`, that requests may name in their `Host` header (e.g. a Docker service
   * name). Requests naming any other host are refused with 403: a web page whose domain was made
   * to resolve to 127.0.0.1 (DNS rebinding) cannot reach the emulator. Default: none.
   */
  allowedHosts?: string[];
  /**
   * Serve HTTPS, as Salesforce does (salesforce-behaviour.md §1.1: all OAuth endpoints require it), with a
   * certificate made at start for `localhost`, `127.0.0.1`, `::1` and `host`, signed by a CA made
   * at start too. Trust `RunningEmulator.ca` in the client (e.g. `new https.Agent({ ca })`)
   * rather than turning certificate checks off. Default: `false` (plain HTTP).
   */
  https?: boolean;
  /**
   * Experience Cloud site paths, e.g. `['/partners']`: each serves the OAuth, OpenID Connect and
   * identity endpoints (and the pages and REST resources when on) below it, as a site URL such as
   * `https://acme.my.site.com/partners` does, with the site as issuer and `sfdc_community_url`.
   * Any other path prefix is answered 404, as Salesforce does (salesforce-behaviour.md §1.2). A trailing
   * slash is ignored. Default: none, only the root.
   */
  sites?: string[];
  /** The emulated org's 18-character id. Default: `'00D5g000004EmUlEAK'`. */
  orgId?: string;
  /** Seeded users. Default: one user, `ada@example.com` / `password`. */
  users?: EmulatorUser[];
  /** Seeded Connected Apps. Default: none. */
  apps?: EmulatorConnectedApp[];
  /** Authorization code lifetime in seconds. Default: `900` (Salesforce's 15 minutes). */
  codeLifetime?: number;
  /**
   * The org's session timeout in seconds: how long an access token works after it is issued.
   * Default: `7200` (Salesforce's default of 2 hours). An expired access token is refused like a
   * revoked one (identity URL and UserInfo: 403 `Bad_OAuth_Token`; REST: 401
   * `INVALID_SESSION_ID`), so a client must refresh; token responses carry no `expires_in`, as
   * Salesforce's don't.
   */
  sessionTimeout?: number;
  /**
   * How many grants (approvals whose code exchange issued a refresh token) one user may hold for
   * one Connected App. The next one revokes the oldest, whose refresh token then fails with
   * `invalid_grant` / `expired access/refresh token` (salesforce-behaviour.md §4.4). Default: `5`, the limit
   * third parties report (unconfirmed by Salesforce's docs, §10.13); `false` turns it off.
   */
  maxGrantsPerUserPerApp?: number | false;
  /** Accept `code_challenge_method=plain`. Default: `false`. */
  allowPlainPkce?: boolean;
  /** Reject a `code_verifier` for a code that was issued without a challenge (RFC 9700 §4.8). Default: `true`. */
  rejectVerifierWithoutChallenge?: boolean;
  /**
   * Treat an empty `client_secret` (which node-oauth, and so passport-oauth2, sends when no secret
   * is configured) as no secret at all. Default: `false`: it is checked like any secret that is
   * sent, and fails with `invalid_client` / `invalid client credentials`. Salesforce validates a
   * secret that is sent (salesforce-behaviour.md §3.2); whether it counts an empty one as sent is unconfirmed,
   * so the default is the strict reading: a client that passes here passes either way.
   */
  acceptEmptyClientSecret?: boolean;
  /**
   * Read the token endpoint's parameters, and revoke's `token`, from the query string of a POST as
   * well as from its form body (the body wins). Default: `false`: only the body counts, as RFC 6749
   * §4.1.3 and Salesforce's documentation put them there (salesforce-behaviour.md §4.1, §8); whether Salesforce
   * also reads the query is unconfirmed, so a client that passes here passes either way.
   */
  acceptQueryParametersOnPost?: boolean;
  /** Base of the identity URL put in `id`. Default: the emulator's own URL (like `login.salesforce.com`). */
  identityBaseUrl?: string;
  /** `instance_url` in token responses. Default: the emulator's own URL. */
  instanceUrl?: string;
  /**
   * Show a login page and an approval page, like Salesforce, instead of approving headlessly.
   * Users log in with their `password`; approvals are remembered per user and app; `prompt` and
   * `immediate` are honoured. Default: `false`: authorize logs in the `login_hint` user (else the
   * first) at once and answers with that user's `decision`, which is what automated tests want.
   */
  interactive?: boolean;
  /**
   * Serve the REST API calls clients make around a login, with Bearer tokens: `GET
   * /services/data/` (versions), `/services/data/vXX.X/` (resources), `…/limits`, `…/query`,
   * `…/sobjects` (Organization, Profile, User), the front door (`/services/oauth2/singleaccess`)
   * and the profile photos; anything else under a version answers 501 `NOT_EMULATED`.
   * Default: `false`.
   */
  restApi?: boolean;
  /**
   * id_token lifetime (`exp - iat`) in seconds. Default: `3600`. Salesforce's is not fixed (120 s
   * and 3600 s have both been seen), so clients must not assume either.
   */
  idTokenLifetime?: number;
  /**
   * Keep every request in `requests`, for tests to assert on. Default: `true`. The log is never
   * trimmed, so an emulator that runs for long (a development server, a demo) should turn it off;
   * then `requests` and `requestsTo` stay empty.
   */
  recordRequests?: boolean;
}

/** A seeded user with every default filled in, as the emulator sees it. */
export interface ResolvedUser {
  username: string;
  password: string;
  /** 18-character `005…` id. */
  userId: string;
  /** 18-character `00D…` id. */
  orgId: string;
  /** `null` when not given: Salesforce users need a last name but not a first name. */
  firstName: string | null;
  /** Default: the part of the username before `@`. */
  lastName: string;
  email: string;
  emailVerified: boolean;
  userType: string;
  active: boolean;
  frozen: boolean;
  locale: string;
  language: string;
  timezone: string;
  decision: 'approve' | 'deny';
  /** When the user was registered, as the identity URL's `last_modified_date` (`yyyy-MM-ddTHH:mm:ssZ`). */
  lastModifiedDate: string;
}

/** The `fetch` signature of `RunningEmulator.fetch`. */
export type EmulatorFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** A started emulator, as resolved by `startEmulator`. */
export interface RunningEmulator {
  /** e.g. `'http://127.0.0.1:43121'`, or `'https://…'` with `https` (no trailing slash). */
  url: string;
  /**
   * With `https`: the PEM certificate of the CA that signed the emulator's certificate, for
   * clients to trust (`https.Agent({ ca })`, `tls.connect({ ca })`, `NODE_EXTRA_CA_CERTS`). Each
   * emulator has its own CA. `undefined` over plain HTTP.
   */
  ca?: string;
  /**
   * A `fetch` that trusts `ca` (and no other CA) for HTTPS URLs, and sends plain HTTP as is: for
   * test code, and for clients that take a fetch function, such as openid-client's
   * `customFetch`. Unlike the global `fetch` it never follows redirects; a 3xx comes back with
   * its `Location`.
   */
  fetch: EmulatorFetch;
  /** The org's 18-character id. */
  orgId: string;
  /** The current users, with `userId`, `orgId` and the other defaults filled in. */
  readonly users: readonly ResolvedUser[];
  /** Registers a Connected App, replacing one with the same `clientId`. */
  addApp(app: EmulatorConnectedApp): void;
  /** Registers a user, replacing one with the same username (case-insensitive). */
  addUser(user: EmulatorUser): void;
  /** Makes `endpoint` answer with `fault` until cleared (`undefined` clears it). */
  setFault(endpoint: EmulatorEndpoint, fault: EmulatorFault | undefined): void;
  /** Clears every endpoint fault and the id_token tweak. */
  clearFaults(): void;
  /**
   * Makes every id_token issued from now on carry `tweak`, until cleared with `undefined` or by
   * `clearFaults()`.
   */
  setIdTokenTweak(tweak: IdTokenTweak | undefined): void;
  /**
   * Adds a new id_token signing key and makes it the signing key. Keys signed with before stay
   * published in `/id/keys`. Resolves to the new key's `kid`.
   */
  rotateSigningKey(): Promise<string>;
  /** Every request received, in order; empty when started with `recordRequests: false`. */
  readonly requests: EmulatorRequestRecord[];
  /** The requests for one endpoint, in order; empty when started with `recordRequests: false`. */
  requestsTo(endpoint: EmulatorEndpoint): EmulatorRequestRecord[];
  /**
   * Moves the emulator's clock forward by `seconds`, to test expiry without waiting: codes
   * (`codeLifetime`), access tokens (`sessionTimeout`), refresh tokens (`refreshTokenPolicy`)
   * and logins left on the login or approval page (10 minutes) age by that much; those issued
   * afterwards start fresh. The times the emulator
   * reports (`issued_at`, id_token `iat` and `exp`) stay on the wall clock, so a client's own
   * clock checks are unaffected.
   */
  advanceClock(seconds: number): void;
  /**
   * Deactivates a user, as an admin does in Setup: their logins end in `inactive_user`, and every
   * token issued to them so far is refused for good (refresh: `invalid_grant` /
   * `authentication failure`, salesforce-behaviour.md §4.4 and §5; identity URL and UserInfo: 403
   * `Bad_OAuth_Token`, §6; REST: 401 `INVALID_SESSION_ID`), even if they are reactivated with
   * `addUser`. Throws a `TypeError` for an unknown username.
   */
  deactivateUser(username: string): void;
  /**
   * Freezes a user: they cannot log in (`inactive_user`), and their tokens are refused as after
   * `deactivateUser`, but only while frozen: `unfreezeUser` lets those tokens work again.
   * Throws a `TypeError` for an unknown username.
   */
  freezeUser(username: string): void;
  /** Lifts `freezeUser`. Throws a `TypeError` for an unknown username. */
  unfreezeUser(username: string): void;
  /**
   * Sets a user's password, as a reset does: the new one logs in on the login page, and every
   * token issued before is refused for good, as after `deactivateUser` (refresh:
   * `invalid_grant` / `authentication failure`). Throws a `TypeError` for an unknown username.
   */
  changePassword(username: string, newPassword: string): void;
  /** Stops the server, ending hung and keep-alive connections too. */
  close(): Promise<void>;
}
