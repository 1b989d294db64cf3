import type { SalesforceIdentity, SalesforceProfile } from './types.js';

/**
 * Salesforce's identity JSON as a Passport profile, and the ids an identity URL names. Pure
 * functions of their arguments.
 */

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringEntries(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function isIdentity(value: unknown): value is SalesforceIdentity {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.user_id === 'string' &&
    value.user_id !== '' &&
    typeof value.organization_id === 'string' &&
    value.organization_id !== ''
  );
}

/**
 * Maps the identity URL's JSON to a Passport profile. Returns `undefined` when the JSON is not
 * a Salesforce identity (no `id`, `user_id` or `organization_id`).
 */
export function buildProfile(identity: unknown, raw: string, instanceUrl?: string): SalesforceProfile | undefined {
  if (!isIdentity(identity)) return undefined;
  const givenName = optionalString(identity.first_name) ?? '';
  const familyName = optionalString(identity.last_name) ?? '';
  const username = optionalString(identity.username) ?? '';
  const email = optionalString(identity.email);
  const photos = isRecord(identity.photos) ? identity.photos : {};
  const picture = optionalString(photos.picture);
  const thumbnail = optionalString(photos.thumbnail);
  return {
    provider: 'salesforce',
    id: identity.user_id,
    username,
    displayName: optionalString(identity.display_name) ?? ([givenName, familyName].filter(Boolean).join(' ') || username),
    name: { givenName, familyName },
    emails: email ? [{ value: email, verified: identity.email_verified === true }] : [],
    photos: [
      ...(picture ? [{ value: picture, type: 'picture' as const }] : []),
      ...(thumbnail ? [{ value: thumbnail, type: 'thumbnail' as const }] : []),
    ],
    organizationId: identity.organization_id,
    identityUrl: identity.id,
    instanceUrl,
    urls: stringEntries(identity.urls),
    userType: optionalString(identity.user_type),
    active: typeof identity.active === 'boolean' ? identity.active : undefined,
    locale: optionalString(identity.locale),
    language: optionalString(identity.language),
    timezone: optionalString(identity.timezone),
    _raw: raw,
    _json: identity,
  };
}

/** The org and user ids in an identity URL's path, `/id/{orgId}/{userId}`. */
export function identityIds(identityUrl: unknown): { organizationId: string; userId: string } | undefined {
  if (typeof identityUrl !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(identityUrl);
  } catch {
    return undefined;
  }
  const match = /\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})$/.exec(url.pathname);
  return match ? { organizationId: match[1] as string, userId: match[2] as string } : undefined;
}

/**
 * The profile that the token response alone supports (for `skipUserProfile`): the user and org
 * ids come from the identity URL's path, `/id/{orgId}/{userId}`; the other fields are empty.
 */
export function profileFromIdentityUrl(identityUrl: string, instanceUrl?: string): SalesforceProfile | undefined {
  const ids = identityIds(identityUrl);
  return ids ? buildProfile({ id: identityUrl, organization_id: ids.organizationId, user_id: ids.userId }, '', instanceUrl) : undefined;
}
