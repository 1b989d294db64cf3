import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveOptions, type SalesforceStrategyOptions } from '../../src/options.js';
import { propertyParameters } from './support.js';

/**
 * Loopback login bases in `allowedLoginURLs`: a loopback port is whatever listens on the app's
 * machine (a sidecar, a co-tenant, a debug port), and a login base there would receive the code,
 * the verifier and the consumer secret. A RegExp or function admits one only when the configured
 * `loginURL` is loopback itself (a local emulator), and then under the path rule of Salesforce
 * hosts; an exact string admits the base it names, and only it.
 */

const LOOPBACK_HOSTS = [
  'localhost',
  '127.0.0.1',
  '127.1',
  '127.0.0.53',
  '127.255.255.254',
  '0x7f.1',
  '2130706433',
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
];

/** Loopback login bases as a request could write them: any host spelling, port and path. */
const loopbackBase = fc
  .record({
    scheme: fc.constantFrom('http://', 'https://'),
    host: fc.constantFrom(...LOOPBACK_HOSTS),
    port: fc.oneof(
      fc.constant(''),
      fc.integer({ min: 1, max: 65_535 }).map((port) => `:${port}`),
    ),
    path: fc.oneof(
      fc.constantFrom('', '/', '/partners', '/x.my.salesforce.com', '/services', '/Apex', '/services/oauth2', '/a/b', '/%2e%2e'),
      fc.stringMatching(/^(\/[A-Za-z0-9_.-]{0,12}){0,3}$/),
    ),
  })
  .map(({ scheme, host, port, path }) => new URL(`${scheme}${host}${port}${path}`));

const LOOSE_LISTS: Array<[string, SalesforceStrategyOptions['allowedLoginURLs']]> = [
  ['a RegExp that matches everything', [/.*/]],
  ['an unanchored My Domain RegExp', [/\.my\.salesforce\.com$/]],
  ['a function that allows everything', () => true],
];

const required = { clientID: '3MVG9.consumer.key', callbackURL: '/auth/salesforce/callback' };

/** The path rule of a login base a pattern admits: none, or one site prefix that is not org code. */
function sitePrefixAtMost(url: URL): boolean {
  const path = url.pathname.replace(/\/+$/, '');
  const segment = /^\/([A-Za-z0-9_-]{1,80})$/.exec(path)?.[1];
  return path === '' || (segment !== undefined && !['services', 'apex'].includes(segment.toLowerCase()));
}

describe.each(LOOSE_LISTS)('loopback login bases through %s', (_label, allowedLoginURLs) => {
  it.each(['https://login.salesforce.com', 'https://acme.my.salesforce.com', 'https://support.acme.com'])(
    'are never admitted for a loginURL of %s',
    (loginURL) => {
      const { isAllowedLoginURL } = resolveOptions({ ...required, loginURL, allowedLoginURLs });
      fc.assert(
        fc.property(loopbackBase, (base) => {
          expect(isAllowedLoginURL(base), base.href).not.toBe('allowed');
        }),
        propertyParameters(300),
      );
    },
  );

  it('are admitted for a loopback loginURL (the emulator) only under the path rule of Salesforce hosts', () => {
    const { isAllowedLoginURL } = resolveOptions({ ...required, loginURL: 'http://127.0.0.1:4000', allowedLoginURLs });
    fc.assert(
      fc.property(loopbackBase, (base) => {
        const verdict = isAllowedLoginURL(base);
        if (!sitePrefixAtMost(base)) expect(verdict, base.href).not.toBe('allowed');
        else if (typeof allowedLoginURLs === 'function') expect(verdict, base.href).toBe('allowed');
      }),
      propertyParameters(300),
    );
  });
});

describe('a loopback base listed as an exact string', () => {
  it('is admitted as written and no other loopback base with it, whatever loginURL is', () => {
    fc.assert(
      fc.property(loopbackBase, loopbackBase, (listed, other) => {
        const exact = `${listed.origin}${listed.pathname.replace(/\/+$/, '')}`;
        const { isAllowedLoginURL } = resolveOptions({ ...required, allowedLoginURLs: [exact] });
        expect(isAllowedLoginURL(listed), exact).toBe('allowed');
        const same = `${other.origin}${other.pathname.replace(/\/+$/, '')}` === exact;
        expect(isAllowedLoginURL(other), `${exact} vs ${other.href}`).toBe(same ? 'allowed' : 'not-listed');
      }),
      propertyParameters(300),
    );
  });
});
