/**
 * Servers run in their own Node processes so the load generator never shares their event loop.
 * A child announces itself with `{ type: 'ready', ...info }` and then answers calls:
 * `{ id, type, ...payload }` → `{ id, result }` or `{ id, error }`.
 */
import { execFileSync, fork } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * With two cores or more, an app runs alone on one core and the load generator and the emulator
 * share another: an app's CPU time per request then counts its own work, not the cost of being
 * preempted by the processes that load it.
 */
export const APP_CORE = 1;
export const LOAD_CORE = 0;

/** Whether processes can be pinned here: Linux's `taskset`, at least two cores, and leave to set affinities. */
export function canPin(cores) {
  if (process.platform !== 'linux' || cores < 2) return false;
  try {
    // Every core allowed: changes nothing, but fails where affinities may not be set.
    execFileSync('taskset', ['-a', '-p', '-c', `0-${cores - 1}`, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of process `pid` to `core`. */
export function pinToCore(pid, core) {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

/**
 * Forks `script` with `args` and resolves once it is ready, to
 * `{ info, call(type, payload), stop(), pid }`. Children run with `--expose-gc`, so `gc()` can measure a clean heap.
 */
export function startChild(script, args = [], { name = script } = {}) {
  const child = fork(script, args, { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 1;
  let exited = false;

  child.on('message', (message) => {
    const waiter = pending.get(message?.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${name}: ${message.error}`));
    else waiter.resolve(message.result);
  });
  child.on('exit', (code, signal) => {
    exited = true;
    for (const waiter of pending.values()) waiter.reject(new Error(`${name} exited (${signal ?? code})`));
    pending.clear();
  });

  const call = (type, payload = {}) =>
    new Promise((resolve, reject) => {
      if (exited) {
        reject(new Error(`${name} is not running`));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, type, ...payload });
    });

  const stop = async () => {
    if (exited) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    // A normal exit lets the child close its server; kill only if it does not leave.
    call('stop').catch(() => {});
    const left = await Promise.race([gone.then(() => true), delay(10_000).then(() => false)]);
    if (!left) {
      child.kill('SIGKILL');
      await gone;
    }
  };

  return new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`${name} exited before it was ready (code ${code})`));
    child.once('exit', onExit);
    child.on('message', function onReady(message) {
      if (message?.type !== 'ready') return;
      child.off('message', onReady);
      child.off('exit', onExit);
      resolve({ info: message, call, stop, pid: child.pid });
    });
  });
}

/**
 * The child side: sends `ready` with `info`, then answers calls with `handlers[type](payload)`.
 * `stop` runs `onStop` and exits normally. The child also leaves when its parent goes away.
 */
export function serveCalls(info, handlers, onStop = async () => {}) {
  const leave = async () => {
    try {
      await onStop();
    } finally {
      process.exit(0);
    }
  };
  process.on('disconnect', leave);
  process.on('message', async (message) => {
    const { id, type, ...payload } = message ?? {};
    if (type === 'stop') {
      process.send({ id, result: true });
      await leave();
      return;
    }
    try {
      const handler = handlers[type];
      if (!handler) throw new Error(`unknown call ${type}`);
      process.send({ id, result: await handler(payload) });
    } catch (error) {
      process.send({ id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  process.send({ type: 'ready', ...info });
}

/** CPU time (user + system) of this process in µs, and a forced GC when `--expose-gc` is on. */
export const processCalls = {
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  },
  gc: () => {
    globalThis.gc?.();
    return process.memoryUsage().heapUsed;
  },
};
