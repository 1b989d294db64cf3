import type { Profile } from 'passport';

/** The identity URL's JSON, as Salesforce returns it (fields this package reads; others are kept in `_json`). */
export interface SalesforceIdentity {
  /** The identity URL itself. */
  id: string;
  /** The 18-character user id (`005…`). */
  user_id: string;
  /** The 18-character org id (`00D…`). */
  organization_id: string;
  /** The Salesforce username, e.g. `ada@example.com`. */
  username?: string;
  /** The community nickname. */
  nick_name?: string;
  /** The user's full name. */
  display_name?: string;
  /** The user's email address. */
  email?: string;
  /** Whether the user confirmed `email`. */
  email_verified?: boolean;
  /** First name; `null` when the user has none. */
  first_name?: string | null;
  /** Last name; `null` when the user has none. */
  last_name?: string | null;
  /** IANA time zone, e.g. `America/Los_Angeles`. */
  timezone?: string;
  /** Profile photo URLs; fetching them needs the access token. */
  photos?: {
    /** The full-size photo. */
    picture?: string;
    /** The small photo. */
    thumbnail?: string;
  };
  /** API endpoint templates (`rest`, `sobjects`, `query`, …) with `{version}` placeholders. */
  urls?: Record<string, string>;
  /** Whether the user is active. */
  active?: boolean;
  /** `STANDARD`, `POWER_PARTNER`, `CSP_LITE_PORTAL`, … */
  user_type?: string;
  /** Language, e.g. `en_US`. */
  language?: string;
  /** Locale, e.g. `en_US`. */
  locale?: string;
  /** Offset from UTC in ms. */
  utcOffset?: number;
  /** When the user record last changed, an ISO 8601 date-time. */
  last_modified_date?: string;
  /** Any other field Salesforce sends. */
  [field: string]: unknown;
}

/** A Passport profile built from Salesforce's identity URL. */
export interface SalesforceProfile extends Profile {
  /** Always `'salesforce'`. */
  provider: 'salesforce';
  /** The 18-character user id (`005…`). */
  id: string;
  /** The Salesforce username (`ada@example.com`); not necessarily an email address the user reads. */
  username: string;
  /** `display_name`; else the first and last name; else the username. */
  displayName: string;
  /** `first_name` and `last_name`; `''` when absent. */
  name: {
    /** First name, `''` when absent. */
    givenName: string;
    /** Last name, `''` when absent. */
    familyName: string;
  };
  /** The user's email, with Salesforce's `email_verified`. Empty when the identity has no email. */
  emails: Array<{
    /** The address. */
    value: string;
    /** Salesforce's `email_verified`; `false` when absent. */
    verified: boolean;
  }>;
  /** `picture` then `thumbnail`. These URLs need the access token to be fetched. */
  photos: Array<{
    /** The photo's URL. */
    value: string;
    /** Which of Salesforce's photos it is. */
    type: 'picture' | 'thumbnail';
  }>;
  /** The 18-character org id (`00D…`). */
  organizationId: string;
  /** The identity URL (`id` of the token response). */
  identityUrl: string;
  /** `instance_url` of the token response: the base for REST API calls. */
  instanceUrl?: string;
  /** API endpoint templates (`rest`, `sobjects`, `query`, …) with `{version}` placeholders. */
  urls: Record<string, string>;
  /** `STANDARD`, `POWER_PARTNER`, `CSP_LITE_PORTAL`, … */
  userType?: string;
  /** Whether the user is active; absent when the identity does not say. */
  active?: boolean;
  /** Locale, e.g. `en_US`. */
  locale?: string;
  /** Language, e.g. `en_US`. */
  language?: string;
  /** IANA time zone, e.g. `America/Los_Angeles`. */
  timezone?: string;
  /** The identity response's body as received; `''` when the profile was skipped. */
  _raw: string;
  /** The identity response, parsed; only the ids and the identity URL when the profile was skipped. */
  _json: SalesforceIdentity;
}

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
  if (typeof identityUrl !== 'string' || !URL.canParse(identityUrl)) return undefined;
  const match = /\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})$/.exec(new URL(identityUrl).pathname);
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
