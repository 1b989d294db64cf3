'use strict';
// The example app's HTML. Every value goes through the `html` tag, which escapes it; only
// fragments built by `html` itself are inserted as they are.

class Html {
  constructor(value) {
    this.value = value;
  }
  toString() {
    return this.value;
  }
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(value) {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
}

function html(strings, ...values) {
  return new Html(strings.reduce((out, string, i) => out + render(values[i - 1]) + string));
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2937;background:#f5f7fb}
.topbar{background:#fff;border-bottom:1px solid #e5e7eb;height:60px;display:flex;align-items:center;padding:0 28px;gap:14px}
.brand{font-weight:700;font-size:18px;color:#312e81;text-decoration:none;display:flex;align-items:center;gap:10px}
.brand .mark{width:30px;height:30px;border-radius:8px;background:linear-gradient(135deg,#6366f1,#312e81);display:inline-block}
.topbar .who{margin-left:auto;display:flex;align-items:center;gap:12px;color:#4b5563;font-size:14px}
main{max-width:880px;margin:36px auto;padding:0 20px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.05);padding:28px;margin-bottom:22px}
.hero{text-align:center;padding:56px 28px}
.hero h1{font-size:30px;margin:0 0 8px;color:#111827}
.hero p{color:#4b5563;margin:0 0 28px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:17px;margin:0 0 16px;color:#111827}
.muted{color:#6b7280}
.small{font-size:13px}
.button{display:inline-flex;align-items:center;gap:10px;height:44px;padding:0 20px;border-radius:8px;border:1px solid #4f46e5;background:#4f46e5;color:#fff;font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
.button:hover{background:#4338ca}
.button.salesforce{background:#0176d3;border-color:#0176d3}
.button.salesforce:hover{background:#014486}
.button.secondary{background:#fff;color:#374151;border-color:#d1d5db}
.button.secondary:hover{background:#f3f4f6}
.button.small{height:34px;padding:0 14px;font-size:14px}
.actions{display:flex;flex-wrap:wrap;gap:12px}
.actions form{margin:0}
.notice{border-radius:8px;padding:12px 16px;margin-bottom:22px;font-size:14px}
.notice.info{background:#eef2ff;border:1px solid #c7d2fe;color:#312e81}
.notice.success{background:#ecfdf5;border:1px solid #a7f3d0;color:#065f46}
.notice.warning{background:#fffbeb;border:1px solid #fde68a;color:#92400e}
.demo{max-width:460px;margin:28px auto 0;text-align:left}
.person{display:flex;gap:22px;align-items:center;margin-bottom:24px}
.person img{width:84px;height:84px;border-radius:50%;border:3px solid #e0e7ff;background:#eef2ff}
dl{display:grid;grid-template-columns:190px 1fr;gap:10px 18px;margin:0}
dt{color:#6b7280;font-size:14px}
dd{margin:0;word-break:break-all}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f4f6;border-radius:4px;padding:2px 6px}
.chip{display:inline-block;background:#eef2ff;color:#3730a3;border-radius:999px;padding:2px 10px;font-size:13px;margin:0 6px 6px 0}
pre{background:#0f172a;color:#e2e8f0;border-radius:8px;padding:16px;overflow:auto;font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:12px 0 0}
.request{display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.status{font-weight:700;border-radius:6px;padding:2px 8px;font-size:13px}
.status.ok{background:#dcfce7;color:#166534}
.status.bad{background:#fee2e2;color:#991b1b}
.error-card{border-left:4px solid #dc2626}
.error-card h1{color:#991b1b}
footer{text-align:center;color:#9ca3af;font-size:13px;margin:0 0 36px}
`;

const CLOUD = new Html(
  '<svg width="22" height="15" viewBox="0 0 100 66" aria-hidden="true"><g fill="#fff"><circle cx="31" cy="31" r="19"/><circle cx="55" cy="23" r="21"/><circle cx="77" cy="36" r="17"/><circle cx="18" cy="44" r="14"/><circle cx="84" cy="47" r="13"/><rect x="18" y="36" width="66" height="22" rx="11"/></g></svg>',
);

function layout({ title, user, body }) {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Acme Portal</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<div class="topbar">
<a class="brand" href="/"><span class="mark"></span>Acme Portal</a>
${
  user
    ? html`<div class="who"><span>${user.displayName}</span><form method="post" action="/logout"><button class="button secondary small" type="submit" id="logout" title="Revokes the Salesforce token and ends this session">Log out</button></form></div>`
    : ''
}
</div>
<main>
${body}
</main>
<footer>Example app for passport-salesforce-pkce</footer>
</body>
</html>
`.value;
}

/** The login page. `demo` describes the emulator when the app runs against it; `loggedOut` asks Salesforce for its login page. */
function homePage({ demo, notice, loggedOut }) {
  return layout({
    title: 'Welcome',
    body: html`${notice ? html`<div class="notice ${notice.kind}" role="status">${notice.text}</div>` : ''}
<div class="card hero">
<h1>Welcome to Acme Portal</h1>
<p>Sign in with your Salesforce account to see your profile and what your access lets this app do.</p>
<a class="button salesforce" href="${loggedOut ? '/auth/salesforce?prompt=login' : '/auth/salesforce'}" id="login">${CLOUD} Log in with Salesforce</a>
${
  demo
    ? html`<div class="notice info demo small">
<strong>Demo mode.</strong> No <code>SF_CLIENT_ID</code> is set, so this app logs in to a local Salesforce emulator at
<code>${demo.url}</code>. Log in as ${demo.users.map((user, i) => html`${i ? ' or ' : ''}<code>${user.username}</code>`)} with the password <code>${demo.users[0].password}</code>.
</div>`
    : ''
}
</div>`,
  });
}

/** Shows the first characters and the last four of a secret, never the whole of it. */
function mask(token) {
  if (!token) return 'none';
  return `${token.slice(0, 8)}…${token.slice(-4)} (${token.length} characters)`;
}

function profilePage({ user, notice, apiCall }) {
  const scopes = (user.scope || '').split(' ').filter(Boolean);
  return layout({
    title: 'Your profile',
    user,
    body: html`${notice ? html`<div class="notice ${notice.kind}" role="status">${notice.text}</div>` : ''}
<div class="card">
<div class="person">
<img src="/profile/photo" alt="">
<div><h1 id="display-name">${user.displayName}</h1><div class="muted" id="username">${user.username}</div></div>
</div>
<dl>
${user.email && user.email !== user.username ? html`<dt>Email</dt><dd id="email">${user.email}</dd>` : ''}
<dt>User ID</dt><dd><code>${user.id}</code></dd>
<dt>Organization ID</dt><dd><code id="org-id">${user.organizationId}</code></dd>
<dt>Instance URL</dt><dd><code id="instance-url">${user.instanceUrl}</code></dd>
<dt>Granted scopes</dt><dd id="scopes">${scopes.map((scope) => html`<span class="chip">${scope}</span>`)}</dd>
<dt>Access token</dt><dd><code id="access-token">${mask(user.accessToken)}</code></dd>
<dt>Refresh token</dt><dd><code>${mask(user.refreshToken)}</code></dd>
<dt>Token issued</dt><dd id="issued-at">${user.issuedAt ? new Date(user.issuedAt).toUTCString() : '—'}</dd>
</dl>
</div>
<div class="card">
<h2>What can the token do?</h2>
<p class="muted small">These buttons use the access token and <code>instance_url</code> from the login.</p>
<div class="actions">
<a class="button" href="/api" id="call-api">Call the Salesforce API</a>
${user.refreshToken ? html`<form method="post" action="/refresh"><button class="button secondary" type="submit" id="refresh">Refresh the access token</button></form>` : ''}
</div>
${
  apiCall
    ? html`<div id="api-result" style="margin-top:22px">
<div class="request"><span class="status ${apiCall.status < 300 ? 'ok' : 'bad'}">${apiCall.status}</span><code>GET ${apiCall.url}</code></div>
<pre>${apiCall.body}</pre>
</div>`
    : ''
}
</div>`,
  });
}

/** A failure explained in plain words: `{ title, text, detail?, retry? }`. */
function errorPage({ title, text, detail, retry }, user) {
  return layout({
    title,
    user,
    body: html`<div class="card error-card">
<h1 id="error-title">${title}</h1>
<p id="error-text">${text}</p>
${detail ? html`<p class="muted small">Salesforce said: <code id="error-detail">${detail}</code></p>` : ''}
<div class="actions">
${retry ? html`<a class="button salesforce" href="/auth/salesforce">${CLOUD} Log in again</a>` : ''}
<a class="button secondary" href="/">Home</a>
</div>
</div>`,
  });
}

/** Shown when Salesforce's photo can't be fetched. */
const PLACEHOLDER_PHOTO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200"><rect width="200" height="200" fill="#c7d2fe"/><circle cx="100" cy="78" r="38" fill="#fff"/><path d="M30 200c4-44 34-70 70-70s66 26 70 70z" fill="#fff"/></svg>';

module.exports = { homePage, profilePage, errorPage, PLACEHOLDER_PHOTO };
