/**
 * Salesforce-shaped responses as plain values. Handlers return these; only the server writes
 * them to a socket, so every handler stays a function from request to response.
 */

export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';
const TEXT_CONTENT_TYPE = 'text/plain;charset=UTF-8';
export const HTML_CONTENT_TYPE = 'text/html;charset=UTF-8';

export function jsonResponse(status: number, value: unknown, extraHeaders: Record<string, string> = {}): EmulatorResponse {
  return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE, ...extraHeaders }, body: JSON.stringify(value) };
}

export function textResponse(status: number, body: string): EmulatorResponse {
  return { status, headers: { 'Content-Type': TEXT_CONTENT_TYPE }, body };
}

/**
 * An OAuth error as the token and revoke endpoints send it: RFC 6749 §5.2 JSON, HTTP 400 unless
 * told otherwise, and `Cache-Control: no-store` as in Salesforce's documented error example.
 */
export function oauthErrorResponse(error: string, description: string, status = 400): EmulatorResponse {
  return jsonResponse(status, { error, error_description: description }, { 'Cache-Control': 'no-store' });
}

/** `callback(value);` as JavaScript, for a `<script>` tag; the callback name must already be checked. */
export function jsonpResponse(callback: string, value: unknown): EmulatorResponse {
  return {
    status: 200,
    headers: { 'Content-Type': 'text/javascript;charset=UTF-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
    body: `${callback}(${JSON.stringify(value)});`,
  };
}

/** A successful token response: never cached, since it carries credentials. */
export function tokenResponse(body: Record<string, string>): EmulatorResponse {
  return jsonResponse(200, body, { 'Cache-Control': 'no-store' });
}

/**
 * `redirectUri` with `params` appended to its query, the way Salesforce redirects back:
 * URLSearchParams encoding (spaces as `+`), an existing query kept byte for byte, and the
 * parameters placed before any fragment.
 */
export function appendQuery(redirectUri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.append(name, value);
  const hashAt = redirectUri.indexOf('#');
  const base = hashAt === -1 ? redirectUri : redirectUri.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : redirectUri.slice(hashAt);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${query.toString()}${fragment}`;
}

export function redirectResponse(location: string): EmulatorResponse {
  // A registered callback may contain spaces or non-ASCII characters, which are not allowed in
  // a header: percent-encode just those, leaving existing escapes alone.
  const headerSafe = location.replace(/[^\x21-\x7e]/gu, (char) => encodeURIComponent(char));
  return { status: 302, headers: { Location: headerSafe, 'Cache-Control': 'no-store' }, body: '' };
}

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * The page Salesforce shows (at `/setup/secur/RemoteAccessErrorPage.apexp`) for authorize
 * errors it must not redirect: an unknown client or a missing or unregistered redirect_uri. It
 * shows what its query says, so it runs no script and cannot be framed.
 */
export function remoteAccessErrorPage(
  error: string,
  description: string,
  details: ReadonlyArray<readonly [string, string]> = [],
): EmulatorResponse {
  const body = `<!DOCTYPE html>
<html>
<head><meta charset="UTF-8"><title>Error | Salesforce</title></head>
<body>
<div id="content" data-page="/setup/secur/RemoteAccessErrorPage.apexp">
<h2 id="header">Remote Access Error</h2>
<p>There was a problem in setting up your remote access.</p>
<p class="error"><span class="errorcode">error=${escapeHtml(error)}</span><br>
<span class="errordescription">error_description=${escapeHtml(description)}</span></p>
${details.length === 0 ? '' : `<dl class="details">${details.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>\n`}</div>
</body>
</html>
`;
  return {
    status: 400,
    headers: {
      'Content-Type': HTML_CONTENT_TYPE,
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      'X-Frame-Options': 'DENY',
    },
    body,
  };
}

/** Salesforce's REST-style 404, used for every path the emulator does not serve. */
export function notFoundResponse(): EmulatorResponse {
  return jsonResponse(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
}

/** A maintenance page like the one Salesforce shows during planned downtime. */
export function maintenancePage(status: number): EmulatorResponse {
  const body = `<!DOCTYPE html>
<html>
<head><meta charset="UTF-8"><title>Salesforce - Down For Maintenance</title></head>
<body>
<h1>Down For Maintenance</h1>
<p>Salesforce is down for maintenance. We apologize for the inconvenience. Please try again later.</p>
</body>
</html>
`;
  return { status, headers: { 'Content-Type': HTML_CONTENT_TYPE }, body };
}
