'use strict';
// Drives one login through an app and the emulator the way a browser would, keeping the app's
// cookie, and prints the callback's JSON answer. Shared by the CommonJS and ESM scratch apps.

function cookieOf(response) {
  const header = response.headers.get('set-cookie');
  return header ? header.split(';')[0] : undefined;
}

async function driveLogin(appUrl) {
  const login = await fetch(`${appUrl}/login`, { redirect: 'manual' });
  const cookie = cookieOf(login);
  const authorize = await fetch(login.headers.get('location'), { redirect: 'manual' });
  const callback = await fetch(authorize.headers.get('location'), { redirect: 'manual', headers: { cookie } });
  return { status: callback.status, body: await callback.json() };
}

module.exports = { driveLogin };
