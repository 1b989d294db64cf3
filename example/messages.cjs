'use strict';
// Failures a user (or a misconfiguration) can cause, in plain words for the error page. The
// strategy's errors carry Salesforce's own `error` and `error_description`; nothing here shows a
// stack trace or a token.
const {
  IdTokenError,
  SalesforceAuthorizationError,
  SalesforceNetworkError,
  SalesforceOAuthError,
  SalesforceResponseError,
  SalesforceTimeoutError,
} = require('passport-salesforce-pkce');

/** What Salesforce's OAuth error codes mean for the person in front of the screen. */
const OAUTH_ERRORS = {
  OAUTH_APP_BLOCKED: ['This app is blocked', 'Your Salesforce administrator has blocked this app. Ask them to allow it.'],
  inactive_user: ['Your Salesforce user is inactive', 'Your Salesforce user has been deactivated. Ask your administrator to activate it.'],
  inactive_org: ['Your Salesforce org is unavailable', 'Your Salesforce org is locked, closed or suspended.'],
  invalid_scope: [
    'This app asked for too much',
    "The app asked for permissions its Connected App doesn't have. Its developer must add the scopes to the Connected App.",
  ],
  invalid_client_id: [
    'This app is not set up correctly',
    'Salesforce does not know this app’s consumer key (SF_CLIENT_ID). Copy the Consumer Key from the Connected App, and check that SF_LOGIN_URL is the org (or sandbox) it belongs to; new Connected Apps can take up to 10 minutes to work.',
  ],
  invalid_client: [
    'This app is not set up correctly',
    'Salesforce rejected this app’s consumer secret (SF_CLIENT_SECRET). Set SF_CLIENT_SECRET to the Connected App’s Consumer Secret (App Manager, then View and Manage Consumer Details), or leave it out for a Connected App that does not require a secret, then restart the app.',
  ],
  redirect_uri_mismatch: [
    'This app is not set up correctly',
    'The callback URL (SF_CALLBACK_URL) is not one of the Connected App’s callback URLs. Add it to the Connected App exactly as the app sends it, or set SF_CALLBACK_URL to one that is there.',
  ],
  rate_limit_exceeded: ['Too many logins', 'You have logged in too many times in the last hour. Wait a while, then try again.'],
  immediate_unsuccessful: ['You need to log in', 'Salesforce needs you to log in or approve this app first.'],
};

/** A callback without a user: the person chose Deny, or the login can't be finished. */
function describeLoginFailure(query, info) {
  if (query.error === 'access_denied') {
    return {
      title: 'You didn’t allow access',
      text: 'You chose Deny on Salesforce, so you are not logged in. To use Acme Portal, log in again and choose Allow.',
      retry: true,
    };
  }
  return {
    title: 'Your login could not be finished',
    text: (info && info.message) || 'The login expired or was already used. Please log in again.',
    retry: true,
  };
}

/** Any error that reached the error handler. */
function describeError(error) {
  const salesforceWords = error.error ? `${error.error}${error.error_description ? `: ${error.error_description}` : ''}` : undefined;
  if (error instanceof SalesforceOAuthError || error instanceof SalesforceAuthorizationError) {
    if (error.endpoint === 'refresh' && error.error === 'invalid_grant') {
      return {
        title: 'Please log in again',
        text: 'Salesforce no longer accepts this login (it was revoked or has expired).',
        detail: salesforceWords,
        retry: true,
      };
    }
    if (error.error === 'invalid_grant') {
      return {
        title: 'Your login could not be finished',
        text: 'The login took too long or was already used. Please log in again.',
        detail: salesforceWords,
        retry: true,
      };
    }
    const [title, text] = OAUTH_ERRORS[error.error] || ['Salesforce refused the login', 'Salesforce could not complete the login.'];
    return { title, text, detail: salesforceWords, retry: true };
  }
  if (error instanceof SalesforceTimeoutError || error instanceof SalesforceNetworkError) {
    return {
      title: 'Salesforce is not answering',
      text: 'We could not reach Salesforce. Check your connection and try again in a moment.',
      retry: true,
    };
  }
  if (error instanceof SalesforceResponseError) {
    return {
      title: 'Salesforce is having trouble',
      text: 'Salesforce answered with an error page; it may be down for maintenance. Try again later.',
      retry: true,
    };
  }
  if (error?.code === 'TOKEN_SIGNATURE_MISMATCH' || error instanceof IdTokenError) {
    return {
      title: 'The login could not be verified',
      text: 'Salesforce’s answer did not pass our checks. If this keeps happening, check that SF_CLIENT_SECRET belongs to this Connected App.',
      retry: true,
    };
  }
  return { title: 'Something went wrong', text: 'Sorry, something went wrong on our side. Please try again.', retry: false };
}

module.exports = { describeLoginFailure, describeError };
