/**
 * How a user is presented in the identity document, OpenID Connect claims and REST records: the
 * display name, the nickname, the profile page and the photos. Pure.
 */
import type { ResolvedUser } from './types.js';

/** The user's profile page: `urls.profile` in the identity document, `profile` in OpenID Connect claims. */
export function profileUrl(instanceUrl: string, userId: string): string {
  return `${instanceUrl}/${userId}`;
}

/** `photos`: Salesforce's default "no photo" images, since emulated users have no photo. */
export function profilePhotos(instanceUrl: string): { picture: string; thumbnail: string } {
  return { picture: `${instanceUrl}/profilephoto/005/F`, thumbnail: `${instanceUrl}/profilephoto/005/T` };
}

/** `nick_name` / `nickname`: the part of the username before `@`. */
export function nickName(user: ResolvedUser): string {
  return user.username.split('@')[0] ?? user.username;
}

/** `display_name` / `name`: first and last name, or the last name alone when there is no first name. */
export function displayName(user: ResolvedUser): string {
  return user.firstName === null ? user.lastName : `${user.firstName} ${user.lastName}`;
}
