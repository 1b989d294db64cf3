/**
 * The URLs the emulator puts in what it answers: the OpenID Connect issuer and the identity URL,
 * and paths and bases without trailing slashes. Pure: takes strings and returns strings.
 */
import type { EmulatorContext } from './context.js';

/**
 * The OpenID Connect issuer for requests under `sitePrefix`: the base they came through, like
 * Salesforce's, whose issuer is the host (and site path) that handled the login.
 */
export function issuerFor(context: Pick<EmulatorContext, 'baseUrl'>, sitePrefix: string): string {
  return `${context.baseUrl}${sitePrefix}`;
}

/** The identity URL Salesforce puts in `id`: always 18-character ids, never a site prefix. */
export function identityUrl(context: Pick<EmulatorContext, 'identityBaseUrl'>, orgId: string, userId: string): string {
  return `${context.identityBaseUrl}/id/${orgId}/${userId}`;
}

/**
 * `path` (or a base URL) without its trailing slashes. A loop, not `/\/+$/`: that regex is
 * retried at every run of slashes, quadratic in a request path of many slashes followed by
 * another character.
 */
export function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(0, end);
}
