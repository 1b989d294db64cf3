import * as http from 'node:http';
import * as https from 'node:https';
import {
  SalesforceNetworkError,
  SalesforceOAuthError,
  SalesforceResponseError,
  SalesforceTimeoutError,
  type SalesforceEndpoint,
} from './errors.js';
import type { TokenResponse } from './types.js';

/**
 * Every HTTP call to Salesforce goes through this module. It uses `node:http(s)` with keep-alive
 * agents: on Node 20 it handles about three times the calls per second of the global `fetch`
 * against the same server, and one timer bounds the whole exchange, body included.
 */

/**
 * How long an idle keep-alive connection is kept: below the idle limits of load balancers and
 * proxies (Node servers close at 5 s, most balancers at 60 s or more), so the client closes first
 * rather than sending a request on a connection the other side is closing.
 */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

/** The default agents, one per protocol, shared by every strategy in the process. */
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS }),
};

/**
 * Errors of a request sent on a reused keep-alive connection that the server closed as the
 * request arrived (its idle timer fired before the request reached it). A GET (identity, keys)
 * then goes again on a new connection, once. A POST never does: a server that read it and then
 * dropped the connection looks the same, and a refresh sent twice with rotation on would spend
 * the refresh token the first answer replaced.
 */
const CLOSED_CONNECTION_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);

function closedByServer(call: HttpCall, request: http.ClientRequest, error: Error): boolean {
  return call.method === 'GET' && request.reusedSocket && CLOSED_CONNECTION_CODES.has((error as NodeJS.ErrnoException).code ?? '');
}

/** Larger answers are not Salesforce's OAuth JSON; stop reading instead of buffering them. */
const MAX_BODY_BYTES = 1024 * 1024;

interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** How a call to Salesforce is made. */
export interface CallOptions {
  /** Bound on the whole exchange, in ms. */
  timeout: number;
  /** The app's agent (a proxy, a private CA, mutual TLS); the keep-alive agents above when absent. */
  agent?: http.Agent | undefined;
}

interface HttpCall extends CallOptions {
  endpoint: SalesforceEndpoint;
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

function send(call: HttpCall): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const transport = call.url.protocol === 'https:' ? https : http;
    const agent = call.agent ?? (call.url.protocol === 'https:' ? agents['https:'] : agents['http:']);
    let settled = false;
    let request: http.ClientRequest;
    const finish = (error: Error | undefined, answer?: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(answer as HttpAnswer);
    };
    const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
    if (call.body !== undefined) headers['content-length'] = String(Buffer.byteLength(call.body));
    const attempt = (retry: boolean): void => {
      let answered = false;
      request = transport.request(call.url, { method: call.method, headers, agent }, (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            finish(new SalesforceResponseError(call.endpoint, response.statusCode ?? 0, 'the answer is larger than 1 MiB'));
            request.destroy();
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          finish(undefined, {
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.on('error', (error) => finish(new SalesforceNetworkError(call.endpoint, error)));
        response.on('aborted', () => finish(new SalesforceNetworkError(call.endpoint, new Error('aborted'))));
      });
      request.on('error', (error) => {
        if (retry && !answered && !settled && closedByServer(call, request, error)) attempt(false);
        else finish(new SalesforceNetworkError(call.endpoint, error));
      });
      request.end(call.body);
    };
    // One timer bounds the whole exchange, a second attempt included.
    const timer = setTimeout(() => {
      finish(new SalesforceTimeoutError(call.endpoint, call.timeout));
      request.destroy();
    }, call.timeout);
    attempt(true);
  });
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function describeUnusableBody(answer: HttpAnswer): string {
  if (answer.body.trim() === '') return 'empty body';
  if (/html/i.test(answer.contentType) || /^\s*</.test(answer.body)) return 'an HTML page instead of JSON';
  return 'a body that is not a JSON object';
}

/** Form fields whose values are secrets: never repeated in an error, whatever the answer says. */
const SECRET_FIELDS = ['code', 'code_verifier', 'client_secret', 'client_assertion', 'refresh_token', 'token'];

/**
 * Real codes, verifiers, tokens and secrets are dozens of characters long. A shorter value (a
 * hostile callback's `code=_`) is no secret, and redacting it would garble Salesforce's own
 * words (`invalid_grant`).
 */
const MIN_SECRET_LENGTH = 16;

function formSecrets(form: Record<string, string>): string[] {
  return SECRET_FIELDS.map((field) => form[field] ?? '').filter((value) => value.length >= MIN_SECRET_LENGTH);
}

/** A regex source for `text` with its `%XY` escapes matching in either case (no quantifier: linear). */
function percentEscapesInAnyCase(text: string): string {
  return text
    .split(/(%[0-9A-F]{2})/)
    .map((part) =>
      part.startsWith('%') && part.length === 3
        ? `%[${part[1]}${(part[1] ?? '').toLowerCase()}][${part[2]}${(part[2] ?? '').toLowerCase()}]`
        : part.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'),
    )
    .join('');
}

/**
 * The forms in which an answer may repeat a secret and have it redacted: as sent; percent-encoded
 * or form-encoded, with escapes in either case, once or twice; base64 and base64url, padded or
 * not. Other encodings (HTML entities, …) and parts of a secret are not recognised.
 */
function secretPattern(secret: string): RegExp {
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  const unpadded = base64.includes('=') ? base64.slice(0, base64.indexOf('=')) : base64;
  const literal = [secret, base64, unpadded, Buffer.from(secret, 'utf8').toString('base64url')].map(percentEscapesInAnyCase);
  const escaped = [percent, form, encodeURIComponent(percent), encodeURIComponent(form)].map(percentEscapesInAnyCase);
  // Longest first, so a form that contains another is replaced whole.
  const sources = [...new Set([...literal, ...escaped])].sort((a, b) => b.length - a.length);
  return new RegExp(sources.join('|'), 'g');
}

/** `text` with every secret of the call, in the forms of `secretPattern`, replaced by `[redacted]`. */
function redact(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) redacted = redacted.replace(secretPattern(secret), '[redacted]');
  return redacted;
}

