/**
 * The REST API calls clients make around a login and an app's first API calls
 * (salesforce-behaviour.md §11): `GET /services/data/` (the versions, public as on Salesforce), and
 * with a Bearer token the version's resources, `limits`, SOQL `query` (with the CLI's
 * `columns=true`), `sobjects` (describe global, basic information, describe, records), the
 * front door (`/services/oauth2/singleaccess`, `/secur/frontdoor.jsp`) and the profile photo.
 * Every answer with a token carries `Sforce-Limit-Info`. A revoked or unknown token gets
 * Salesforce's 401 `INVALID_SESSION_ID`, so refresh-on-401 logic can be exercised. Anything else
 * under a version is answered `NOT_EMULATED`, never a 404 that reads as the app's mistake.
 */
import type { EmulatorContext } from './context.js';
import { LATEST_API_VERSION, presentedAccessToken } from './identity.js';
import { newHandle, toEighteenCharacterId } from './ids.js';
import { messagePage } from './pages.js';
import type { EmulatorRequest } from './request.js';
import { jsonResponse, notFoundResponse, type EmulatorResponse } from './responses.js';
import { runSoql } from './soql.js';
import {
  basicInfo,
  columnMetadata,
  describeGlobal,
  describeObject,
  findSObject,
  recordJson,
  rowsOf,
  SOBJECTS,
  type OrgData,
} from './sobjects.js';
import type { AccessTokenRecord } from './state.js';
import { identityUrl, trimTrailingSlashes } from './urls.js';

