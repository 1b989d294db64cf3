/**
 * The emulated org's memory: Connected Apps, users, authorization codes and tokens. No I/O; the
 * only impurity is the wall clock and random token generation.
 */
import type { EmulatorConnectedApp, EmulatorUser, RefreshTokenPolicy, ResolvedUser } from './types.js';
import { deriveSalesforceId, newAccessToken, newAuthorizationCode, newHandle, newRefreshToken } from './ids.js';

export const DEFAULT_ORG_ID = '00D5g000004EmUlEAK';

/**
 * How many access tokens, and how many refresh tokens, the emulator remembers. An emulator that
 * runs for long (the CLI, a demo) issues tokens for as long as it runs: past this many the
 * oldest are forgotten, as if their session had ended, and are answered like unknown tokens.
 */
export const MAX_TOKENS = 10_000;

/** Inserts into an insertion-ordered map, dropping the oldest entries beyond `max`. */
export function boundedSet<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}

/** Salesforce's common OAuth scopes: what an app may grant when its `scopes` are not given. */
export const DEFAULT_APP_SCOPES: readonly string[] = [
  'api',
  'web',
  'full',
  'id',
  'profile',
  'email',
  'address',
  'phone',
  'openid',
  'refresh_token',
  'offline_access',
  'chatter_api',
  'visualforce',
  'custom_permissions',
  'wave_api',
  'eclair_api',
  'pardot_api',
  'lightning',
  'content',
  'cdp_api',
  'sfap_api',
];

/** The user who logs in when no `users` are given: Ada Lovelace, `ada@example.com` / `password`. */
export const DEFAULT_USER: Readonly<EmulatorUser> = {
  username: 'ada@example.com',
  password: 'password',
  firstName: 'Ada',
  lastName: 'Lovelace',
};

/** A Connected App with every default filled in. */
export interface ResolvedConnectedApp {
  clientId: string;
  /** `undefined` for a public client. */
  clientSecret: string | undefined;
  name: string;
  redirectUris: readonly string[];
  scopes: readonly string[];
  requirePkce: boolean;
  requireSecretForWebServerFlow: boolean;
  requireSecretForRefreshTokenFlow: boolean;
  rotateRefreshTokens: boolean;
  refreshTokenPolicy: RefreshTokenPolicy;
  acceptBasicAuthForCodeGrant: boolean;
  blocked: boolean;
}

function resolveRefreshTokenPolicy(policy: RefreshTokenPolicy | undefined, clientId: string): RefreshTokenPolicy {
  if (policy === undefined) return 'valid-until-revoked';
  if (policy === 'valid-until-revoked' || policy === 'immediately-expire') return policy;
  const seconds = typeof policy === 'object' && policy !== null ? policy.expireAfterSeconds : undefined;
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0) return { expireAfterSeconds: seconds };
  throw new TypeError(
    `EmulatorConnectedApp.refreshTokenPolicy of ${clientId} must be 'valid-until-revoked', 'immediately-expire' or { expireAfterSeconds: <positive number> }`,
  );
}

export function resolveApp(app: EmulatorConnectedApp): ResolvedConnectedApp {
  if (typeof app.clientId !== 'string' || app.clientId === '') {
    throw new TypeError('EmulatorConnectedApp.clientId must be a non-empty string');
  }
  if (!Array.isArray(app.redirectUris) || !app.redirectUris.every((uri) => typeof uri === 'string')) {
    throw new TypeError(`EmulatorConnectedApp.redirectUris of ${app.clientId} must be an array of strings`);
  }
  // An empty secret is treated as "no secret", like Salesforce's own CLI app, which has an
  // empty secret and leaves `client_secret` out altogether.
  const clientSecret = app.clientSecret === undefined || app.clientSecret === '' ? undefined : app.clientSecret;
  const hasSecret = clientSecret !== undefined;
  return {
    clientId: app.clientId,
    clientSecret,
    name: app.name ?? 'Emulated Connected App',
    redirectUris: [...app.redirectUris],
    scopes: [...(app.scopes ?? DEFAULT_APP_SCOPES)],
    requirePkce: app.requirePkce ?? true,
    requireSecretForWebServerFlow: app.requireSecretForWebServerFlow ?? hasSecret,
    requireSecretForRefreshTokenFlow: app.requireSecretForRefreshTokenFlow ?? hasSecret,
    rotateRefreshTokens: app.rotateRefreshTokens ?? false,
    refreshTokenPolicy: resolveRefreshTokenPolicy(app.refreshTokenPolicy, app.clientId),
    acceptBasicAuthForCodeGrant: app.acceptBasicAuthForCodeGrant ?? false,
    blocked: app.blocked ?? false,
  };
}

