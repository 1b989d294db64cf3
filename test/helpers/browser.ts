import http from 'node:http';
import supertest from 'supertest';

/** An answer to `Browser.raw`, read to the end. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

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

  /**
   * The same browser (same cookie jar) talking to another app instance on the same host, as a
   * load balancer in front of several instances would make it.
   */
  at(appUrl: string): Browser {
    const other = new Browser(appUrl);
    other.agent.jar = this.agent.jar;
    return other;
  }

  /** The cookies this browser sends to the app, as a Cookie header value. */
  cookies(): string {
    const { hostname } = new URL(this.appUrl);
    return this.agent.jar.getCookies({ domain: hostname, path: '/', secure: false, script: false }).toValueString();
  }

  /** Makes this browser send these cookies (a Cookie header value), as if someone had planted them. */
  plantCookies(header: string): void {
    const { hostname } = new URL(this.appUrl);
    for (const pair of header.split('; ')) this.agent.jar.setCookie(`${pair}; Path=/`, hostname, '/');
  }

  /**
   * GETs `target` (path and query) exactly as given, with no URL normalisation, carrying this
   * browser's cookies; for hostile requests a browser would never send. Rejects if the app does
   * not answer within `timeout` ms. Cookies set by the answer are not kept.
   */
  raw(target: string, headers: Record<string, string> = {}, timeout = 10_000): Promise<RawResponse> {
    const base = new URL(this.appUrl);
    const cookie = this.cookies();
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: base.hostname, port: base.port, path: target, method: 'GET', headers: { ...(cookie ? { cookie } : {}), ...headers } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        },
      );
      request.setTimeout(timeout, () => request.destroy(new Error(`no answer to GET ${target.slice(0, 200)} within ${timeout} ms`)));
      request.on('error', reject);
      request.end();
    });
  }
}
