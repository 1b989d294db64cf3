/**
 * A minimal browser for the emulator's pages: keeps the emulator's cookies, never follows
 * redirects on its own (each hop is asserted), and reads forms' hidden fields out of the HTML.
 */
import type { RunningEmulator } from '../src/index.js';

export interface PageResult {
  status: number;
  /** The Location header resolved against the emulator's URL, or `null`. */
  location: URL | null;
  headers: Headers;
  body: string;
}

export class PageBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly emulator: RunningEmulator) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private remember(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const equalsAt = pair.indexOf('=');
      const name = pair.slice(0, equalsAt).trim();
      const value = pair.slice(equalsAt + 1).trim();
      if (/max-age=0/i.test(header) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private async result(response: Response): Promise<PageResult> {
    this.remember(response);
    const location = response.headers.get('location');
    return {
      status: response.status,
      location: location === null ? null : new URL(location, this.emulator.url),
      headers: response.headers,
      body: await response.text(),
    };
  }

  async get(pathOrUrl: string | URL): Promise<PageResult> {
    const url = new URL(pathOrUrl, this.emulator.url);
    return this.result(await fetch(url, { redirect: 'manual', headers: { cookie: this.cookieHeader() } }));
  }

  async post(path: string, form: Record<string, string>): Promise<PageResult> {
    const response = await fetch(new URL(path, this.emulator.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return this.result(response);
  }
}

/** The value of `<input ... name="name" value="...">` in a page (the emulator writes name before value). */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (match === null) throw new Error(`no field ${name} in page:\n${html}`);
  return (match[1] ?? '').replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** The form's `action`. */
export function formAction(html: string): string {
  const match = /<form method="post" action="([^"]*)"/.exec(html);
  if (match === null) throw new Error(`no form in page:\n${html}`);
  return match[1] ?? '';
}
