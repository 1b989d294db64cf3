/**
 * The identity URL, `/id/{orgId}/{userId}` (salesforce-behaviour.md §6).
 */
import type { EmulatorContext } from './context.js';
import { displayName, nickName, profilePhotos, profileUrl } from './profile-fields.js';
import { identityUrl } from './urls.js';
import { inFormat, negotiateFormat } from './formats.js';
import type { EmulatorRequest } from './request.js';
import { parseBearerToken } from './request.js';
import { jsonResponse, textResponse, type EmulatorResponse } from './responses.js';
import type { AccessTokenRecord } from './state.js';
import type { ResolvedUser } from './types.js';

/** What `version=latest` stands for: the API version of Spring '26. */
export const LATEST_API_VERSION = '66.0';

/** Where else than `Authorization: Bearer` (or `OAuth`) an endpoint accepts the access token. */
export interface AccessTokenParameters {
  /** An `oauth_token` query parameter. Default: `false`. */
  query?: boolean;
  /** An `oauth_token` form field. Default: `false`. */
  body?: boolean;
}

/**
 * The live access token a request presents, from `Authorization: Bearer` (or `OAuth`), else from
 * an `oauth_token` parameter where `accepted` allows it; `undefined` when it is missing, unknown
 * or revoked.
 */
export function presentedAccessToken(
  request: EmulatorRequest,
  context: EmulatorContext,
  accepted: AccessTokenParameters = {},
): AccessTokenRecord | undefined {
  const token =
    parseBearerToken(request.headers.authorization) ??
    (accepted.query === true ? request.query.get('oauth_token') : undefined) ??
    (accepted.body === true ? request.body.get('oauth_token') : undefined);
  return token === undefined ? undefined : context.state.findAccessToken(token);
}

/**
 * The `urls` block. Without a version the values keep Salesforce's literal `{version}`
 * placeholder; note the mixed forms: `v{version}` in REST URLs, bare `{version}` plus the
 * 15-character org id in SOAP ones.
 */
export function identityUrls(instanceUrl: string, orgId: string, userId: string, version = '{version}'): Record<string, string> {
  const org15 = orgId.slice(0, 15);
  const rest = `${instanceUrl}/services/data/v${version}`;
  return {
    enterprise: `${instanceUrl}/services/Soap/c/${version}/${org15}`,
    metadata: `${instanceUrl}/services/Soap/m/${version}/${org15}`,
    partner: `${instanceUrl}/services/Soap/u/${version}/${org15}`,
    rest: `${rest}/`,
    sobjects: `${rest}/sobjects/`,
    search: `${rest}/search/`,
    query: `${rest}/query/`,
    recent: `${rest}/recent/`,
    tooling_soap: `${instanceUrl}/services/Soap/T/${version}/${org15}`,
    tooling_rest: `${rest}/tooling/`,
    profile: profileUrl(instanceUrl, userId),
    feeds: `${rest}/chatter/feeds`,
    groups: `${rest}/chatter/groups`,
    users: `${rest}/chatter/users`,
    feed_items: `${rest}/chatter/feed-items`,
    feed_elements: `${rest}/chatter/feed-elements`,
    custom_domain: instanceUrl,
  };
}

/** The offset of a time zone from UTC at `at`, in ms. */
function offsetAt(timeZone: string, at: Date): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((part) => part.type === 'timeZoneName')?.value;
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name ?? '');
  if (match === null) return 0; // "GMT" itself
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return (match[1] === '-' ? -1 : 1) * minutes * 60_000;
}

/**
 * `utcOffset`: the zone's standard (non-daylight) offset, like Java's `TimeZone.getRawOffset()`,
 * so it doesn't change with the season (America/Los_Angeles is always -28800000).
 */
export function standardUtcOffsetMs(timeZone: string, now = new Date()): number {
  const year = now.getUTCFullYear();
  return Math.min(offsetAt(timeZone, new Date(Date.UTC(year, 0, 1))), offsetAt(timeZone, new Date(Date.UTC(year, 6, 1))));
}

interface IdentityDocumentOptions {
  /** The identity URL itself (the token response's `id`). */
  id: string;
  instanceUrl: string;
  /** Replaces `{version}` in `urls`; omitted keeps the placeholder. */
  version?: string;
}

/** The identity JSON, with the field set and types of Salesforce's (Mobile SDK fixture). */
function identityDocument(user: ResolvedUser, options: IdentityDocumentOptions): Record<string, unknown> {
  const { instanceUrl } = options;
  return {
    id: options.id,
    asserted_user: true,
    user_id: user.userId,
    organization_id: user.orgId,
    username: user.username,
    nick_name: nickName(user),
    display_name: displayName(user),
    email: user.email,
    email_verified: user.emailVerified,
    first_name: user.firstName,
    last_name: user.lastName,
    timezone: user.timezone,
    photos: profilePhotos(instanceUrl),
    addr_street: null,
    addr_city: null,
    addr_state: null,
    addr_country: null,
    addr_zip: null,
    mobile_phone: null,
    mobile_phone_verified: false,
    is_lightning_login_user: false,
    status: { created_date: null, body: null },
    urls: identityUrls(instanceUrl, user.orgId, user.userId, options.version),
    active: user.active,
    user_type: user.userType,
    language: user.language,
    locale: user.locale,
    utcOffset: standardUtcOffsetMs(user.timezone),
    last_modified_date: user.lastModifiedDate,
    is_app_installed: true,
  };
}

/** A 15- or 18-character id in the path names the same record as the 18-character `id`. */
function sameId(pathId: string, id18: string): boolean {
  return pathId === id18 || pathId === id18.slice(0, 15);
}

/** `version`: a number such as `59.0`, or `latest`; anything else is `undefined`. */
export function resolveApiVersion(version: string): string | undefined {
  if (version === 'latest') return LATEST_API_VERSION;
  return /^\d{1,3}(?:\.\d{1,2})?$/.test(version) ? version : undefined;
}

/**
 * GET (or POST) the identity URL, in JSON or XML as `format` asks, else as `Accept` asks (which
 * may also ask for URL encoding), else JSON (salesforce-behaviour.md §6). Errors stay plain text.
 */
export function handleIdentity(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  const param = (name: string): string | undefined => request.query.get(name) ?? request.body.get(name);
  const format = negotiateFormat(param('format'), request.headers.accept, ['json', 'xml']);
  return inFormat(identityAnswer(request, context, param), format, 'user');
}

function identityAnswer(request: EmulatorRequest, context: EmulatorContext, param: (name: string) => string | undefined): EmulatorResponse {
  const accessToken = presentedAccessToken(request, context, { query: true, body: true });
  if (accessToken === undefined) return textResponse(403, 'Bad_OAuth_Token');

  const { grant } = accessToken;
  const ids = request.identityIds;
  const user = context.state.findUserById(grant.userId);
  if (ids === undefined || user === undefined || !sameId(ids.orgId, grant.orgId) || !sameId(ids.userId, grant.userId)) {
    return textResponse(404, 'Bad_Id');
  }

  const requestedVersion = param('version');
  const version = requestedVersion === undefined ? undefined : resolveApiVersion(requestedVersion);
  if (requestedVersion !== undefined && version === undefined) return textResponse(406, 'Invalid_Version');

  return jsonResponse(
    200,
    identityDocument(user, { id: identityUrl(context, grant.orgId, grant.userId), instanceUrl: context.instanceUrl, version }),
  );
}
