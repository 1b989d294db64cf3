import { describe, expect, it } from 'vitest';
import {
  checkIdentityURL,
  checkInstanceURL,
  isSalesforceLoginBase,
  loginEndpoints,
  patternMayAdmit,
  loginTarget,
  parseSalesforceURL,
} from '../src/endpoints.js';
import { InvalidOptionError } from '../src/errors.js';

describe('parseSalesforceURL', () => {
  it.each([
    ['https://login.salesforce.com', 'https://login.salesforce.com/services/oauth2/authorize'],
    ['https://test.salesforce.com/', 'https://test.salesforce.com/services/oauth2/authorize'],
    ['https://acme.my.salesforce.com', 'https://acme.my.salesforce.com/services/oauth2/authorize'],
    ['https://acme--uat.sandbox.my.salesforce.com', 'https://acme--uat.sandbox.my.salesforce.com/services/oauth2/authorize'],
    ['https://acme.my.site.com/partners', 'https://acme.my.site.com/partners/services/oauth2/authorize'],
    ['https://acme.my.site.com/partners/', 'https://acme.my.site.com/partners/services/oauth2/authorize'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/services/oauth2/authorize'],
    ['http://localhost:3000/site', 'http://localhost:3000/site/services/oauth2/authorize'],
  ])('builds the endpoints of %s, path kept', (base, authorize) => {
    const endpoints = loginEndpoints(parseSalesforceURL(base, 'options.loginURL'));
    expect(endpoints.authorize).toBe(authorize);
    expect(endpoints.token).toBe(authorize.replace(/authorize$/, 'token'));
    expect(endpoints.revoke).toBe(authorize.replace(/authorize$/, 'revoke'));
  });

  it.each([
    [42, 'options.loginURL must be a URL string such as https://login.salesforce.com'],
    ['', 'options.loginURL must be a URL string such as https://login.salesforce.com'],
    ['login.salesforce.com', 'options.loginURL must be an absolute URL such as https://login.salesforce.com'],
    ['http://login.salesforce.com', 'options.loginURL must use https: (http: is accepted only for localhost and 127.0.0.1)'],
    ['ftp://login.salesforce.com', 'options.loginURL must use https: (http: is accepted only for localhost and 127.0.0.1)'],
    ['https://user:pw@login.salesforce.com', 'options.loginURL must not contain credentials'],
    ['https://login.salesforce.com/?x=1', 'options.loginURL must not contain a query string or fragment'],
    ['https://login.salesforce.com/#top', 'options.loginURL must not contain a query string or fragment'],
  ])('rejects %j with a TypeError naming the option', (value, message) => {
    expect(() => parseSalesforceURL(value, 'options.loginURL')).toThrow(new InvalidOptionError(message));
  });
});

describe('parseSalesforceURL on long input', () => {
  const slashes = (length: number): string => {
    const start = 'https://acme.my.site.com/partners';
    return `${start}${'/'.repeat(length - start.length - 1)}x`;
  };

  it('refuses a URL longer than 2048 characters before parsing it', () => {
    expect(() => parseSalesforceURL(slashes(2049), 'loginURL')).toThrow(
      new InvalidOptionError('loginURL must be a URL of at most 2048 characters'),
    );
  });

  it('reads a URL of 2048 characters, trailing slashes removed only at the end', () => {
    const url = parseSalesforceURL(`${slashes(2047)}/`, 'loginURL');
    expect(url.pathname).toBe(`/partners${'/'.repeat(2047 - 'https://acme.my.site.com/partners'.length - 1)}x`);
    expect(isSalesforceLoginBase(url)).toBe(false);
    expect(loginEndpoints(parseSalesforceURL('https://acme.my.site.com/partners///', 'loginURL')).token).toBe(
      'https://acme.my.site.com/partners/services/oauth2/token',
    );
  });
});

describe('checkIdentityURL', () => {
  const context = { loginOrigins: ['https://acme.my.site.com'], instanceUrl: new URL('https://acme.my.salesforce.com') };

  it.each([
    'https://acme.my.site.com/partners/id/00D5g000004XXXXEAA/0055g00000YYYYYAA1',
    'https://acme.my.salesforce.com/id/00D5g000004XXXXEAA/0055g00000YYYYYAA1',
    'https://login.salesforce.com/id/00D5g000004XXXXEAA/0055g00000YYYYYAA1',
    'https://test.salesforce.com/id/00D5g000004XXXXEAA/0055g00000YYYYYAA1',
  ])('accepts %s', (id) => {
    const check = checkIdentityURL(id, context);
    expect(check).toEqual({ ok: true, url: new URL(id) });
  });

  it.each([
    ['https://evil.example/id/00D/005', 'https://evil.example'],
    ['https://salesforce.com.evil.example/id/00D/005', 'https://salesforce.com.evil.example'],
    ['https://evilsalesforce.com/id/00D/005', 'https://evilsalesforce.com'],
    ['http://login.salesforce.com/id/00D/005', 'http://login.salesforce.com'],
    ['http://acme.my.salesforce.com/id/00D/005', 'http://acme.my.salesforce.com'],
    ['https://user:pw@login.salesforce.com/id/00D/005', 'https://login.salesforce.com'],
    // Hosts of Salesforce's domains where customers publish content: never the identity of this login.
    ['https://evil.my.site.com/id/00D/005', 'https://evil.my.site.com'],
    ['https://acme.file.force.com/id/00D/005', 'https://acme.file.force.com'],
    ['https://evil.force.com/id/00D/005', 'https://evil.force.com'],
    ['https://other.my.salesforce.com/id/00D/005', 'https://other.my.salesforce.com'],
    ['https://acme.my.salesforce.mil/id/00D/005', 'https://acme.my.salesforce.mil'],
    ['javascript:alert(1)', 'null'],
    ['not a url', 'an invalid URL'],
  ])('refuses %s', (id, origin) => {
    expect(checkIdentityURL(id, context)).toEqual({ ok: false, origin });
  });

  it('refuses a non-string id, and trusts no instance origin when there is none', () => {
    expect(checkIdentityURL(undefined, context)).toEqual({ ok: false, origin: 'an invalid URL' });
    expect(checkIdentityURL('https://acme.my.salesforce.com/id/1/2', { loginOrigins: ['https://acme.my.site.com'] })).toEqual({
      ok: false,
      origin: 'https://acme.my.salesforce.com',
    });
  });

  it('accepts a loopback origin only when it is the login or instance origin', () => {
    const loopback = { loginOrigins: ['http://127.0.0.1:4000'], instanceUrl: new URL('http://127.0.0.1:4001') };
    expect(checkIdentityURL('http://127.0.0.1:4000/id/a/b', loopback).ok).toBe(true);
    expect(checkIdentityURL('http://127.0.0.1:4001/id/a/b', loopback).ok).toBe(true);
    expect(checkIdentityURL('http://127.0.0.1:4002/id/a/b', loopback)).toEqual({ ok: false, origin: 'http://127.0.0.1:4002' });
  });
});

describe('checkInstanceURL', () => {
  const myDomain = loginTarget(parseSalesforceURL('https://acme.my.salesforce.com', 'loginURL'));
  const customDomain = loginTarget(parseSalesforceURL('https://support.acme.com', 'loginURL'));
  const emulator = loginTarget(parseSalesforceURL('http://127.0.0.1:4000', 'loginURL'));

  it.each<[string, unknown, ReturnType<typeof loginTarget>]>([
    ['a My Domain', 'https://acme.my.salesforce.com', myDomain],
    ['a sandbox My Domain', 'https://acme--uat.sandbox.my.salesforce.com', myDomain],
    ['an Experience Cloud site with its path', 'https://acme.my.site.com/partners', myDomain],
    ['the login host itself, a custom domain', 'https://support.acme.com', customDomain],
    ['another loopback port, for a loopback login (the emulator)', 'http://127.0.0.1:4001', emulator],
  ])('accepts %s', (_label, value, login) => {
    expect(checkInstanceURL(value, login)).toEqual({ ok: true, url: new URL(String(value)) });
  });

  it('accepts a token response without instance_url', () => {
    expect(checkInstanceURL(undefined, myDomain)).toEqual({ ok: true, url: undefined });
  });

  it.each<[string, unknown, ReturnType<typeof loginTarget>]>([
    ['a script URL', 'javascript:alert(1)', myDomain],
    ['a foreign https host', 'https://evil.example', myDomain],
    ['a look-alike host', 'https://acme.my.salesforce.com.evil.example', myDomain],
    ['plain http on a Salesforce host', 'http://acme.my.salesforce.com', myDomain],
    ['a loopback host for a public login', 'http://127.0.0.1:6379', myDomain],
    ['an instanced URL, now a redirect to the My Domain', 'https://na1.salesforce.com', myDomain],
    ['a name on salesforce.com shaped like an instance', 'https://shop99.salesforce.com', myDomain],
    ['a Lightning Experience host', 'https://acme.lightning.force.com', myDomain],
    ['a Visualforce host', 'https://acme--c.vf.force.com', myDomain],
    ['a Salesforce Site on force.com', 'https://acme.secure.force.com/site', myDomain],
    ['credentials', 'https://user:pw@acme.my.salesforce.com', myDomain],
    ['a query string', 'https://acme.my.salesforce.com/?x=1', myDomain],
    ['no URL at all', 'acme', myDomain],
    ['a number', 42, myDomain],
    ['null', null, myDomain],
  ])('refuses %s', (_label, value, login) => {
    expect(checkInstanceURL(value, login)).toEqual({ ok: false });
  });
});

describe('isSalesforceLoginBase', () => {
  it.each([
    'https://login.salesforce.com',
    'https://test.salesforce.com',
    'https://acme.my.salesforce.com',
    'https://acme--uat.sandbox.my.salesforce.com',
    'https://acme-dev-ed.develop.my.salesforce.com',
    'https://power-ruby-1234.scratch.my.salesforce.com',
    'https://agency.my.salesforce.mil',
    'https://acme.my.site.com/partners',
    'https://acme--uat.sandbox.my.site.com/partnersvforcesite',
    'https://acme.my.salesforce.com/AppCentral',
  ])('admits %s', (base) => {
    expect(isSalesforceLoginBase(parseSalesforceURL(base, 'loginURL'))).toBe(true);
  });

  it.each([
    ["an unanchored pattern's catch", 'https://acme.my.salesforce.com.evil.example'],
    ['a suffix without its dot', 'https://evilsalesforce.com'],
    ['a look-alike My Domain suffix', 'https://acme.mysalesforce.com'],
    ['the bare domain', 'https://salesforce.com'],
    ['a host Salesforce does not run on salesforce.com', 'https://www.salesforce.com'],
    ['a public site.com host', 'https://evil.site.com'],
    ['the bare force.com', 'https://force.com'],
    ['a fully qualified name with its trailing dot', 'https://acme.my.salesforce.com.'],
    ['a non-default port', 'https://acme.my.salesforce.com:8443'],
    ['an Apex REST path, where an org runs its own code', 'https://evil.my.site.com/services/apexrest/steal'],
    ['a Visualforce path', 'https://evil.my.site.com/apex'],
    ['a nested path', 'https://acme.my.site.com/partners/more'],
    ['an encoded path', 'https://acme.my.site.com/part%2Fners'],
    ['a custom domain', 'https://login.acme.com'],
    ['plain http on a public host', 'http://acme.my.salesforce.com'],
    ['plain http on a private address', 'http://10.0.0.1'],
    ['a loopback host (admitted only by patternMayAdmit, for a loopback loginURL)', 'http://127.0.0.1:8080'],
    ['a Lightning Experience host, where components of the org run', 'https://acme.lightning.force.com'],
    ['a Visualforce host', 'https://acme--c.vf.force.com'],
    ['a file host', 'https://acme.file.force.com'],
    ['a content host', 'https://acme.content.force.com'],
    ['a Salesforce Site on force.com', 'https://acme.secure.force.com/site'],
    ['an older force.com community, now a redirect', 'https://acme.force.com/customers'],
    ['an instanced URL, now a redirect', 'https://na1.salesforce.com'],
    ['a name on salesforce.com shaped like an instance', 'https://www2.salesforce.com'],
    ['another name on salesforce.com', 'https://shop99.salesforce.com'],
  ])('refuses %s (%s)', (_label, base) => {
    expect(isSalesforceLoginBase(new URL(base))).toBe(false);
  });
});

describe('patternMayAdmit', () => {
  const emulator = new URL('http://127.0.0.1:4000');
  const production = new URL('https://login.salesforce.com');

  it.each(['http://127.0.0.1:8080', 'http://localhost:3000/site', 'https://[::1]:8443'])(
    'admits the loopback base %s only for a loopback loginURL',
    (base) => {
      expect(patternMayAdmit(parseSalesforceURL(base, 'loginURL'), emulator)).toBe(true);
      expect(patternMayAdmit(parseSalesforceURL(base, 'loginURL'), production)).toBe(false);
    },
  );

  it.each(['http://127.0.0.1:8500/services/apexrest/x', 'http://localhost:2375/a/b'])(
    'refuses the loopback base %s, whose path no Salesforce login base could have',
    (base) => {
      expect(patternMayAdmit(new URL(base), emulator)).toBe(false);
    },
  );

  it('admits Salesforce login bases and nothing else, whatever loginURL is', () => {
    for (const loginURL of [emulator, production]) {
      expect(patternMayAdmit(new URL('https://acme.my.salesforce.com'), loginURL)).toBe(true);
      expect(patternMayAdmit(new URL('https://evil.example'), loginURL)).toBe(false);
    }
  });
});
