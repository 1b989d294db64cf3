/**
 * The emulator's HTML pages: login, approval ("Allow Access?") and short messages. Server-rendered
 * HTML and CSS, no script. Every interpolated value is escaped by the `html` template tag; only
 * fragments built by it (`SafeHtml`) are inserted as they are. Pure.
 */
import { escapeHtml, HTML_CONTENT_TYPE, type EmulatorResponse } from './responses.js';

/** Markup that is already escaped. */
class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type HtmlValue = string | number | SafeHtml | readonly HtmlValue[] | undefined | null | false;

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((item: HtmlValue) => render(item)).join('');
  return escapeHtml(String(value));
}

/** Template tag: escapes every interpolation except `SafeHtml` (and arrays of it). */
function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/**
 * Headers for every page: not cached, not framed (no clickjacking of the Allow button), no
 * script, no referrer. `form-action` is left out on purpose: browsers apply it to the redirect
 * that follows a form post, which here goes to the app's callback.
 */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': HTML_CONTENT_TYPE,
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

const STYLE = `
*{box-sizing:border-box}
html{background:#f3f3f3}
body{margin:0;font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#181818}
header{background:#0176d3;color:#fff;height:56px;display:flex;align-items:center;padding:0 24px;gap:10px;box-shadow:0 2px 4px rgba(0,0,0,.15)}
header .brand{font-size:18px;font-weight:600;letter-spacing:.2px}
header .badge{margin-left:auto;font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.8px;background:rgba(255,255,255,.18);border:1px solid rgba(255,255,255,.45);border-radius:12px;padding:2px 10px}
main{max-width:420px;margin:48px auto 24px;padding:0 16px}
.logo{display:block;margin:0 auto 20px}
.card{background:#fff;border:1px solid #dddbda;border-radius:8px;box-shadow:0 2px 6px rgba(0,0,0,.07);padding:28px 28px 24px}
h1{font-size:22px;font-weight:400;margin:0 0 16px;text-align:center;color:#181818}
label{display:block;font-size:13px;color:#3e3e3c;margin:14px 0 6px}
input[type=text],input[type=password]{width:100%;height:42px;padding:0 12px;font-size:15px;border:1px solid #c9c9c9;border-radius:4px;background:#fff;color:#181818}
input:focus{outline:none;border-color:#0176d3;box-shadow:0 0 0 3px rgba(1,118,211,.25)}
.button{display:inline-block;height:44px;padding:0 18px;font-size:15px;border-radius:4px;border:1px solid #0176d3;background:#0176d3;color:#fff;cursor:pointer;font-weight:600}
.button:hover{background:#014486;border-color:#014486}
.button.neutral{background:#fff;color:#0176d3;border-color:#c9c9c9}
.button.neutral:hover{background:#f3f3f3}
.wide{width:100%;margin-top:22px}
.error{background:#fef1ee;border:1px solid #ea001e;border-left-width:4px;color:#8c0b1a;border-radius:4px;padding:10px 12px;margin:0 0 8px;font-size:13px}
.muted{color:#5c5c5c;font-size:13px}
.center{text-align:center}
.app{font-weight:700}
ul.scopes{list-style:none;padding:0;margin:12px 0 18px;border-top:1px solid #ecebea}
ul.scopes li{padding:10px 2px 10px 28px;border-bottom:1px solid #ecebea;position:relative}
ul.scopes li:before{content:"";position:absolute;left:4px;top:15px;width:10px;height:10px;border-radius:50%;background:#0176d3}
ul.scopes code{color:#5c5c5c;font-size:12px}
.actions{display:flex;gap:12px;justify-content:flex-end;margin-top:20px}
.who{margin:0;padding:12px;background:#f3f3f3;border-radius:4px}
a{color:#0176d3}
footer{text-align:center;color:#706e6b;font-size:12px;margin:8px auto 40px;max-width:420px;padding:0 16px}
`;

/** A cloud drawn in SVG, so the page needs nothing but itself. */
const CLOUD_SVG = (width: number, color: string, className: string): SafeHtml =>
  html`<svg class="${className}" width="${width}" height="${Math.round(width * 0.66)}" viewBox="0 0 100 66" role="img" aria-label="Salesforce emulator"><g fill="${color}"><circle cx="31" cy="31" r="19"/><circle cx="55" cy="23" r="21"/><circle cx="77" cy="36" r="17"/><circle cx="18" cy="44" r="14"/><circle cx="84" cy="47" r="13"/><rect x="18" y="36" width="66" height="22" rx="11"/></g></svg>`;

interface PageOptions {
  title: string;
  body: SafeHtml;
  status?: number;
  headers?: Record<string, string>;
}

/** The page frame: blue header that says this is an emulator, a logo, the card, a footer. */
function page(options: PageOptions): EmulatorResponse {
  const body = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} | Salesforce Emulator</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<header>${CLOUD_SVG(34, '#ffffff', 'mark')}<span class="brand">Salesforce Emulator</span><span class="badge" title="A local emulator for development, not Salesforce">Local</span></header>
<main>
${CLOUD_SVG(96, '#0176d3', 'logo')}
<div class="card">
${options.body}
</div>
</main>
<footer>A local emulator of Salesforce's login, for development and tests. Never enter real Salesforce credentials here.</footer>
</body>
</html>
`;
  return { status: options.status ?? 200, headers: { ...PAGE_HEADERS, ...options.headers }, body: body.value };
}

export interface LoginPageOptions {
  /** Where the form posts, e.g. `/login`. */
  action: string;
  requestId: string;
  csrfToken: string;
  username: string;
  /** Shown above the form, e.g. after a wrong password. */
  error?: string;
  /** The Connected App asking, named under the title. */
  appName: string;
  status?: number;
  headers?: Record<string, string>;
}

/** Salesforce's wording for a failed login, for a wrong password and an unknown username alike. */
export const LOGIN_ERROR = "Please check your username and password. If you still can't log in, contact your Salesforce administrator.";

export function loginPage(options: LoginPageOptions): EmulatorResponse {
  const body = html`<h1>Log In</h1>
