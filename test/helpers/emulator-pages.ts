/**
 * A browser at the emulator's own pages (`interactive: true`, as `npm start` and the command line
 * run it): it keeps the emulator's cookie across logins, as a real browser keeps its Salesforce
 * session, and records which pages it was shown.
 */
export class EmulatorBrowser {
  /** The emulator's session cookie, once it set one. */
  cookie = '';
  /** The pages shown so far, in order: `'login'` and `'approval'`. */
  readonly pagesShown: string[] = [];

  constructor(readonly credentials: { username: string; password: string }) {}

  /**
   * Follows redirects from `authorizeUrl` and submits each form the emulator shows (the login form
   * with these credentials, Allow on the approval page), until the emulator sends the browser back
   * to `appUrl`. Resolves to that callback URL.
   */
  async walk(authorizeUrl: string, appUrl: string): Promise<string> {
    let at = authorizeUrl;
    let response = await this.#fetch(at);
    for (let step = 0; step < 10; step++) {
      const location = response.headers.get('location');
      if (location !== null) {
        at = new URL(location, at).href;
        if (at.startsWith(appUrl)) return at;
        response = await this.#fetch(at);
        continue;
      }
      const page = await response.text();
      const form = /<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(page);
      if (form === null) throw new Error(`the emulator answered ${response.status} without a form:\n${page}`);
      const body = form[2] ?? '';
      const fields = new URLSearchParams();
      for (const [, name = '', value = ''] of body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
        fields.set(name, value);
      if (/name="username"/.test(body)) {
        this.pagesShown.push('login');
        fields.set('username', this.credentials.username);
        fields.set('pw', this.credentials.password);
      }
      if (/name="decision" value="allow"/.test(body)) {
        this.pagesShown.push('approval');
        fields.set('decision', 'allow');
      }
      at = new URL(form[1] ?? '', at).href;
      response = await this.#fetch(at, { method: 'POST', body: fields });
    }
    throw new Error('the emulator never sent the browser back to the app');
  }

  async #fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: this.cookie ? { cookie: this.cookie } : {} });
    for (const setCookie of response.headers.getSetCookie()) this.cookie = setCookie.split(';')[0] ?? '';
    return response;
  }
}
