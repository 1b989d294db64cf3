/**
 * The example app in a real browser: Chromium (Debian's, through playwright-core) logs in on the
 * emulator's pages, approves, sees the profile, calls the API, refreshes, logs out; and denies.
 * Every page is saved as a screenshot in test-results/e2e/.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../../test-results/e2e/', import.meta.url));
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

let app: ChildProcessWithoutNullStreams;
let appUrl = '';
let emulatorUrl = '';
let browser: Browser;

/** Starts `npm start`'s command with no Salesforce settings: the demo mode. */
async function startExampleApp(): Promise<void> {
  const port = await freePort();
  const settings = new Set(['SF_CLIENT_ID', 'SF_CLIENT_SECRET', 'SF_LOGIN_URL', 'SF_CALLBACK_URL', 'SF_EMULATOR_PORT']);
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !settings.has(name))), PORT: String(port) };
  app = spawn(process.execPath, ['example/server.cjs'], { cwd: ROOT, env });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example app did not start:\n${output}`)), 30_000);
    app.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    app.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Example app running at')) {
        clearTimeout(timer);
        resolve();
      }
    });
    app.once('exit', (code) => reject(new Error(`the example app exited with ${code}:\n${output}`)));
  });
  expect(output).toContain('Log in as ada@example.com or grace@example.com, password "password"');
  emulatorUrl = /local Salesforce emulator at (\S+)/.exec(output)?.[1] ?? '';
  appUrl = `http://localhost:${port}`;
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  await startExampleApp();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  app?.kill();
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Every page a user sees: finished, not debug output. */
async function expectNoDebugOutput(page: Page): Promise<void> {
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/); // a stack trace
  expect(text).not.toMatch(/\b(TypeError|ReferenceError|undefined|\[object Object\])\b/);
}

/** The text of the first element matching `selector`, once it is there. */
async function text(page: Page, selector: string): Promise<string> {
  const locator = page.locator(selector).first();
  await locator.waitFor();
  return (await locator.innerText()).trim();
}

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  return context.newPage();
}

async function logInOnEmulator(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#Login');
}

