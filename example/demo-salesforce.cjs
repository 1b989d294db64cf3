'use strict';
// A local Salesforce for the demo: the package's emulator, with its login and approval pages and
// the REST resources this app calls, a seeded Connected App and two users.
const { startEmulator } = require('salesforce-oauth-emulator');

const DEMO_USERS = [
  { username: 'ada@example.com', password: 'password', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  { username: 'grace@example.com', password: 'password', firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' },
];

async function startDemoSalesforce({ callbackURL, scope }) {
  const app = {
    clientId: 'demo-consumer-key',
    clientSecret: 'demo-consumer-secret',
    name: 'Acme Portal',
    redirectUris: [callbackURL],
    scopes: [...scope, 'openid', 'profile', 'email'],
  };
  const emulator = await startEmulator({
    port: Number(process.env.SF_EMULATOR_PORT || 0),
    interactive: true,
    restApi: true,
    // The demo runs until stopped: a request log nobody reads would only grow.
    recordRequests: false,
    users: DEMO_USERS,
    apps: [app],
  });
  return {
    emulator,
    users: DEMO_USERS,
    settings: { clientID: app.clientId, clientSecret: app.clientSecret, loginURL: emulator.url },
  };
}

module.exports = { startDemoSalesforce };
