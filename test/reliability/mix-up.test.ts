import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceStrategyOptions } from '../../src/options.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { propertyParameters, watchProcess, type ProcessWatch } from './support.js';

/**
 * Authorization-server mix-up (RFC 9700 §4.4) through `allowedLoginURLs`: whatever login base a
 * request names and however loose the app's RegExp or function is, the browser is sent only to
 * an https host Salesforce runs (or, as the app's own loginURL is the emulator, another loopback
 * base under the same path rule), and `refresh()`/`revoke()` talk to
 * nothing else. A host outside that set is refused before any redirect or request.
 */

/** The host types Salesforce operates for OAuth, written out again (src/endpoints.ts cites its sources). */
const SALESFORCE_HOST = [
  /^(login|test)\.salesforce\.com$/,
  /^[a-z0-9-]+(\.[a-z0-9-]+)?\.my\.salesforce\.com$/,
  /^[a-z0-9-]+\.my\.salesforce\.mil$/,
  /^[a-z0-9-]+(\.[a-z0-9-]+)?\.my\.site\.com$/,
];
const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/;

/** Login bases built around Salesforce's names, with the usual tricks of a look-alike. */
const composedBase = fc
  .record({
    scheme: fc.constantFrom('https://', 'https://', 'https://', 'http://', 'HTTPS://'),
    userinfo: fc.constantFrom('', '', '', 'user:pw@', 'acme.my.salesforce.com@'),
    label: fc.oneof(
      fc.constantFrom('acme', 'acme--uat', 'power-ruby-1234', 'na1', 'evil', 'xn--slesforce-51a', 'acme_x', '-acme', 'ACME'),
      fc.stringMatching(/^[a-z0-9-]{1,12}$/),
    ),
    domain: fc.constantFrom(
      '.my.salesforce.com',
      '.sandbox.my.salesforce.com',
      '.scratch.my.salesforce.com',
      '.my.salesforce.mil',
      '.my.site.com',
      '.sandbox.my.site.com',
      '.force.com',
      '.file.force.com',
      '.salesforce.com',
      'salesforce.com',
      '.mysalesforce.com',
      '.my.salesforce.com.evil.example',
      '.force.com.evil.example',
      '.site.com',
      '.evil.example',
      '',
    ),
    whole: fc.constantFrom(
      '',
      '',
      '',
      'login.salesforce.com',
      'test.salesforce.com',
      'salesforce.com',
      'evilsalesforce.com',
      'www.salesforce.com',
      '127.0.0.1:4000',
      'localhost:3000',
      '[::1]:8443',
      '10.0.0.1',
      '169.254.169.254',
    ),
    end: fc.constantFrom('', '', '', '.', ':443', ':8443', '.evil.example', '%2eevil.example'),
    path: fc.constantFrom(
      '',
      '',
      '',
      '/',
      '/partners',
      '/partnersvforcesite',
      '/services/apexrest/steal',
      '/apex',
      '/Services',
      '/a/b',
      '/%2e%2e',
      '/part ners',
    ),
  })
  .map(({ scheme, userinfo, label, domain, whole, end, path }) => `${scheme}${userinfo}${whole || `${label}${domain}`}${end}${path}`);

const loginBase = fc.oneof(
  { weight: 3, arbitrary: composedBase },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'https://acme.my.salesforce.com',
      'https://acme--uat.sandbox.my.salesforce.com',
      'https://acme.my.site.com/partners',
      'https://login.salesforce.com',
      'https://acme.force.com/customers',
    ),
  },
);

const ALLOW_LISTS: Array<[string, SalesforceStrategyOptions['allowedLoginURLs']]> = [
  ['a RegExp that matches everything', [/.*/]],
  ['an unanchored My Domain RegExp', [/^https:\/\/[a-z0-9-]+\.my\.salesforce\.com/]],
  ["a function testing endsWith('salesforce.com')", (url) => url.hostname.endsWith('salesforce.com')],
  ['a function that allows everything', () => true],
];

describe.each(ALLOW_LISTS)('mix-up through allowedLoginURLs: %s', (_label, allowedLoginURLs) => {
  let fixture: Fixture;
  let watch: ProcessWatch;

  beforeAll(async () => {
    watch = watchProcess();
    fixture = await startFixture({
      app: {
        strategy: { clientSecret: 'E3F1C0D2A9B87F14C6D83E0B5A2F9C4D', scope: ['api', 'refresh_token'], allowedLoginURLs },
        authenticateOptions: (req) => ({ loginURL: String(req.query.org) }),
      },
    });
  });

  afterAll(async () => {
    watch.stop();
    await fixture.close();
  });

  it('sends the browser only to an https Salesforce host or a loopback emulator, and refuses anything else before any request', async () => {
    const outcomes = { redirected: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(loginBase, async (base) => {
        const before = fixture.emulator.requests.length;
        const response = await fixture.browser().agent.get(`/login?org=${encodeURIComponent(base)}`);
        if (response.status === 302) {
          outcomes.redirected += 1;
          const target = new URL(response.headers.location as string);
          expect(target.username + target.password, base).toBe('');
          // Loopback only because the app's own loginURL is the loopback emulator.
          if (!LOOPBACK.test(target.hostname)) {
            expect(target.protocol, base).toBe('https:');
            expect(target.port, base).toBe('');
            expect(
              SALESFORCE_HOST.some((pattern) => pattern.test(target.hostname)),
              `${base} -> ${target.href}`,
            ).toBe(true);
          }
          // At most a site prefix, and none under which an org runs its own code.
          const prefix = /^((?:\/[A-Za-z0-9_-]+)?)\/services\/oauth2\/authorize$/.exec(target.pathname)?.[1];
          expect(prefix, base).toBeDefined();
          expect(prefix?.toLowerCase(), base).not.toMatch(/^\/(services|apex)$/);
          return;
        }
        outcomes.refused += 1;
        expect(response.status, base).toBe(400);
        expect(response.headers.location).toBeUndefined();
        expect(response.body).toEqual({ outcome: 'failure', info: { message: expect.stringMatching(/loginURL/) } });
        expect(fixture.emulator.requests).toHaveLength(before);
        // The same base is no more reachable through refresh() or revoke().
        await expect(fixture.app.strategy.refresh('5Aep861.refresh', { loginURL: base })).rejects.toMatchObject({
          code: expect.stringMatching(/^(LOGIN_URL_NOT_ALLOWED|INVALID_OPTION)$/),
        });
        await expect(fixture.app.strategy.revoke('00D000000000000!token', { loginURL: base })).rejects.toMatchObject({
          code: expect.stringMatching(/^(LOGIN_URL_NOT_ALLOWED|INVALID_OPTION)$/),
        });
        expect(fixture.emulator.requests).toHaveLength(before);
      }),
      propertyParameters(200),
    );
    expect(outcomes.redirected).toBeGreaterThan(5);
    expect(outcomes.refused).toBeGreaterThan(20);
    expect(watch.failures).toEqual([]);
  }, 60_000);
});
