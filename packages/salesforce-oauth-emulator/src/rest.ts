/**
 * A few REST API resources on the instance, enough for an app to show what its access token can
 * do: `GET /services/data/` (the versions, public as on Salesforce), and with a Bearer token the
 * version's resource list, `limits`, a User record, and the profile photo. A revoked or unknown
 * token gets Salesforce's 401 `INVALID_SESSION_ID`, so refresh-on-401 logic can be exercised.
 */
import { identityUrl, type EmulatorContext } from './context.js';
import { displayName, LATEST_API_VERSION, presentedAccessToken } from './identity.js';
import { toEighteenCharacterId } from './ids.js';
import type { EmulatorRequest } from './request.js';
import { jsonResponse, notFoundResponse, type EmulatorResponse } from './responses.js';
import { runSoql, type FieldValue } from './soql.js';
import type { ResolvedUser } from './types.js';

/** The REST API's memory: API calls made today, for `limits`. */
export class RestState {
  /** Salesforce's daily API request allocation of a Developer Edition org. */
  readonly dailyApiRequests = 15_000;
  apiRequestsMade = 0;
}

const OLDEST_API_VERSION = 31;
const SEASONS = ['Summer', 'Winter', 'Spring'] as const;

/** `GET /services/data/`: every version from 31.0 (Summer '14) to the latest, oldest first. */
export function apiVersions(): Array<{ label: string; url: string; version: string }> {
  const latest = Number.parseInt(LATEST_API_VERSION, 10);
  const versions = [];
  for (let major = OLDEST_API_VERSION; major <= latest; major++) {
    const k = major - OLDEST_API_VERSION;
    const year = 14 + Math.floor((k + 2) / 3);
    versions.push({ label: `${SEASONS[k % 3] ?? 'Summer'} '${year}`, url: `/services/data/v${major}.0`, version: `${major}.0` });
  }
  return versions;
}