describe('the example app in Chromium', () => {
  // Before Grace ever approves the app (the emulator remembers approvals): she sees the approval page.
  it('explains in plain words that the user denied access', async () => {
    const page = await newPage();
    await page.goto(appUrl);
    await page.click('#login');
    await page.waitForURL((url) => url.href.startsWith(`${emulatorUrl}/?ec=302`));
    await logInOnEmulator(page, 'grace@example.com', 'password');
    await page.waitForURL(/RemoteAccessAuthorizationPage\.apexp/);
    expect(await page.locator('#username').innerText()).toBe('grace@example.com');
    await page.click('#oadeny');
    await page.waitForURL((url) => url.pathname === '/auth/salesforce/callback');
    expect(await text(page, '#error-title')).toBe('You didn’t allow access');
    expect(await page.locator('#error-text').innerText()).toContain('You chose Deny on Salesforce');
    await expectNoDebugOutput(page);
    await shot(page, '09-denied');

    // Not logged in: the profile sends the user home.
    await page.goto(`${appUrl}/profile`);
    expect(new URL(page.url()).pathname).toBe('/');
    await page.context().close();
  });

  it('logs in, approves, shows the profile, calls the API, refreshes and logs out', async () => {
    const page = await newPage();
    await page.goto(appUrl);
    expect(await text(page, '#login')).toBe('Log in with Salesforce');
    expect(await page.locator('.demo').innerText()).toContain('ada@example.com');
    await shot(page, '01-home');

    await page.click('#login');
    await page.waitForURL((url) => url.href.startsWith(`${emulatorUrl}/?ec=302`));
    expect(await page.title()).toBe('Login | Salesforce Emulator');
    expect(await page.locator('.card').innerText()).toContain('to continue to Acme Portal');
    await shot(page, '02-emulator-login');

    await logInOnEmulator(page, 'ada@example.com', 'not-the-password');
    expect(await text(page, '#error')).toContain('Please check your username and password.');
    await expectNoDebugOutput(page);
    await shot(page, '03-emulator-login-error');

    await logInOnEmulator(page, 'ada@example.com', 'password');
    await page.waitForURL(/RemoteAccessAuthorizationPage\.apexp/);
    expect(await text(page, '#app-name')).toBe('Acme Portal');
    const scopes = await page.locator('#scopes').innerText();
    expect(scopes).toContain('Manage user data via APIs (api)');
    expect(scopes).toContain('Perform requests at any time (refresh_token)');
    await shot(page, '04-emulator-approval');

    await page.click('#oaapprove');
    await page.waitForURL(`${appUrl}/profile`);
    expect(await text(page, '#display-name')).toBe('Ada Lovelace');
    expect(await page.locator('#scopes .chip').allInnerTexts()).toEqual(['api', 'id', 'refresh_token']);
    expect(await text(page, '#instance-url')).toBe(emulatorUrl);
    const firstToken = await page.locator('#access-token').innerText();
    expect(firstToken).toMatch(/^00D5g000…\S{4} \(\d+ characters\)$/);
    // The photo came through the app's proxy with the token.
    expect(await page.locator('.person img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await expectNoDebugOutput(page);
    await shot(page, '05-profile');

    await page.click('#call-api');
    expect(await text(page, '#api-result .status')).toBe('200');
    const answer = JSON.parse(await page.locator('#api-result pre').innerText()) as Record<string, unknown>;
    expect(answer).toMatchObject({ Name: 'Ada Lovelace', Username: 'ada@example.com', IsActive: true });
    await shot(page, '06-api-answer');

    await page.click('#refresh');
    await page.waitForURL(`${appUrl}/profile?refreshed=1`);
    expect(await text(page, '.notice')).toBe('The access token was refreshed.');
    expect(await page.locator('#access-token').innerText()).not.toBe(firstToken);
    await shot(page, '07-refreshed');

    await page.click('#logout');
    await page.waitForURL(`${appUrl}/?loggedOut=1`);
    expect(await text(page, '.notice')).toBe('You have logged out, and the Salesforce token was revoked.');
    await shot(page, '08-logged-out');

    // Still logged in at Salesforce, but the login after a logout asks for its login page
    // (prompt=login): the other demo user can log in.
    await page.click('#login');
    await page.waitForURL((url) => url.href.startsWith(`${emulatorUrl}/?ec=302`));
    await logInOnEmulator(page, 'grace@example.com', 'password');
    await page.waitForURL(/RemoteAccessAuthorizationPage\.apexp/);
    await page.click('#oaapprove');
    await page.waitForURL(`${appUrl}/profile`);
    expect(await text(page, '#display-name')).toBe('Grace Hopper');
    await shot(page, '09-second-user');
    await page.context().close();
  });

  it('explains an expired or replayed login without a stack trace', async () => {
    const page = await newPage();
    const response = await page.goto(`${appUrl}/auth/salesforce/callback?code=aPrx123&state=made-up`);
    expect(response?.status()).toBe(401);
    expect(await text(page, '#error-title')).toBe('Your login could not be finished');
    expect(await text(page, '#error-text')).toContain('start the login again');
    await expectNoDebugOutput(page);
    await shot(page, '10-expired-login');

    // A login sent with a callback URL the Connected App doesn't have stops at Salesforce's error page.
    const authorize = new URL(`${emulatorUrl}/services/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'demo-consumer-key',
      redirect_uri: 'http://localhost:1/wrong',
    }).toString();
    const mismatch = await page.goto(authorize.href);
    expect(mismatch?.status()).toBe(400);
    expect(await text(page, '.errorcode')).toBe('error=redirect_uri_mismatch');
    await shot(page, '11-emulator-remote-access-error');

    const missing = await page.goto(`${appUrl}/no-such-page`);
    expect(missing?.status()).toBe(404);
    expect(await text(page, '#error-title')).toBe('Page not found');
    await page.context().close();
  });
});