/**
 * Turns an error answer into a typed error: Salesforce's OAuth error JSON keeps its words; a
 * bare error code in plain text (the identity URL's `Bad_OAuth_Token`) becomes the `error`. An
 * answer that repeats a secret of the call (a faulty server or proxy echoing the request) has
 * it redacted, so the error stays safe to log.
 */
function errorFor(endpoint: SalesforceEndpoint, answer: HttpAnswer, secrets: readonly string[]): Error {
  const json = parseJsonObject(answer.body);
  if (json && typeof json.error === 'string') {
    const description = typeof json.error_description === 'string' ? json.error_description : '';
    return new SalesforceOAuthError(endpoint, answer.status, redact(json.error, secrets), redact(description, secrets));
  }
  const plainCode = answer.body.trim();
  if (answer.status >= 400 && answer.status < 500 && /^[A-Za-z_]{1,64}$/.test(plainCode) && redact(plainCode, secrets) === plainCode) {
    return new SalesforceOAuthError(endpoint, answer.status, plainCode, '');
  }
  return new SalesforceResponseError(endpoint, answer.status, describeUnusableBody(answer));
}

/**
 * The app's reading of an error answer (passport-oauth2's `parseErrorResponse`), given the body
 * with the call's secrets redacted: an `Error` replaces the typed error; anything else, or a
 * throw, keeps it.
 */
export type ErrorAnswerParser = (body: string, status: number) => Error | null | undefined;

function appError(answer: HttpAnswer, secrets: readonly string[], parseError: ErrorAnswerParser | undefined): Error | undefined {
  if (!parseError) return undefined;
  try {
    const error = parseError(redact(answer.body, secrets), answer.status);
    return error instanceof Error ? error : undefined;
  } catch {
    // As in passport-oauth2: a parser that cannot read the answer leaves the default error.
    return undefined;
  }
}

function jsonAnswer(
  endpoint: SalesforceEndpoint,
  answer: HttpAnswer,
  secrets: readonly string[],
  parseError?: ErrorAnswerParser,
): Record<string, unknown> {
  if (answer.status < 200 || answer.status > 299) throw appError(answer, secrets, parseError) ?? errorFor(endpoint, answer, secrets);
  const json = parseJsonObject(answer.body);
  if (!json) throw new SalesforceResponseError(endpoint, answer.status, describeUnusableBody(answer));
  return json;
}

function postForm(endpoint: SalesforceEndpoint, url: URL, form: Record<string, string>, options: CallOptions): Promise<HttpAnswer> {
  return send({
    endpoint,
    url,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    timeout: options.timeout,
    agent: options.agent,
  });
}

async function getJson(
  endpoint: SalesforceEndpoint,
  url: URL,
  headers: Record<string, string>,
  options: CallOptions,
  secrets: readonly string[],
): Promise<{ json: Record<string, unknown>; raw: string }> {
  const answer = await send({ endpoint, url, method: 'GET', headers, timeout: options.timeout, agent: options.agent });
  return { json: jsonAnswer(endpoint, answer, secrets), raw: answer.body };
}

/** Options of a token request. */
export interface TokenCallOptions extends CallOptions {
  /** Reads an error answer before the default typed error is made. */
  parseError?: ErrorAnswerParser | undefined;
}

/** POSTs a form to the token endpoint and returns its JSON, which must carry an `access_token`. */
export async function requestToken(
  endpoint: 'token' | 'refresh',
  url: URL,
  form: Record<string, string>,
  options: TokenCallOptions,
): Promise<TokenResponse> {
  const answer = await postForm(endpoint, url, form, options);
  const json = jsonAnswer(endpoint, answer, formSecrets(form), options.parseError);
  if (typeof json.access_token !== 'string' || json.access_token === '') {
    throw new SalesforceResponseError(endpoint, answer.status, 'no access_token in the answer');
  }
  // RFC 6749 A.12: access-token = 1*VSCHAR. Anything else (CR/LF, controls, non-ASCII) cannot be
  // sent back in an Authorization header, so it is a broken answer, not a token.
  if (!/^[\x20-\x7e]+$/.test(json.access_token)) {
    throw new SalesforceResponseError(endpoint, answer.status, 'the access_token is not an RFC 6749 token');
  }
  return json as TokenResponse;
}

/**
 * GETs a JSON resource of the user's (the identity URL, UserInfo, the Chatter photo) with the
 * access token in the `Authorization` header (never the query string): `authorization` is the
 * header's value, `Bearer {accessToken}` unless the app chose another scheme.
 */
export function fetchWithToken(
  endpoint: 'identity' | 'userinfo' | 'photo',
  url: URL,
  accessToken: string,
  authorization: string,
  options: CallOptions,
): Promise<{ json: Record<string, unknown>; raw: string }> {
  return getJson(endpoint, url, { authorization }, options, [accessToken]);
}

/** GETs a JSON Web Key Set (`/id/keys`). */
export async function fetchKeys(url: URL, options: CallOptions): Promise<Record<string, unknown>> {
  return (await getJson('keys', url, {}, options, [])).json;
}

/** POSTs `token=` to the revoke endpoint; resolves when Salesforce answered 200. */
export async function revokeToken(url: URL, token: string, options: CallOptions): Promise<void> {
  const answer = await postForm('revoke', url, { token }, options);
  if (answer.status !== 200) throw errorFor('revoke', answer, [token]);
}
