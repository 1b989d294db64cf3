/**
 * What every part of the benchmark shares: the server processes it starts (the emulator, the
 * contenders' apps), the Connected Apps registered for them, the errors the apps saw, and
 * measurements that note how busy the rest of the machine was meanwhile.
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { URL } from 'node:url';
import { CALLBACK_PATH, CLIENT_ID, CLIENT_ID_NO_OPENID, CLIENT_SECRET } from './apps.mjs';
import { backgroundWindow } from './background.mjs';
import { APP_CORE, LOAD_CORE, pinToCore, startChild } from './processes.mjs';

export const log = (message) => console.log(`bench: ${message}`);

/** `items` rotated by `by`, so no contender always goes first (or right after a GC-heavy one). */
export const rotate = (items, by) => items.map((_, i) => items[(i + by) % items.length]);

export const backgroundNote = (result) =>
  result.backgroundCores === null || result.backgroundCores === undefined
    ? ''
    : `; others used ${result.backgroundCores.toFixed(2)} cores${result.attempts > 1 ? ` (kept attempt ${result.attempts})` : ''}`;

export class Harness {
  #children = new Set();
  #noOpenIdScopes;
  /** Errors that reached each contender's error handler, over the whole run. */
  appErrors = {};

  /** `settings.maxBackground`: see `measure`; `profileDir`: where the profile part writes its CPU profiles. */
  constructor({ benchDir, settings, profileDir }) {
    this.benchDir = benchDir;
    this.settings = settings;
    this.profileDir = profileDir;
  }

  /** Starts a server process, pinned to core `core` when the run pins (see processes.mjs). */
  async child(script, args, name, core) {
    const started = await startChild(join(this.benchDir, script), args, { name });
    this.#children.add(started);
    if (this.settings.pin) pinToCore(started.pid, core);
    return started;
  }

  async stop(started) {
    this.#children.delete(started);
    await started.stop();
  }

  async stopAll() {
    await Promise.all([...this.#children].map((started) => this.stop(started)));
  }

  /** The emulator, started once per run. */
  async startEmulator() {
    if (this.settings.pin) pinToCore(process.pid, LOAD_CORE);
    this.emulator = await this.child('servers/emulator.mjs', [], 'emulator', LOAD_CORE);
    const { url, orgId, userId } = this.emulator.info;
    this.emulatorInfo = { url, orgId, userId };
    return this.emulator;
  }

  /**
   * A fresh process per contender and round, so one process's JIT and memory layout don't decide
   * a contender's numbers. Its callback URL is registered with the emulator unless `register` is
   * false (then the caller registers all the apps it runs at once).
   */
  async startApp(contender, { register = true } = {}) {
    const app = await this.child('servers/app.mjs', [contender, JSON.stringify(this.emulatorInfo)], `app ${contender}`, APP_CORE);
    if (register) await this.registerConnectedApps([app]);
    return app;
  }

  /** The emulator's default Connected App scopes (its discovery document lists them), without `openid`. */
  async #scopesWithoutOpenId() {
    const discovery = await (await fetch(new URL('/.well-known/openid-configuration', this.emulatorInfo.url))).json();
    const scopes = discovery.scopes_supported;
    if (!Array.isArray(scopes) || !scopes.includes('openid')) throw new Error('the emulator lists no scopes with openid among them');
    return scopes.filter((scope) => scope !== 'openid');
  }

  /**
   * The two Connected Apps the login contenders use, with the callback URLs of `apps`: one with
   * the emulator's default scopes (openid among them, so an id_token comes back), one without openid.
   */
  async registerConnectedApps(apps) {
    const redirectUris = apps.map((app) => `${app.info.url}${CALLBACK_PATH}`);
    await this.emulator.call('addApp', { app: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris } });
    this.#noOpenIdScopes ??= await this.#scopesWithoutOpenId();
    await this.emulator.call('addApp', {
      app: { clientId: CLIENT_ID_NO_OPENID, clientSecret: CLIENT_SECRET, redirectUris, scopes: this.#noOpenIdScopes },
    });
  }

  /** Adds what reached `app`'s error handler to the run's count for `contender`. */
  async collectErrors(contender, app) {
    const errors = await app.call('errors');
    const total = this.appErrors[contender] ?? { count: 0, messages: [] };
    this.appErrors[contender] = {
      count: total.count + errors.count,
      messages: [...new Set([...total.messages, ...errors.messages])].slice(0, 5),
    };
    if (errors.count > 0) console.warn(`bench: ${contender} app errors: ${errors.count} (${errors.messages.join('; ')})`);
  }

  /** Collects `app`'s errors, then stops it. */
  async retire(contender, app) {
    await this.collectErrors(contender, app);
    await this.stop(app);
  }

  /**
   * Runs one measurement and notes how many cores other processes used meanwhile. While that is
   * above `settings.maxBackground`, waits and measures again (3 attempts at most), keeping the quietest.
   */
  async measure(fn) {
    const pids = [...this.#children].map((started) => started.pid);
    let best;
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const window = backgroundWindow(pids);
      const result = await fn();
      const backgroundCores = window.end();
      if (!best || (backgroundCores ?? 0) < best.backgroundCores) best = { ...result, backgroundCores, attempts: attempt };
      if (!this.settings.maxBackground || backgroundCores === null || backgroundCores <= this.settings.maxBackground) break;
      await delay(2000);
    }
    return best;
  }
}