<p class="muted center">to continue to <span class="app">${options.appName}</span></p>
${options.error ? html`<div class="error" role="alert" id="error">${options.error}</div>` : ''}
<form method="post" action="${options.action}" id="login_form" autocomplete="off">
<input type="hidden" name="request" value="${options.requestId}">
<input type="hidden" name="csrf" value="${options.csrfToken}">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="${options.username}" autocapitalize="none" spellcheck="false"${options.username ? '' : new SafeHtml(' autofocus')}>
<label for="password">Password</label>
<input type="password" id="password" name="pw"${options.username ? new SafeHtml(' autofocus') : ''}>
<button class="button wide" type="submit" id="Login" name="Login">Log In</button>
</form>`;
  return page({
    title: 'Login',
    body,
    ...(options.status === undefined ? {} : { status: options.status }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
}

/** What each scope lets the app do, in the words of Salesforce's approval page. */
const SCOPE_LABELS: Readonly<Record<string, string>> = {
  api: 'Manage user data via APIs',
  web: 'Manage user data via Web browsers',
  full: 'Full access',
  id: 'Access the identity URL service',
  profile: 'Access your basic profile information',
  email: 'Access your email address',
  address: 'Access your address',
  phone: 'Access your phone number',
  openid: 'Access unique user identifiers',
  refresh_token: 'Perform requests at any time',
  offline_access: 'Perform requests at any time',
  chatter_api: 'Access Connect REST API resources',
  visualforce: 'Access Visualforce applications',
  custom_permissions: 'Access custom permissions',
  wave_api: 'Access Analytics REST API resources',
  eclair_api: 'Access Analytics REST API Charts Geodata resources',
  pardot_api: 'Access Pardot services',
  lightning: 'Access Lightning applications',
  content: 'Access content resources',
  cdp_api: 'Manage Data Cloud data',
  sfap_api: 'Access the Salesforce API Platform',
};

/** Scopes grouped by what they allow, in request order: `[label, scopes][]`. */
function scopeDescriptions(scopes: readonly string[]): Array<[string, string[]]> {
  const groups = new Map<string, string[]>();
  for (const scope of scopes) {
    const label = SCOPE_LABELS[scope] ?? scope;
    groups.set(label, [...(groups.get(label) ?? []), scope]);
  }
  return [...groups];
}

export interface ApprovalPageOptions {
  action: string;
  /** Where "Not you?" leads: the login page for this request. */
  switchUserHref: string;
  requestId: string;
  csrfToken: string;
  appName: string;
  username: string;
  scopes: readonly string[];
  headers?: Record<string, string>;
}

export function approvalPage(options: ApprovalPageOptions): EmulatorResponse {
  const items = scopeDescriptions(options.scopes).map(([label, scopes]) => html`<li>${label} <code>(${scopes.join(', ')})</code></li>`);
  const body = html`<h1>Allow Access?</h1>
<p><span class="app" id="app-name">${options.appName}</span> is asking to:</p>
<ul class="scopes" id="scopes">${items}</ul>
<p class="who">Do you want to allow access for <strong id="username">${options.username}</strong>? <a href="${options.switchUserHref}">(Not you?)</a></p>
<form method="post" action="${options.action}">
<input type="hidden" name="request" value="${options.requestId}">
<input type="hidden" name="csrf" value="${options.csrfToken}">
<div class="actions">
<button class="button neutral" type="submit" name="decision" value="deny" id="oadeny">Deny</button>
<button class="button" type="submit" name="decision" value="allow" id="oaapprove">Allow</button>
</div>
</form>
<p class="muted">To revoke access at any time, go to your personal settings.</p>`;
  return page({ title: 'Allow Access', body, ...(options.headers === undefined ? {} : { headers: options.headers }) });
}

/** A page that only explains something: an expired login, missing cookies, a bad form. */
export function messagePage(title: string, message: string, status: number, headers?: Record<string, string>): EmulatorResponse {
  return page({
    title,
    status,
    body: html`<h1>${title}</h1><p class="center" id="message">${message}</p>`,
    ...(headers === undefined ? {} : { headers }),
  });
}

/**
 * Salesforce's `RemoteAccessErrorPage.apexp` for authorize errors it must not redirect (an unknown
 * client, a missing or unregistered redirect_uri), in the pages' look. It keeps the plain page's
 * `error=` and `error_description=` lines, which is what people paste into bug reports.
 */
export function remoteAccessErrorPageStyled(
  error: string,
  description: string,
  details: ReadonlyArray<readonly [string, string]> = [],
): EmulatorResponse {
  return page({
    title: 'Remote Access Error',
    status: 400,
    body: html`<div id="content" data-page="/setup/secur/RemoteAccessErrorPage.apexp">
<h1 id="header">Remote Access Error</h1>
<p>There was a problem in setting up your remote access.</p>
<div class="error" role="alert"><span class="errorcode">error=${error}</span><br>
<span class="errordescription">error_description=${description}</span></div>
${details.length === 0 ? '' : html`<dl class="details">${details.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>`}
<p class="muted">Check the app's consumer key and that its callback URL is one of the Connected App's Callback URLs, exactly.</p>
</div>`,
  });
}
