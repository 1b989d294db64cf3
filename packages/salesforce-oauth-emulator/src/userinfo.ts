/**
 * The OpenID Connect UserInfo endpoint, `/services/oauth2/userinfo` (salesforce-behaviour.md §7.1).
 */
import { claimsByScope } from './claims.js';
import type { EmulatorContext } from './context.js';
import { identityUrl } from './urls.js';
import { identityUrls, presentedAccessToken, standardUtcOffsetMs } from './identity.js';
import { profilePhotos } from './profile-fields.js';
import type { EmulatorRequest } from './request.js';
import { jsonResponse, textResponse, type EmulatorResponse } from './responses.js';
import type { ResolvedUser } from './types.js';

interface UserInfoDocumentOptions {
  /** The identity URL (the token response's `id`), which is also `sub`. */
  id: string;
  instanceUrl: string;
}

/**
 * The UserInfo JSON in Salesforce's field order: the OpenID Connect claims of every scope, plus
 * the Salesforce extras it shares with the identity URL (`photos`, `urls`, `utcOffset`…).
 * Unlike the id_token, `updated_at` is an ISO string here.
 */
function userInfoDocument(user: ResolvedUser, options: UserInfoDocumentOptions): Record<string, unknown> {
  const { instanceUrl } = options;
  const claims = claimsByScope({ user, instanceUrl, updatedAt: user.lastModifiedDate });
  return {
    sub: options.id,
    user_id: user.userId,
    organization_id: user.orgId,
    preferred_username: claims.profile['preferred_username'],
    nickname: claims.profile['nickname'],
    name: claims.profile['name'],
    given_name: claims.profile['given_name'],
    family_name: claims.profile['family_name'],
    ...claims.email,
    zoneinfo: claims.profile['zoneinfo'],
    locale: claims.profile['locale'],
    language: user.language,
    utcOffset: standardUtcOffsetMs(user.timezone),
    photos: profilePhotos(instanceUrl),
    picture: claims.profile['picture'],
    profile: claims.profile['profile'],
    ...claims.address,
    ...claims.phone,
    urls: identityUrls(instanceUrl, user.orgId, user.userId),
    active: user.active,
    user_type: user.userType,
    updated_at: claims.profile['updated_at'],
    is_app_installed: true,
  };
}

/**
 * GET or POST: the token goes in `Authorization: Bearer` or an `oauth_token` parameter, and only
 * the token's own user is answered. A missing, unknown or revoked token gets the identity URL's
 * plain-text 403 `Bad_OAuth_Token`.
 */
export function handleUserInfo(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  const accessToken = presentedAccessToken(request, context, { query: true, body: true });
  const user = accessToken === undefined ? undefined : context.state.findUserById(accessToken.grant.userId);
  if (accessToken === undefined || user === undefined) return textResponse(403, 'Bad_OAuth_Token');
  const { grant } = accessToken;
  return jsonResponse(
    200,
    userInfoDocument(user, { id: identityUrl(context, grant.orgId, grant.userId), instanceUrl: context.instanceUrl }),
  );
}
