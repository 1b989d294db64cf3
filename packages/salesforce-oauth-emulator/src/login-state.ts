/**
 * The memory of the login and approval pages: the emulator's browser sessions (a cookie),
 * authorize requests waiting on a page, and approvals remembered per user and app. No I/O.
 */
import { randomBytes } from 'node:crypto';
import type { AuthorizationRequest } from './authorization-request.js';
import { boundedSet } from './state.js';

/** How long a login may sit on the login or approval page. */
export const PENDING_AUTHORIZATION_TTL_MS = 10 * 60 * 1000;
const MAX_SESSIONS = 10_000;
const MAX_PENDING = 10_000;

/** The emulator's session with one browser. */
export interface BrowserSession {
  id: string;
  /** Every form posted in this session must carry it. */
  csrfToken: string;
  /** The logged-in user, if any. */
  userId: string | undefined;
}

/** An authorize request waiting for the user on the login or approval page. */
export interface PendingAuthorization {
  id: string;
  /** The browser session that started it; no other may continue it. */
  sessionId: string;
  authorization: AuthorizationRequest;
  /** The user logged in for this request (so `prompt=login` is satisfied). */
  loginDone: boolean;
  createdAtMs: number;
}

function newId(): string {
  return randomBytes(24).toString('base64url');
}

export interface LoginStateOptions {
  /**
   * The session cookie's name. Cookies are per host, not per port, so each emulator on a host
   * needs its own name to keep its sessions apart (and apart from the app's).
   */
  cookieName: string;
  /** Mark the cookie `Secure`, for an emulator served over HTTPS. Default: `false`. */
  secure?: boolean;
  /** Clock, ms. Default: `Date.now`. */
  now?: () => number;
}

/** Browser sessions, pending authorization requests and remembered approvals. No I/O. */
export class LoginState {
  readonly cookieName: string;
  /** The cookie's attributes after its value. */
  private readonly attributes: string;
  private readonly now: () => number;
  private readonly sessions = new Map<string, BrowserSession>();
  private readonly pending = new Map<string, PendingAuthorization>();
  /** `userId clientId` → scopes the user approved for the app. */
  private readonly approvals = new Map<string, Set<string>>();

  constructor(options: LoginStateOptions) {
    this.cookieName = options.cookieName;
    this.attributes = `Path=/; HttpOnly; SameSite=Lax${options.secure === true ? '; Secure' : ''}`;
    this.now = options.now ?? Date.now;
  }

  /** The session named by the request's cookie, if it is one of ours. */
  sessionFromCookie(cookieHeader: string | undefined): BrowserSession | undefined {
    for (const part of (cookieHeader ?? '').split(';')) {
      const equalsAt = part.indexOf('=');
      if (equalsAt === -1 || part.slice(0, equalsAt).trim() !== this.cookieName) continue;
      const session = this.sessions.get(part.slice(equalsAt + 1).trim());
      if (session !== undefined) return session;
    }
    return undefined;
  }

  newSession(): BrowserSession {
    const session: BrowserSession = { id: newId(), csrfToken: newId(), userId: undefined };
    boundedSet(this.sessions, session.id, session, MAX_SESSIONS);
    return session;
  }

  /**
   * Logs `userId` in under a new session id (so an id planted before the login is worthless),
   * carrying the browser's pending requests over.
   */
  logIn(old: BrowserSession, userId: string): BrowserSession {
    this.sessions.delete(old.id);
    const session: BrowserSession = { id: newId(), csrfToken: newId(), userId };
    boundedSet(this.sessions, session.id, session, MAX_SESSIONS);
    for (const pending of this.pending.values()) if (pending.sessionId === old.id) pending.sessionId = session.id;
    return session;
  }

  endSession(session: BrowserSession): void {
    this.sessions.delete(session.id);
    for (const [id, pending] of this.pending) if (pending.sessionId === session.id) this.pending.delete(id);
  }

  /** `Set-Cookie` for the session: the browser's only handle, never readable by script. */
  cookie(session: BrowserSession): string {
    return `${this.cookieName}=${session.id}; ${this.attributes}`;
  }

  clearCookie(): string {
    return `${this.cookieName}=; ${this.attributes}; Max-Age=0`;
  }

  addPending(session: BrowserSession, authorization: AuthorizationRequest, loginDone: boolean): PendingAuthorization {
    const now = this.now();
    for (const [id, pending] of this.pending) if (this.isExpired(pending, now)) this.pending.delete(id);
    const pending: PendingAuthorization = { id: newId(), sessionId: session.id, authorization, loginDone, createdAtMs: now };
    boundedSet(this.pending, pending.id, pending, MAX_PENDING);
    return pending;
  }

  /** A live pending request of this browser session. */
  findPending(id: string | undefined, session: BrowserSession): PendingAuthorization | undefined {
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (pending === undefined || pending.sessionId !== session.id) return undefined;
    if (this.isExpired(pending, this.now())) {
      this.pending.delete(pending.id);
      return undefined;
    }
    return pending;
  }

  /** Ends a pending request: it cannot be continued or replayed. */
  finish(pending: PendingAuthorization): void {
    this.pending.delete(pending.id);
  }

  hasApproval(userId: string, clientId: string, scopes: readonly string[]): boolean {
    const approved = this.approvals.get(`${userId} ${clientId}`);
    return approved !== undefined && scopes.every((scope) => approved.has(scope));
  }

  rememberApproval(userId: string, clientId: string, scopes: readonly string[]): void {
    const key = `${userId} ${clientId}`;
    this.approvals.set(key, new Set([...(this.approvals.get(key) ?? []), ...scopes]));
  }

  private isExpired(pending: PendingAuthorization, now: number): boolean {
    return now - pending.createdAtMs > PENDING_AUTHORIZATION_TTL_MS;
  }
}
