import supertest from 'supertest';

/**
 * A browser for flow tests: it keeps the app's session cookie (supertest agent) and follows the
 * redirect through the emulator's authorization endpoint without following the one back, so each
 * leg can be asserted and replayed.
 */
export class Browser {
  readonly agent: ReturnType<typeof supertest.agent>;

  constructor(readonly appUrl: string) {
    this.agent = supertest.agent(appUrl);
  }

  /** GET the app's login route; returns the authorize URL it redirected to. */
  async startLogin(path = '/login'): Promise<URL> {
    const response = await this.agent.get(path);
    if (response.status !== 302) throw new Error(`login answered ${response.status}: ${response.text}`);
    return new URL(response.headers.location as string);
  }

  /** GET the authorize URL at the emulator; returns the callback URL it redirected to. */
  async authorize(authorizeURL: URL): Promise<URL> {
    const response = await fetch(authorizeURL, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status !== 302 || !location) throw new Error(`authorize answered ${response.status}: ${await response.text()}`);
    return new URL(location);
  }

  /** GET the callback in this browser. */
  callback(callbackURL: URL): supertest.Test {
    return this.agent.get(`${callbackURL.pathname}${callbackURL.search}`);
  }

  /** The whole login: app → emulator → app callback. */
  async login(path = '/login'): Promise<supertest.Response> {
    return this.callback(await this.authorize(await this.startLogin(path)));
  }

  async me(): Promise<{ user: Record<string, unknown> | null; session: Record<string, unknown> | null }> {
    return (await this.agent.get('/me')).body;
  }
}
