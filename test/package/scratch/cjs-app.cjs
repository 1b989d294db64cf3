'use strict';
// A legacy CommonJS site: everything comes in through require().
const express = require('express');
const session = require('express-session');
const passport = require('passport');
const { Strategy } = require('passport-salesforce-pkce');
const { startEmulator } = require('salesforce-oauth-emulator');
const { loginOnce } = require('./drive-login.cjs');

loginOnce({
  express,
  session,
  passport,
  Strategy,
  startEmulator,
  clientID: 'scratch-cjs',
  verify: (accessToken, refreshToken, profile, done) => done(null, { username: profile.username }),
}).catch((error) => {
  console.error(error);
  process.exit(1);
});
