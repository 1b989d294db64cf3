import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorEndpoint, EmulatorFault } from 'salesforce-oauth-emulator';
import {
  SalesforceNetworkError,
  SalesforceOAuthError,
  SalesforceResponseError,
  SalesforceTimeoutError,
  type SalesforceEndpoint,
} from '../../src/errors.js';
import { pendingLogins, startFixture, type Fixture } from '../helpers/fixture.js';

/**
 * Every outbound call of the strategy × every way Salesforce (or the network in between) can fail.
 * Each cell asserts the exact typed error (or a success for a slow answer within requestTimeout),
 * that a login's pending entry is consumed, and that the next call works once the fault is gone.
 */

let fixture: Fixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** Bound for the hang rows; every other row keeps the default 10 s, far above any delay it injects. */
const HANG_TIMEOUT = 300;

type ErrorClass =
  typeof SalesforceOAuthError | typeof SalesforceResponseError | typeof SalesforceNetworkError | typeof SalesforceTimeoutError;
interface Outcome {
  /** `undefined`: the call succeeds. */
  type?: ErrorClass;
  /** The error's fields besides `endpoint`, message included, for endpoint `E`. */
  fields?: (endpoint: SalesforceEndpoint) => Record<string, unknown>;
}

interface FaultRow {
  label: string;
  fault: EmulatorFault;
  outcome: Outcome;
  /** Where revoke, whose success is any 200, differs. */
  revoke?: Outcome;
  requestTimeout?: number;
}

const SUCCESS: Outcome = {};
const response = (status: number, problem: string): Outcome => ({
  type: SalesforceResponseError,
  fields: (endpoint) => ({
    code: 'SALESFORCE_RESPONSE_ERROR',
    status,
    message: `Salesforce ${endpoint} request failed: HTTP ${status}, ${problem}`,
  }),
});

const FAULTS: FaultRow[] = [
  {
    label: '503 plain text',
    fault: { kind: 'status', status: 503, body: 'Service Unavailable' },
    outcome: response(503, 'a body that is not a JSON object'),
  },
  {
    label: "500 with Salesforce's error JSON",
    fault: {
      kind: 'status',
      status: 500,
      body: '{"error":"unknown_error","error_description":"retry your request"}',
      contentType: 'application/json;charset=UTF-8',
    },
    outcome: {
      type: SalesforceOAuthError,
      fields: (endpoint) => ({
        code: 'SALESFORCE_OAUTH_ERROR',
        status: 500,
        error: 'unknown_error',
        error_description: 'retry your request',
        message: `Salesforce ${endpoint} request failed: HTTP 500, an error code Salesforce does not document`,
      }),
    },
  },
  { label: '500 HTML maintenance page', fault: { kind: 'html' }, outcome: response(500, 'an HTML page instead of JSON') },
  { label: '200 HTML page', fault: { kind: 'html', status: 200 }, outcome: response(200, 'an HTML page instead of JSON'), revoke: SUCCESS },
  {
    label: '200 malformed JSON',
    fault: { kind: 'malformed-json' },
    outcome: response(200, 'a body that is not a JSON object'),
    revoke: SUCCESS,
  },
  { label: '200 empty body', fault: { kind: 'empty' }, outcome: response(200, 'empty body'), revoke: SUCCESS },
  { label: '502 empty body', fault: { kind: 'empty', status: 502 }, outcome: response(502, 'empty body') },
  // An endless or huge answer is cut off, not buffered: memory stays bounded whatever comes back.
  {
    label: '200 answer larger than 1 MiB',
    fault: { kind: 'status', status: 200, body: `{"a":"${'x'.repeat(1024 * 1024)}"}`, contentType: 'application/json' },
    outcome: response(200, 'the answer is larger than 1 MiB'),
  },
  {
    label: 'connection reset',
    fault: { kind: 'reset' },
    outcome: {
      type: SalesforceNetworkError,
      fields: (endpoint) => ({ code: 'SALESFORCE_NETWORK_ERROR', message: `Salesforce ${endpoint} request failed: ECONNRESET` }),
    },
  },
  {
    label: 'hang past requestTimeout',
    fault: { kind: 'hang' },
    requestTimeout: HANG_TIMEOUT,
    outcome: {
      type: SalesforceTimeoutError,
      fields: (endpoint) => ({
        code: 'SALESFORCE_TIMEOUT',
        timeout: HANG_TIMEOUT,
        message: `Salesforce ${endpoint} request timed out after ${HANG_TIMEOUT} ms`,
      }),
    },
  },
  { label: 'slow but within requestTimeout', fault: { kind: 'delay', ms: 150 }, outcome: SUCCESS },
];

/** Which emulator endpoint serves each call of the strategy, and the scope the login needs for it. */
const LOGIN_CALLS: Array<{ endpoint: SalesforceEndpoint; emulatorEndpoint: EmulatorEndpoint; scope?: string[] }> = [
  { endpoint: 'token', emulatorEndpoint: 'token' },
  { endpoint: 'identity', emulatorEndpoint: 'identity' },
  { endpoint: 'keys', emulatorEndpoint: 'keys', scope: ['openid', 'api'] },
];