const REST_ERRORS = {
  invalidSession: () => jsonResponse(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]),
  // The words Salesforce uses for a token without the `api` (or `full`) scope. [INF: status]
  notForRest: () =>
    jsonResponse(401, [{ message: 'This session is not valid for use with the REST API', errorCode: 'INVALID_SESSION_ID' }]),
  methodNotAllowed: (method: string) =>
    jsonResponse(405, [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${method}' not allowed. Allowed are GET,HEAD` }]),
};

/** The default profile photo: a person on a blue disc, like Salesforce's. */
const PHOTO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200"><rect width="200" height="200" fill="#7f8de1"/><circle cx="100" cy="78" r="38" fill="#fff"/><path d="M30 200c4-44 34-70 70-70s66 26 70 70z" fill="#fff"/></svg>`;

/** The User fields the emulator has, as the REST API names them, in Salesforce's order. */
const USER_FIELD_NAMES = [
  'Id',
  'Username',
  'LastName',
  'FirstName',
  'Name',
  'Email',
  'IsActive',
  'UserType',
  'TimeZoneSidKey',
  'LocaleSidKey',
  'LanguageLocaleKey',
] as const;
type UserField = (typeof USER_FIELD_NAMES)[number];

function userFields(user: ResolvedUser): Record<UserField, FieldValue> {
  const userType = user.userType === 'STANDARD' ? 'Standard' : user.userType.charAt(0) + user.userType.slice(1).toLowerCase();
  return {
    Id: user.userId,
    Username: user.username,
    LastName: user.lastName,
    FirstName: user.firstName,
    Name: displayName(user),
    Email: user.email,
    IsActive: user.active,
    UserType: userType,
    TimeZoneSidKey: user.timezone,
    LocaleSidKey: user.locale,
    LanguageLocaleKey: user.language,
  };
}

/** A User record as the REST API sends it: `attributes`, then `fields` (all of them by default). */
function userRecord(user: ResolvedUser, version: string, fields: readonly string[] = USER_FIELD_NAMES): Record<string, unknown> {
  const values: Record<string, FieldValue> = userFields(user);
  return {
    attributes: { type: 'User', url: `/services/data/v${version}/sobjects/User/${user.userId}` },
    ...Object.fromEntries(fields.map((field) => [field, values[field] ?? null])),
  };
}

const invalidField = (name: string): EmulatorResponse =>
  jsonResponse(400, [{ errorCode: 'INVALID_FIELD', message: `No such column '${name}' on entity 'User'.` }]);

/** The record with the fields `fields` names (case-insensitive), or an INVALID_FIELD error. */
function selectFields(user: ResolvedUser, version: string, fields: string | undefined): EmulatorResponse {
  if (fields === undefined) return jsonResponse(200, userRecord(user, version));
  const names: string[] = [];
  for (const wanted of fields
    .split(',')
    .map((field) => field.trim())
    .filter((field) => field !== '')) {
    const name = USER_FIELD_NAMES.find((field) => field.toLowerCase() === wanted.toLowerCase());
    if (name === undefined) return invalidField(wanted);
    names.push(name);
  }
  return jsonResponse(200, userRecord(user, version, names));
}

/**
 * `GET …/query?q=SELECT … FROM User …`: the org's users, through the SOQL subset of soql.ts,
 * answered in one batch (`done: true`).
 */
function queryUsers(request: EmulatorRequest, context: EmulatorContext, orgId: string, version: string): EmulatorResponse {
  const query = request.query.get('q');
  if (query === undefined || query.trim() === '') {
    return jsonResponse(400, [{ errorCode: 'MALFORMED_QUERY', message: 'A query string has to be specified' }]);
  }
  const users = context.state.users.filter((user) => user.orgId === orgId);
  const result = runSoql(query, 'User', USER_FIELD_NAMES, users, userFields);
  if (!result.ok) return jsonResponse(400, [result.error]);
  const records = result.count ? [] : result.items.map((user) => userRecord(user, version, result.fields));
  return jsonResponse(200, { totalSize: result.items.length, done: true, records });
}

function toId18(id: string): string | undefined {
  if (/^[A-Za-z0-9]{18}$/.test(id)) return id;
  return /^[A-Za-z0-9]{15}$/.test(id) ? toEighteenCharacterId(id) : undefined;
}

/** `/services/data/…` and `/profilephoto/…`, under any site prefix. */
export function handleRest(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  const rest = context.rest;
  if (request.method !== 'GET' && request.method !== 'HEAD') return REST_ERRORS.methodNotAllowed(request.method);
  const path = request.path.slice(request.sitePrefix.length);

  if (path.startsWith('/profilephoto/')) {
    // A photo may go in an <img> tag, so its token may come in the query; the API's may not.
    if (presentedAccessToken(request, context, { query: true }) === undefined) return REST_ERRORS.invalidSession();
    return { status: 200, headers: { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'private, max-age=300' }, body: PHOTO_SVG };
  }
  if (path === '/services/data' || path === '/services/data/') return jsonResponse(200, apiVersions());

  const access = presentedAccessToken(request, context);
  if (access === undefined) return REST_ERRORS.invalidSession();
  const scopes = access.grant.scope.split(' ');
  if (!scopes.includes('api') && !scopes.includes('full')) return REST_ERRORS.notForRest();

  const match = /^\/services\/data\/v(\d{2,3})\.0(\/.*)?$/.exec(path);
  const major = match === null ? NaN : Number(match[1]);
  if (match === null || major < OLDEST_API_VERSION || major > Number.parseInt(LATEST_API_VERSION, 10)) return notFoundResponse();
  const version = `${major}.0`;
  const resource = (match[2] ?? '/').replace(/\/+$/, '') || '/';

  if (resource === '/limits') {
    return jsonResponse(200, {
      DailyApiRequests: { Max: rest.dailyApiRequests, Remaining: Math.max(0, rest.dailyApiRequests - rest.apiRequestsMade) },
      DailyAsyncApexExecutions: { Max: 250_000, Remaining: 250_000 },
      DailyBulkApiBatches: { Max: 15_000, Remaining: 15_000 },
      DataStorageMB: { Max: 5, Remaining: 5 },
      FileStorageMB: { Max: 20, Remaining: 20 },
    });
  }
  rest.apiRequestsMade++;
  if (resource === '/') {
    const base = `/services/data/v${version}`;
    return jsonResponse(200, {
      limits: `${base}/limits`,
      sobjects: `${base}/sobjects`,
      query: `${base}/query`,
      identity: identityUrl(context, access.grant.orgId, access.grant.userId),
    });
  }
  if (resource === '/query') return queryUsers(request, context, access.grant.orgId, version);
  const user = /^\/sobjects\/User\/([^/]+)$/i.exec(resource);
  if (user !== null) {
    const id = toId18(user[1] ?? '');
    const found = id === undefined ? undefined : context.state.findUserById(id);
    if (found === undefined) return notFoundResponse();
    return selectFields(found, version, request.query.get('fields'));
  }
  return notFoundResponse();
}
