import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmulatorFault, IdTokenTweak } from 'salesforce-oauth-emulator';
import { SalesforceError, type SalesforceTokenSet } from '../../src/index.js';
import { CLIENT_SECRET, startFixture, type Fixture } from '../helpers/fixture.js';
import { startTokenProxy, type TokenProxy } from '../helpers/token-proxy.js';
import { propertyParameters, watchProcess, type ProcessWatch } from './support.js';

/**
 * Refresh token rotation: every refresh Salesforce answers with 200 has spent the refresh token
 * it was given. Whatever goes wrong around a refresh (before Salesforce's answer, or in any check
 * after it), an app that keeps what `refresh()` resolves to or what its rejection carries in
 * `err.tokens` must always hold a refresh token that works: the user's grant never ends.
 */

type Step =
  | { kind: 'clean' }
  | { kind: 'before-200'; fault: EmulatorFault }
  | { kind: 'tamper'; field: 'signature' | 'instance_url' }
  | { kind: 'id-token'; tweak: IdTokenTweak }
  | { kind: 'keys'; fault: EmulatorFault };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'clean' }),
  fc
    .constantFrom<EmulatorFault>(
      { kind: 'status', status: 503, body: 'Service Unavailable' },
      { kind: 'reset' },
      { kind: 'hang' },
      { kind: 'html' },
    )
    .map((fault): Step => ({ kind: 'before-200', fault })),
  fc.constantFrom<'signature' | 'instance_url'>('signature', 'instance_url').map((field): Step => ({ kind: 'tamper', field })),
  fc
    .constantFrom<IdTokenTweak>(
      { claims: { iss: 'https://acme.my.salesforce.com' } },
      { claims: { aud: 'another-client' } },
      { claims: { sub: 'https://login.salesforce.com/id/00D5g000004EmUlEAK/0055g00000OthErAAA' } },
      { signature: 'corrupt' },
      { signature: 'unpublished-key' },
    )
    .map((tweak): Step => ({ kind: 'id-token', tweak })),
  fc
    .constantFrom<EmulatorFault>(
      { kind: 'status', status: 503, body: 'Service Unavailable' },
      { kind: 'hang' },
      { kind: 'reset' },
      { kind: 'malformed-json' },
    )
    .map((fault): Step => ({ kind: 'keys', fault })),
);

describe('refresh token rotation under faults', () => {
  let fixture: Fixture;
  let proxy: TokenProxy;
  let watch: ProcessWatch;

  beforeAll(async () => {
    watch = watchProcess();
    proxy = await startTokenProxy();
    fixture = await startFixture({
      app: {
        strategy: {
          clientSecret: CLIENT_SECRET,
          scope: ['openid', 'api', 'refresh_token'],
          tokenURL: proxy.tokenURL,
          requestTimeout: 1_500,
        },
      },
      connectedApp: { clientSecret: CLIENT_SECRET, rotateRefreshTokens: true },
    });
    proxy.target = fixture.emulator.url;
    // The emulator makes its unpublished key on first use, which can take longer than a refresh may.
    fixture.emulator.setIdTokenTweak({ signature: 'unpublished-key' });
    await fixture.browser().login();
    fixture.emulator.clearFaults();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    watch.stop();
    await fixture.close();
    await proxy.close();
  });

  function arrange(current: Step): void {
    const { emulator } = fixture;
    if (current.kind === 'before-200') emulator.setFault('token', current.fault);
    if (current.kind === 'tamper') {
      proxy.tamper = (answer) => ({
        ...answer,
        [current.field]: current.field === 'signature' ? Buffer.alloc(32).toString('base64') : 'javascript:alert(1)',
      });
    }
    if (current.kind === 'id-token') emulator.setIdTokenTweak(current.tweak);
    if (current.kind === 'keys') {
      // Keys cached at the last fetch are 10 minutes old now: this refresh fetches them again.
      vi.advanceTimersByTime(10 * 60_000 + 1);
      emulator.setFault('keys', current.fault);
    }
  }

  it('never ends the grant: the app always holds a working refresh token', async () => {
    const seen = { resolved: 0, carried: 0, before: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 5 }), async (steps) => {
        vi.useFakeTimers({ toFake: ['Date'] });
        expect((await fixture.browser().login()).body.outcome).toBe('success');
        let held = fixture.app.verifyCalls.at(-1)?.refreshToken ?? '';
        for (const current of steps) {
          const issuedBefore = proxy.issued.length;
          arrange(current);
          const outcome = await fixture.app.strategy.refresh(held).then(
            (tokens) => ({ tokens, error: undefined }),
            (error: unknown) => ({ tokens: undefined, error }),
          );
          proxy.tamper = undefined;
          fixture.emulator.clearFaults();
          const answered = proxy.issued.length > issuedBefore;
          if (outcome.tokens) {
            seen.resolved += 1;
            expect(['clean', 'keys']).toContain(current.kind);
            expect(outcome.tokens.refreshToken).toBe(proxy.issued.at(-1)?.refresh_token);
            held = outcome.tokens.refreshToken ?? held;
            continue;
          }
          expect(outcome.error).toBeInstanceOf(SalesforceError);
          const carried: SalesforceTokenSet | undefined = (outcome.error as SalesforceError).tokens;
          if (answered) {
            // Salesforce answered 200: the old token is spent, the new one must come with the error.
            seen.carried += 1;
            expect(['tamper', 'id-token'], `${JSON.stringify(current)} ${String(outcome.error)}`).toContain(current.kind);
            expect(carried?.refreshToken).toBe(proxy.issued.at(-1)?.refresh_token);
            held = carried?.refreshToken ?? '';
          } else {
            seen.before += 1;
            expect(current.kind, String(outcome.error)).toBe('before-200');
            expect(carried).toBeUndefined();
          }
        }
        // The grant is alive: the token the app holds still refreshes.
        const last = await fixture.app.strategy.refresh(held);
        expect(last.refreshToken).toEqual(expect.any(String));
        vi.useRealTimers();
      }),
      propertyParameters(30),
    );
    for (const [outcome, count] of Object.entries(seen)) expect(count, outcome).toBeGreaterThan(5);
    expect(watch.failures).toEqual([]);
  }, 120_000);
});