function expectOutcome(error: unknown, outcome: Outcome, endpoint: SalesforceEndpoint): void {
  if (!outcome.type) {
    expect(error).toBeUndefined();
    return;
  }
  expect(error).toBeInstanceOf(outcome.type);
  expect(error).toMatchObject({ name: outcome.type.name, endpoint, ...outcome.fields?.(endpoint) });
}

describe.each(LOGIN_CALLS)('a login whose $endpoint call fails', ({ endpoint, emulatorEndpoint, scope }) => {
  it.each(FAULTS)(
    '$label: the typed error or a success, the pending login consumed, the next login fine',
    async ({ fault, outcome, requestTimeout }) => {
      fixture = await startFixture({ app: { strategy: { ...(scope ? { scope } : {}), ...(requestTimeout ? { requestTimeout } : {}) } } });
      const { emulator, app } = fixture;
      emulator.setFault(emulatorEndpoint, fault);
      const browser = fixture.browser();
      const result = await browser.login();

      // A GET that meets a reset on the connection the token call left open goes once more on a
      // new one. The keys are fetched alongside the token call, on a connection of their own.
      expect(emulator.requestsTo(emulatorEndpoint)).toHaveLength(fault.kind === 'reset' && endpoint === 'identity' ? 2 : 1);
      expectOutcome(app.errors[0], outcome, endpoint);
      if (outcome.type) {
        expect(result.status).toBe(500);
        // The app's error handler answers with these fields of the error.
        const shown = Object.entries(outcome.fields?.(endpoint) ?? {}).filter(([key]) =>
          ['code', 'message', 'error', 'error_description'].includes(key),
        );
        expect(result.body).toEqual({ outcome: 'error', name: outcome.type.name, ...Object.fromEntries(shown) });
        expect(app.verifyCalls).toHaveLength(0);
      } else {
        expect(result.body).toMatchObject({ outcome: 'success', user: { username: 'ada@example.com' } });
      }
      const after = await browser.me();
      expect(pendingLogins(after.session)).toEqual({});
      expect(after.user).toEqual(outcome.type ? null : result.body.user);

      emulator.clearFaults();
      expect((await fixture.browser().login()).body).toMatchObject({ outcome: 'success', user: { username: 'ada@example.com' } });
      expect(app.errors).toHaveLength(outcome.type ? 1 : 0);
    },
  );
});

async function settle(promise: Promise<unknown>): Promise<{ value?: unknown; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('strategy.refresh() whose token call fails', () => {
  it.each(FAULTS)('$label: the typed error or a new token set, and the next refresh works', async ({ fault, outcome, requestTimeout }) => {
    fixture = await startFixture({ app: { strategy: { scope: ['api', 'refresh_token'], ...(requestTimeout ? { requestTimeout } : {}) } } });
    const { emulator, app } = fixture;
    expect((await fixture.browser().login()).body.outcome).toBe('success');
    const refreshToken = app.verifyCalls[0]?.refreshToken ?? '';
    emulator.setFault('token', fault);
    const { value, error } = await settle(app.strategy.refresh(refreshToken));
    expectOutcome(error, outcome, 'refresh');
    if (!outcome.type) expect(value).toMatchObject({ accessToken: expect.stringMatching(/^00D\w{12}!/) });

    emulator.clearFaults();
    await expect(app.strategy.refresh(refreshToken)).resolves.toMatchObject({ accessToken: expect.stringMatching(/^00D\w{12}!/) });
  });
});

describe('strategy.revoke() whose call fails', () => {
  it.each(FAULTS)(
    '$label: the typed error or a revocation, and the next revoke works',
    async ({ fault, outcome, revoke, requestTimeout }) => {
      fixture = await startFixture({
        app: { strategy: { scope: ['api', 'refresh_token'], ...(requestTimeout ? { requestTimeout } : {}) } },
      });
      const { emulator, app } = fixture;
      expect((await fixture.browser().login()).body.outcome).toBe('success');
      const accessToken = app.verifyCalls[0]?.accessToken ?? '';
      const expected = revoke ?? outcome;
      emulator.setFault('revoke', fault);
      const { error } = await settle(app.strategy.revoke(accessToken));
      expectOutcome(error, expected, 'revoke');

      const identityStatus = (call = app.verifyCalls[0]): Promise<number> =>
        fetch(String(call?.params.id), { headers: { authorization: `Bearer ${call?.accessToken}` } }).then((r) => r.status);
      // A slow answer within the bound is a real revocation.
      if (fault.kind === 'delay') expect(await identityStatus()).toBe(403);

      emulator.clearFaults();
      expect((await fixture.browser().login()).body.outcome).toBe('success');
      const next = app.verifyCalls[1];
      await expect(app.strategy.revoke(next?.accessToken ?? '')).resolves.toBeUndefined();
      expect(await identityStatus(next)).toBe(403);
    },
  );
});
