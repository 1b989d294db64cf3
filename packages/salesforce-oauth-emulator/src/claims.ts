/**
 * A user's OpenID Connect standard claims, grouped by the scope that releases them (OIDC Core
 * §5.4). The id_token carries the groups its grant's scopes name; UserInfo answers all of them.
 */
import { displayName, nickName, profilePhotos, profileUrl } from './profile-fields.js';
import type { ResolvedUser } from './types.js';

export type ClaimValue = string | number | boolean | null | Record<string, unknown>;
export type Claims = Record<string, ClaimValue>;

/** The scopes that release claims, in the order their claims appear. */
export const CLAIM_SCOPES = ['profile', 'email', 'address', 'phone'] as const;
export type ClaimScope = (typeof CLAIM_SCOPES)[number];

export interface ClaimSources {
  user: ResolvedUser;
  /** Base of `picture` and `profile`, as for the identity URL's `photos` and `urls.profile`. */
  instanceUrl: string;
  /** `updated_at`: seconds since the epoch in an id_token, an ISO string in UserInfo (Salesforce's own mix). */
  updatedAt: number | string;
}

/** The user's last modification as seconds since the epoch, as id_tokens carry `updated_at`. */
export function updatedAtSeconds(user: ResolvedUser): number {
  return Math.floor(Date.parse(user.lastModifiedDate) / 1000);
}

/**
 * Each scope's claims. The emulated users have no postal address or phone number: `address` is
 * an empty object and `phone_number` is null, as Salesforce answers for such users.
 */
export function claimsByScope({ user, instanceUrl, updatedAt }: ClaimSources): Record<ClaimScope, Claims> {
  return {
    profile: {
      name: displayName(user),
      given_name: user.firstName,
      family_name: user.lastName,
      preferred_username: user.username,
      nickname: nickName(user),
      picture: profilePhotos(instanceUrl).picture,
      profile: profileUrl(instanceUrl, user.userId),
      zoneinfo: user.timezone,
      locale: user.locale,
      updated_at: updatedAt,
    },
    email: { email: user.email, email_verified: user.emailVerified },
    address: { address: {} },
    phone: { phone_number: null, phone_number_verified: false },
  };
}
