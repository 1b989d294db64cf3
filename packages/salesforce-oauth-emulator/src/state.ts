/**
 * The emulated org's memory: Connected Apps, users, authorization codes and tokens. No I/O; the
 * only impurity is the wall clock and random token generation.
 */
import type { EmulatorConnectedApp, EmulatorUser, ResolvedUser } from './types.js';
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
  'api', 'web', 'full', 'id', 'profile', 'email', 'address', 'phone', 'openid', 'refresh_token',
  'offline_access', 'chatter_api', 'visualforce', 'custom_permissions', 'wave_api', 'eclair_api',
  'pardot_api', 'lightning', 'content', 'cdp_api', 'sfap_api',
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
  acceptBasicAuthForCodeGrant: boolean;
  blocked: boolean;
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
  /** Wall-clock issue time, ms. */
  issuedAtMs: number;
  nonce: string | undefined;
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
}

export interface AccessTokenRecord {
  token: string;
  grant: Grant;
}

export interface RefreshTokenRecord {
  token: string;
  grant: Grant;
  /** Replaced by a newer refresh token under rotation: presenting it again is a reuse. */
  rotatedOut: boolean;
}

export type RefreshTokenLookup =
  | { kind: 'valid'; record: RefreshTokenRecord }
  | { kind: 'invalid' }
  /** A rotated-out token was presented again: its whole family has just been revoked. */
  | { kind: 'reused' };

export interface EmulatorSettings {
  orgId: string;
  codeLifetimeSeconds: number;
  allowPlainPkce: boolean;
  rejectVerifierWithoutChallenge: boolean;
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
  /** Added to every code's age by `advanceClock`. */
  private clockOffsetMs = 0;

  constructor(settings: EmulatorSettings) {
    this.settings = settings;
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

  advanceClock(seconds: number): void {
    if (!Number.isFinite(seconds)) throw new RangeError('advanceClock(seconds): seconds must be a finite number');
    this.clockOffsetMs += seconds * 1000;
  }

  private isCodeExpired(record: AuthorizationCodeRecord): boolean {
    const ageMs = Date.now() - record.issuedAtMs + this.clockOffsetMs;
    return ageMs > this.settings.codeLifetimeSeconds * 1000;
  }

  issueCode(fields: Omit<AuthorizationCodeRecord, 'code' | 'issuedAtMs'>): AuthorizationCodeRecord {
    // Expired codes are forgotten here, so unexchanged codes never pile up beyond a code lifetime's worth.
    for (const [code, record] of this.codes) if (this.isCodeExpired(record)) this.codes.delete(code);
    const record: AuthorizationCodeRecord = { ...fields, code: newAuthorizationCode(), issuedAtMs: Date.now() };
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
    };
  }

  issueAccessToken(grant: Grant): AccessTokenRecord {
    const record: AccessTokenRecord = { token: newAccessToken(grant.orgId), grant };
    boundedSet(this.accessTokens, record.token, record, MAX_TOKENS);
    return record;
  }

  issueRefreshToken(grant: Grant): RefreshTokenRecord {
    const record: RefreshTokenRecord = { token: newRefreshToken(), grant, rotatedOut: false };
    boundedSet(this.refreshTokens, record.token, record, MAX_TOKENS);
    return record;
  }

  /** A live (known, unrevoked) access token. */
  findAccessToken(token: string): AccessTokenRecord | undefined {
    return this.accessTokens.get(token);
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
    return { kind: 'valid', record };
  }

  /** Replaces `old` with a new refresh token of the same family. */
  rotateRefreshToken(old: RefreshTokenRecord): RefreshTokenRecord {
    old.rotatedOut = true;
    return this.issueRefreshToken(old.grant);
  }

  /**
   * Revokes a token as the revoke endpoint does: an access token alone, a refresh token with
   * every token of its family. `false` when the token is unknown or no longer valid.
   */
  revokeToken(token: string): boolean {
    if (this.accessTokens.delete(token)) return true;
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