import { FRONT_DOOR_TTL_MS, type RestState } from './rest-state.js';

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
  notEmulated: (what: string) =>
    jsonResponse(501, [
      {
        errorCode: 'NOT_EMULATED',
        message: `${what} is not emulated by salesforce-oauth-emulator, which serves: limits, query, sobjects (Organization, Profile, User) and the front door. Test this call against a Salesforce org.`,
      },
    ]),
  invalidSession: () => jsonResponse(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]),
  // The words Salesforce uses for a token without the `api` (or `full`) scope. [INF: status]
  notForRest: () =>
    jsonResponse(401, [{ message: 'This session is not valid for use with the REST API', errorCode: 'INVALID_SESSION_ID' }]),
  methodNotAllowed: (method: string) =>
    jsonResponse(405, [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${method}' not allowed. Allowed are GET,HEAD` }]),
};

/** The default profile photo: a person on a blue disc, like Salesforce's. */
const PHOTO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200"><rect width="200" height="200" fill="#7f8de1"/><circle cx="100" cy="78" r="38" fill="#fff"/><path d="M30 200c4-44 34-70 70-70s66 26 70 70z" fill="#fff"/></svg>`;

/**
 * The limits an org reports, with a Developer Edition's allocations (salesforce-behaviour.md
 * §11.6); only the API requests are counted, the rest stay unused.
 */
const ORG_LIMITS: ReadonlyArray<readonly [string, number]> = [
  ['ActiveScratchOrgs', 3],
  ['AnalyticsExternalDataSizeMB', 40_960],
  ['ConcurrentAsyncGetReportInstances', 200],
  ['ConcurrentSyncReportRuns', 20],
  ['DailyAnalyticsDataflowJobExecutions', 60],
  ['DailyApiRequests', 15_000],
  ['DailyAsyncApexExecutions', 250_000],
  ['DailyAsyncApexTests', 500],
  ['DailyBulkApiBatches', 15_000],
  ['DailyBulkV2QueryFileStorageMB', 976_562],
  ['DailyBulkV2QueryJobs', 10_000],
  ['DailyDeliveredPlatformEvents', 10_000],
  ['DailyDurableGenericStreamingApiEvents', 10_000],
  ['DailyDurableStreamingApiEvents', 10_000],
  ['DailyGenericStreamingApiEvents', 10_000],
  ['DailyScratchOrgs', 6],
  ['DailyStandardVolumePlatformEvents', 10_000],
  ['DailyStreamingApiEvents', 10_000],
  ['DailyWorkflowEmails', 390],
  ['DataStorageMB', 5],
  ['DurableStreamingApiConcurrentClients', 20],
  ['FileStorageMB', 20],
  ['HourlyAsyncReportRuns', 1_200],
  ['HourlyDashboardRefreshes', 200],
  ['HourlyDashboardResults', 5_000],
  ['HourlyDashboardStatuses', 999_999_999],
  ['HourlyLongTermIdMapping', 100_000],
  ['HourlyODataCallout', 10_000],
  ['HourlyPublishedPlatformEvents', 50_000],
  ['HourlyPublishedStandardVolumePlatformEvents', 100_000],
  ['HourlyShortTermIdMapping', 100_000],
  ['HourlySyncReportRuns', 500],
  ['HourlyTimeBasedWorkflow', 50],
  ['MassEmail', 10],
  ['MonthlyPlatformEventsUsageEntitlement', 0],
  ['Package2VersionCreates', 6],
  ['Package2VersionCreatesWithoutValidation', 500],
  ['PermissionSetsAssigned', 1_500],
  ['SingleEmail', 15],
  ['StreamingApiConcurrentClients', 20],
];

function limits(rest: RestState): Record<string, { Max: number; Remaining: number }> {
  return Object.fromEntries(
    ORG_LIMITS.map(([name, max]) => [
      name,
      { Max: max, Remaining: name === 'DailyApiRequests' ? Math.max(0, max - rest.apiRequestsMade) : max },
    ]),
  );
}

function toId18(id: string): string | undefined {
  if (/^[A-Za-z0-9]{18}$/.test(id)) return id;
  return /^[A-Za-z0-9]{15}$/.test(id) ? toEighteenCharacterId(id) : undefined;
}

function orgData(context: EmulatorContext, orgId: string): OrgData {
  return { orgId, users: context.state.users };
}

/**
 * `GET …/query?q=…`: the SOQL of soql.ts over the emulated objects, in one batch (`done: true`);
 * with `columns=true`, the columns the query selects instead, as the Salesforce CLI asks first.
 */
function query(request: EmulatorRequest, context: EmulatorContext, orgId: string, version: string): EmulatorResponse {
  const soql = request.query.get('q');
  if (soql === undefined || soql.trim() === '') {
    return jsonResponse(400, [{ errorCode: 'MALFORMED_QUERY', message: 'A query string has to be specified' }]);
  }
  const org = orgData(context, orgId);
  const result = runSoql(soql, SOBJECTS, (object) => rowsOf(object, org), context.state.now());
  if (!result.ok) return jsonResponse(result.error.errorCode === 'NOT_EMULATED' ? 501 : 400, [result.error]);
  const paths = result.columns.map((column) => column.path);
  if (request.query.get('columns') === 'true') {
    return jsonResponse(200, {
      columnMetadata: result.count ? [] : columnMetadata(result.object, paths),
      entityName: result.object.name,
      groupBy: false,
      idSelected: paths.some((path) => path.length === 1 && path[0] === 'Id'),
      keyPrefix: null,
    });
  }
  const records = result.count ? [] : result.rows.map((row) => recordJson(result.object, row, paths, version));
  return jsonResponse(200, { totalSize: result.rows.length, done: true, records });
}

/** `…/sobjects`, `…/sobjects/{name}`, `…/sobjects/{name}/describe`, `…/sobjects/{name}/{id}[?fields=…]`. */
function sobjects(request: EmulatorRequest, context: EmulatorContext, orgId: string, version: string, path: string): EmulatorResponse {
  if (path === '') return jsonResponse(200, describeGlobal(version));
  const [name = '', rest, ...beyond] = path.slice(1).split('/');
  const object = findSObject(name);
  if (object === undefined) {
    return REST_ERRORS.notEmulated(`The sObject type '${name}'`);
  }
  if (rest === undefined) return jsonResponse(200, basicInfo(object, version));
  if (beyond.length > 0) return REST_ERRORS.notEmulated(`'${request.path}'`);
  if (rest === 'describe') return jsonResponse(200, describeObject(object, version));
  const id = toId18(rest);
  const row = id === undefined ? undefined : rowsOf(object, orgData(context, orgId)).find((candidate) => candidate['Id'] === id);
  if (row === undefined) return jsonResponse(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  const fields = request.query.get('fields');
  const names: string[] = [];
  for (const wanted of (fields ?? object.fields.map((f) => f.name).join(','))
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '')) {
    const known = object.fields.find((f) => f.name.toLowerCase() === wanted.toLowerCase());
    if (known === undefined) {
      return jsonResponse(400, [
        {
          errorCode: 'INVALID_FIELD',
          message: `No such column '${wanted}' on entity '${object.name}'. (salesforce-oauth-emulator has only these ${object.name} fields: ${object.fields.map((f) => f.name).join(', ')}; a field Salesforce has beyond these is not emulated.)`,
        },
      ]);
    }
    names.push(known.name);
  }
  return jsonResponse(
    200,
    recordJson(
      object,
      row,
      names.map((n) => [n]),
      version,
    ),
  );
}

/**
 * `GET /services/oauth2/singleaccess`: a single-use front door URL for the token's user
 * (salesforce-behaviour.md §11.7), which `sf org open` prints.
 */
function singleAccess(request: EmulatorRequest, context: EmulatorContext, access: AccessTokenRecord): EmulatorResponse {
  const otp = newHandle();
  const now = context.state.now();
  for (const [key, door] of context.rest.frontDoors) if (door.expiresAtMs <= now) context.rest.frontDoors.delete(key);
  context.rest.frontDoors.set(otp, { userId: access.grant.userId, expiresAtMs: now + FRONT_DOOR_TTL_MS });
  const url = new URL(`${context.instanceUrl}${request.sitePrefix}/secur/frontdoor.jsp`);
  url.searchParams.set('otp', otp);
  const startUrl = request.query.get('redirect_uri');
  if (startUrl !== undefined) url.searchParams.set('startURL', startUrl);
  return jsonResponse(200, { frontdoor_uri: url.href });
}

/**
 * `GET /secur/frontdoor.jsp?otp=…`: takes the one-time password, and says that what it would open,
 * Salesforce's own pages, is not emulated.
 */
function frontDoor(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  const otp = request.query.get('otp') ?? '';
  const door = context.rest.frontDoors.get(otp);
  context.rest.frontDoors.delete(otp);
  const user = door === undefined || door.expiresAtMs <= context.state.now() ? undefined : context.state.findUserById(door.userId);
  if (user === undefined) {
    return messagePage('Link expired', 'This front door link was already used or has expired. Ask for a new one (sf org open).', 400);
  }
  return messagePage(
    'Front door',
    `This front door link for ${user.username} works. What it opens on Salesforce, its own pages (Setup, Lightning), is not emulated by salesforce-oauth-emulator.`,
    200,
  );
}

/** `/services/data/…`, `/profilephoto/…` and the front door, under any site prefix. */
export function handleRest(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  const rest = context.rest;
  if (request.method !== 'GET' && request.method !== 'HEAD') return REST_ERRORS.methodNotAllowed(request.method);
  const path = request.path.slice(request.sitePrefix.length);

  if (path.startsWith('/profilephoto/')) {
    // A photo may go in an <img> tag, so its token may come in the query; the API's may not.
    if (presentedAccessToken(request, context, { query: true }) === undefined) return REST_ERRORS.invalidSession();
    return { status: 200, headers: { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'private, max-age=300' }, body: PHOTO_SVG };
  }
  if (path === '/secur/frontdoor.jsp') return frontDoor(request, context);
  if (path === '/services/data' || path === '/services/data/') return jsonResponse(200, apiVersions());

  const access = presentedAccessToken(request, context);
  if (access === undefined) return REST_ERRORS.invalidSession();
  if (path === '/services/oauth2/singleaccess') return singleAccess(request, context, access);
  const scopes = access.grant.scope.split(' ');
  if (!scopes.includes('api') && !scopes.includes('full')) return REST_ERRORS.notForRest();

  const match = /^\/services\/data\/v(\d{2,3})\.0(\/.*)?$/.exec(path);
  const major = match === null ? NaN : Number(match[1]);
  if (match === null || major < OLDEST_API_VERSION || major > Number.parseInt(LATEST_API_VERSION, 10)) return notFoundResponse();
  const version = `${major}.0`;
  const resource = trimTrailingSlashes(match[2] ?? '/') || '/';

  if (resource !== '/limits') rest.apiRequestsMade++;
  const response = versionResource(request, context, access, version, resource);
  // Documented on every REST response but the versions list (salesforce-behaviour.md §11.6).
  return {
    ...response,
    headers: { ...response.headers, 'Sforce-Limit-Info': `api-usage=${rest.apiRequestsMade}/${rest.dailyApiRequests}` },
  };
}

function versionResource(
  request: EmulatorRequest,
  context: EmulatorContext,
  access: AccessTokenRecord,
  version: string,
  resource: string,
): EmulatorResponse {
  const { orgId, userId } = access.grant;
  if (resource === '/limits') return jsonResponse(200, limits(context.rest));
  if (resource === '/') {
    const base = `/services/data/v${version}`;
    return jsonResponse(200, {
      limits: `${base}/limits`,
      sobjects: `${base}/sobjects`,
      query: `${base}/query`,
      identity: identityUrl(context, orgId, userId),
    });
  }
  if (resource === '/query') return query(request, context, orgId, version);
  if (resource === '/sobjects' || resource.startsWith('/sobjects/'))
    return sobjects(request, context, orgId, version, resource.slice('/sobjects'.length));
  return REST_ERRORS.notEmulated(`The resource '${request.path.slice(request.sitePrefix.length)}'`);
}
