/**
 * Which HTTP client should the strategy use for its calls to Salesforce? The same GET (Bearer
 * header, body read and parsed) with each client of load/clients.mjs, against a loopback JSON
 * server that answers the emulator's identity document and against the emulator's identity URL.
 */
import { Buffer } from 'node:buffer';
import { URL, URLSearchParams } from 'node:url';
import { createPkcePair } from 'passport-salesforce-pkce';
import { CLIENTS, runClient } from '../load/clients.mjs';
import { CLIENT_ID, CLIENT_SECRET } from '../lib/apps.mjs';
import { DIRECT_REDIRECT, log, rotate } from '../lib/harness.mjs';

/** A token for the emulator user, by a headless login with PKCE. */
async function emulatorToken(emulatorUrl) {
  const pkce = createPkcePair();
  const authorize = new URL('/services/oauth2/authorize', emulatorUrl);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: DIRECT_REDIRECT,
    code_challenge: pkce.codeChallenge,
    code_challenge_method: 'S256',
    state: 'bench',
  }).toString();
  const redirect = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code');
  if (!code) throw new Error(`the emulator's authorize answered ${redirect.status} without a code`);
  const token = await fetch(new URL('/services/oauth2/token', emulatorUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uri: DIRECT_REDIRECT,
      code_verifier: pkce.codeVerifier,
    }),
  });
  const json = await token.json();
  if (!json.access_token) throw new Error(`the emulator's token endpoint answered ${JSON.stringify(json)}`);
  return json;
}

export async function clientRounds(harness) {
  const { settings, emulator } = harness;
  const token = await emulatorToken(emulator.info.url);
  const headers = { authorization: `Bearer ${token.access_token}`, accept: 'application/json' };
  const identity = await (await fetch(token.id, { headers })).text();
  const json = await harness.child('servers/json.mjs', [identity], 'json server');
  const targets = { 'loopback JSON server': json.info.url, 'emulator identity URL': token.id };
  for (const url of Object.values(targets)) {
    for (const client of CLIENTS)
      await runClient({ client, url, headers, duration: settings.warmupSeconds / 3, concurrency: settings.clientConcurrency });
  }
  const rounds = [];
  for (let round = 0; round < settings.clientRounds; round += 1) {
    const results = {};
    for (const [target, url] of Object.entries(targets)) {
      results[target] = {};
      for (const client of rotate(CLIENTS, round)) {
        results[target][client] = await harness.measure(() =>
          runClient({ client, url, headers, duration: settings.clientSeconds, concurrency: settings.clientConcurrency }),
        );
      }
    }
    rounds.push(results);
    log(`clients round ${round + 1}/${settings.clientRounds} done`);
  }
  await harness.stop(json);
  return { identityBytes: Buffer.byteLength(identity), targets: Object.keys(targets), rounds };
}