function resolveUser(user: EmulatorUser, defaultOrgId: string): ResolvedUser {
  if (typeof user.username !== 'string' || user.username === '') {
    throw new TypeError('EmulatorUser.username must be a non-empty string');
  }
  const timezone = user.timezone ?? 'America/Los_Angeles';
  // Fail at registration rather than on the first identity request that needs the offset.
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new TypeError(`EmulatorUser.timezone of ${user.username} is not an IANA time zone: ${timezone}`);
  }
  const localPart = user.username.split('@')[0] ?? user.username;
  return {
    username: user.username,
    password: user.password ?? 'password',
    userId: user.userId ?? deriveSalesforceId('005', user.username.toLowerCase()),
    orgId: user.orgId ?? defaultOrgId,
    firstName: user.firstName ?? null,
    lastName: user.lastName ?? localPart,
    email: user.email ?? user.username,
    emailVerified: user.emailVerified ?? true,
    userType: user.userType ?? 'STANDARD',
    active: user.active ?? true,
    frozen: user.frozen ?? false,
    locale: user.locale ?? 'en_US',
    language: user.language ?? 'en_US',
    timezone,
    decision: user.decision ?? 'approve',
    lastModifiedDate: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** What is remembered with an authorization code until it is exchanged. */
export interface AuthorizationCodeRecord {
  code: string;
  clientId: string;
  redirectUri: string;
  userId: string;
  orgId: string;
  /** Space-separated granted scopes. */
  scope: string;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain' | undefined;
  /** Path before `/services/oauth2/authorize` (`''`, or e.g. `'/mysite'` for an Experience Cloud site). */
  sitePrefix: string;
  /** Issue time on the emulator's clock, ms. */
  issuedAtMs: number;
  nonce: string | undefined;
  /** The user's credential generation when the code was issued (see `EmulatorState.credentialGeneration`). */
  credentialGeneration: number;
}

/** What every token descended from one approval (one code exchange) shares. */
export interface Grant {
  /** The family: revoking it revokes every access and refresh token of the grant. */
  familyId: string;
  userId: string;
  orgId: string;
  clientId: string;
  scope: string;
  sitePrefix: string;
  /** Order of the code exchanges: beyond the grant limit the lowest goes first. */
  sequence: number;
  /** The user's credential generation at the approval: a later deactivation or password change ends the grant. */
  credentialGeneration: number;
}

export interface AccessTokenRecord {
  token: string;
  grant: Grant;
  /** Issue time on the emulator's clock, ms: the session ends `sessionTimeout` later. */
  issuedAtMs: number;
}

export interface RefreshTokenRecord {
  token: string;
  grant: Grant;
  /** Issue time on the emulator's clock, ms, for a policy that expires refresh tokens. */
  issuedAtMs: number;
  /** Replaced by a newer refresh token under rotation: presenting it again is a reuse. */
  rotatedOut: boolean;
}

export type RefreshTokenLookup =
  | { kind: 'valid'; record: RefreshTokenRecord }
  | { kind: 'invalid' }
  /** A rotated-out token was presented again: its whole family has just been revoked. */
  | { kind: 'reused' }
  /** The user was deactivated, frozen or changed password since the approval. */
  | { kind: 'user-ended'; record: RefreshTokenRecord };

export interface EmulatorSettings {
  orgId: string;
  codeLifetimeSeconds: number;
  allowPlainPkce: boolean;
  rejectVerifierWithoutChallenge: boolean;
  /** Treat `client_secret=` (empty) as no secret rather than a wrong one. */
  acceptEmptyClientSecret: boolean;
  /** Read token and revoke parameters from the query string of a POST too. */
  acceptQueryParametersOnPost: boolean;
  /** Access token lifetime, the org's session timeout. */
  sessionTimeoutSeconds: number;
  /** Grants holding a refresh token per user and app; `undefined`: no limit. */
  maxGrantsPerUserPerApp: number | undefined;
}

/** Whether a refresh token issued at `issuedAtMs` has run out under `policy` at `nowMs`. */
export function refreshTokenExpired(policy: RefreshTokenPolicy, issuedAtMs: number, nowMs: number): boolean {
  if (policy === 'valid-until-revoked') return false;
  if (policy === 'immediately-expire') return true;
  return nowMs - issuedAtMs > policy.expireAfterSeconds * 1000;
}

export class EmulatorState {
  readonly settings: EmulatorSettings;
  readonly apps = new Map<string, ResolvedConnectedApp>();
  users: ResolvedUser[] = [];
  private readonly codes = new Map<string, AuthorizationCodeRecord>();
  /**
   * The live tokens, oldest first, at most MAX_TOKENS of each. A revoked token is deleted: it is
   * answered exactly like an unknown one. Rotated-out refresh tokens stay until their family is
   * revoked (or they are the oldest), so a reuse can be caught.
   */
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  /**
   * Per user id, how many times the user was deactivated or changed password. Codes and grants
   * remember the generation they were issued in; any other generation means `authentication
   * failure`. Kept apart from the user record, so replacing a user with `addUser` does not bring
   * ended grants back.
   */
  private readonly credentialGenerations = new Map<string, number>();
  private grantSequence = 0;
  /** How far `advanceClock` has moved the emulator's clock ahead of the wall clock. */
  private clockOffsetMs = 0;

  constructor(settings: EmulatorSettings) {
    this.settings = settings;
  }

  /**
   * The emulator's clock, ms: the wall clock plus every `advanceClock`. Lifetimes (codes, access
   * and refresh tokens) are measured on it; the times the emulator reports (`issued_at`, id_token
   * `iat`) stay on the wall clock, so clients' own clock checks are unaffected.
   */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  addApp(app: EmulatorConnectedApp): void {
    const resolved = resolveApp(app);
    this.apps.set(resolved.clientId, resolved);
  }

  addUser(user: EmulatorUser): void {
    const resolved = resolveUser(user, this.settings.orgId);
    const existing = this.users.findIndex((u) => u.username.toLowerCase() === resolved.username.toLowerCase());
    if (existing === -1) this.users.push(resolved);
    else this.users[existing] = resolved;
  }

  /** The user `login_hint` names (case-insensitive), else the first user; `undefined` when there are none. */
  chooseUser(loginHint: string | undefined): ResolvedUser | undefined {
    const hint = loginHint?.toLowerCase();
    return this.users.find((u) => u.username.toLowerCase() === hint) ?? this.users[0];
  }

  findUserById(userId: string): ResolvedUser | undefined {
    return this.users.find((u) => u.userId === userId);
  }

  findUserByUsername(username: string): ResolvedUser | undefined {
    const wanted = username.trim().toLowerCase();
    return this.users.find((user) => user.username.toLowerCase() === wanted);
  }

  /**
   * Replaces a user's record with `change` applied (a new object, so a record read earlier keeps
   * its values), optionally ending every code and grant issued to the user so far.
   */
  updateUser(username: string, change: Partial<Pick<ResolvedUser, 'active' | 'frozen' | 'password'>>, endGrants: boolean): void {
    const index = this.users.findIndex((u) => u.username.toLowerCase() === username.trim().toLowerCase());
    const user = this.users[index];
    if (user === undefined) throw new TypeError(`no emulated user has the username ${username}`);
    this.users[index] = { ...user, ...change };
    if (endGrants) this.credentialGenerations.set(user.userId, this.credentialGeneration(user.userId) + 1);
  }

  credentialGeneration(userId: string): number {
    return this.credentialGenerations.get(userId) ?? 0;
  }

  /**
   * Whether what was issued to `userId` in `generation` still stands: the user exists, is active,
   * is not frozen, and has not been deactivated or changed password since.
   */
  userStands(userId: string, generation: number): boolean {
    const user = this.findUserById(userId);
    return user !== undefined && user.active && !user.frozen && this.credentialGeneration(userId) === generation;
  }

  advanceClock(seconds: number): void {
    if (!Number.isFinite(seconds)) throw new RangeError('advanceClock(seconds): seconds must be a finite number');
    this.clockOffsetMs += seconds * 1000;
  }

  private isCodeExpired(record: AuthorizationCodeRecord): boolean {
    return this.now() - record.issuedAtMs > this.settings.codeLifetimeSeconds * 1000;
  }

  issueCode(fields: Omit<AuthorizationCodeRecord, 'code' | 'issuedAtMs' | 'credentialGeneration'>): AuthorizationCodeRecord {
    // Expired codes are forgotten here, so unexchanged codes never pile up beyond a code lifetime's worth.
    for (const [code, record] of this.codes) if (this.isCodeExpired(record)) this.codes.delete(code);
    const record: AuthorizationCodeRecord = {
      ...fields,
      code: newAuthorizationCode(),
      issuedAtMs: this.now(),
      credentialGeneration: this.credentialGeneration(fields.userId),
    };
    this.codes.set(record.code, record);
    return record;
  }

  /**
   * Takes a code for `clientId`, removing it so it can never be exchanged again. `undefined` when
   * the code is unknown, used, expired, or belongs to another client (which does not consume it).
   */
  consumeCode(code: string, clientId: string): AuthorizationCodeRecord | undefined {
    const record = this.codes.get(code);
    if (record === undefined || record.clientId !== clientId) return undefined;
    this.codes.delete(code);
    return this.isCodeExpired(record) ? undefined : record;
  }

  /** Starts a grant (a family of tokens) from an exchanged code. */
  newGrant(code: AuthorizationCodeRecord): Grant {
    return {
      familyId: newHandle(),
      userId: code.userId,
      orgId: code.orgId,
      clientId: code.clientId,
      scope: code.scope,
      sitePrefix: code.sitePrefix,
      sequence: ++this.grantSequence,
      credentialGeneration: code.credentialGeneration,
    };
  }

  issueAccessToken(grant: Grant): AccessTokenRecord {
    const record: AccessTokenRecord = { token: newAccessToken(grant.orgId), grant, issuedAtMs: this.now() };
    boundedSet(this.accessTokens, record.token, record, MAX_TOKENS);
    return record;
  }

  /**
   * Issues the first refresh token of a grant. Beyond `maxGrantsPerUserPerApp` grants of the user
   * and app that hold refresh tokens, the oldest are revoked, as Salesforce does on the sixth
   * approval (salesforce-behaviour.md §4.4).
   */
  issueRefreshToken(grant: Grant): RefreshTokenRecord {
    const record = this.storeRefreshToken(grant);
    this.enforceGrantLimit(grant);
    return record;
  }

  private storeRefreshToken(grant: Grant): RefreshTokenRecord {
    const record: RefreshTokenRecord = { token: newRefreshToken(), grant, issuedAtMs: this.now(), rotatedOut: false };
    boundedSet(this.refreshTokens, record.token, record, MAX_TOKENS);
    return record;
  }

  private enforceGrantLimit(grant: Grant): void {
    const limit = this.settings.maxGrantsPerUserPerApp;
    if (limit === undefined) return;
    const families = new Map<string, Grant>();
    for (const { grant: other, rotatedOut } of this.refreshTokens.values()) {
      if (!rotatedOut && other.userId === grant.userId && other.clientId === grant.clientId) families.set(other.familyId, other);
    }
    const oldestFirst = [...families.values()].sort((a, b) => a.sequence - b.sequence);
    for (const old of oldestFirst.slice(0, Math.max(0, oldestFirst.length - limit))) this.revokeFamily(old.familyId);
  }

  private isSessionOver(record: AccessTokenRecord): boolean {
    return this.now() - record.issuedAtMs > this.settings.sessionTimeoutSeconds * 1000;
  }

  /**
   * A live access token: known, unrevoked, within the session timeout, and of a user who still
   * stands (salesforce-behaviour.md §9.12: such tokens are refused everywhere).
   */
  findAccessToken(token: string): AccessTokenRecord | undefined {
    const record = this.accessTokens.get(token);
    if (record === undefined) return undefined;
    if (this.isSessionOver(record)) {
      this.accessTokens.delete(token);
      return undefined;
    }
    return this.userStands(record.grant.userId, record.grant.credentialGeneration) ? record : undefined;
  }

  /**
   * Looks up a refresh token for a refresh grant. Presenting a rotated-out token is treated as
   * theft (RFC 9700 §4.14.2): the whole family is revoked, as Salesforce documents for rotation.
   */
  useRefreshToken(token: string): RefreshTokenLookup {
    const record = this.refreshTokens.get(token);
    if (record === undefined) return { kind: 'invalid' };
    if (record.rotatedOut) {
      this.revokeFamily(record.grant.familyId);
      return { kind: 'reused' };
    }
    if (!this.userStands(record.grant.userId, record.grant.credentialGeneration)) return { kind: 'user-ended', record };
    return { kind: 'valid', record };
  }

  /** Replaces `old` with a new refresh token of the same family. */
  rotateRefreshToken(old: RefreshTokenRecord): RefreshTokenRecord {
    old.rotatedOut = true;
    return this.storeRefreshToken(old.grant);
  }

  /**
   * Revokes a token as the revoke endpoint does: an access token alone, a refresh token with
   * every token of its family. `false` when the token is unknown or no longer valid.
   */
  revokeToken(token: string): boolean {
    if (this.findAccessToken(token) !== undefined) return this.accessTokens.delete(token);
    const refresh = this.refreshTokens.get(token);
    if (refresh !== undefined && !refresh.rotatedOut) {
      this.revokeFamily(refresh.grant.familyId);
      return true;
    }
    return false;
  }

  private revokeFamily(familyId: string): void {
    for (const [token, record] of this.accessTokens) if (record.grant.familyId === familyId) this.accessTokens.delete(token);
    for (const [token, record] of this.refreshTokens) if (record.grant.familyId === familyId) this.refreshTokens.delete(token);
  }
}
