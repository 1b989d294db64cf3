import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { afterEach, describe, expect, it } from 'vitest';
import { SalesforceNetworkError } from '../../src/index.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { startForwardProxy, type ForwardProxy } from '../helpers/proxy.js';

let fixture: Fixture | undefined;
let proxy: ForwardProxy | undefined;

afterEach(async () => {
  await fixture?.close();
  await proxy?.close();
  fixture = undefined;
  proxy = undefined;
});

/** The strategy's own calls: everything the emulator saw but the browser's visit to the authorize page. */
function strategyCalls(f: Fixture): Array<{ endpoint: string; url: string; via: unknown }> {
  return f.emulator.requests
    .filter((request) => request.endpoint !== 'authorize')
    .map((request) => ({ endpoint: request.endpoint, url: `${f.emulator.url}${request.path}`, via: request.headers.via }));
}

describe.each([4, 5] as const)('behind a forward proxy on Express %i', (expressVersion) => {
  it('carries the token, keys, identity, refresh and revoke calls through the agent option', async () => {
    proxy = await startForwardProxy();
    const f = (fixture = await startFixture({
      app: { expressVersion, strategy: { scope: ['openid', 'api', 'refresh_token'], agent: new HttpProxyAgent(proxy.url) } },
    }));
    expect((await f.browser().login()).body.outcome).toBe('success');
    const { accessToken, refreshToken } = f.app.verifyCalls[0] ?? { accessToken: '', refreshToken: '' };
    // The refreshed id_token is checked with the keys fetched at login, which stay cached.
    const refreshed = await f.app.strategy.refresh(refreshToken ?? '');
    await f.app.strategy.revoke(refreshed.accessToken);
    await f.app.strategy.revoke(accessToken);

    const calls = strategyCalls(f);
    // The keys are fetched while the code is exchanged: those two calls go side by side.
    expect(calls.slice(0, 2).map((call) => call.endpoint)).toEqual(expect.arrayContaining(['token', 'keys']));
    expect(calls.slice(2).map((call) => call.endpoint)).toEqual(['identity', 'token', 'revoke', 'revoke']);
    expect(proxy.forwarded).toEqual(calls.map((call) => call.url));
    for (const call of calls) expect(call.via, call.endpoint).toMatch(/^1\.1 .+ \(proxy\/\d+\.\d+\.\d+\)$/);
  });

  it('does the same for strategy._oauth2.setAgent(agent), through CONNECT tunnels', async () => {
    proxy = await startForwardProxy();
    const f = (fixture = await startFixture({ app: { expressVersion, strategy: { scope: ['api', 'refresh_token'] } } }));
    const tunnelling = new HttpsProxyAgent(proxy.url);
    (f.app.strategy as unknown as { _oauth2: { setAgent(agent: unknown): void } })._oauth2.setAgent(tunnelling);

    expect((await f.browser().login()).body.outcome).toBe('success');
    const { refreshToken } = f.app.verifyCalls[0] ?? { refreshToken: '' };
    await f.app.strategy.refresh(refreshToken ?? '');
    const emulatorHost = new URL(f.emulator.url).host;
    expect(strategyCalls(f).map((call) => call.endpoint)).toEqual(['token', 'identity', 'token']);
    expect(proxy.tunnels).toEqual([emulatorHost, emulatorHost, emulatorHost]);

    // Without the proxy there is no way to Salesforce: the calls really depend on it.
    await proxy.close();
    proxy = undefined;
    await expect(f.app.strategy.refresh(refreshToken ?? '')).rejects.toThrow(SalesforceNetworkError);
  });
});
