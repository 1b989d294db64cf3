/**
 * One app instance for the multi-instance tests, run as its own process (child_process.fork of
 * this file, transpiled): the test app of test/helpers/app.ts with its sessions in Redis through
 * connect-redis and the `redis` client. Nothing is shared with other instances but Redis.
 *
 * Configured by the environment: REDIS_URL, REDIS_PREFIX, EMULATOR_URL, CLIENT_ID, CALLBACK_URL,
 * PORT (default 0: any free port). Reports `{ type: 'ready', url }` over IPC once listening;
 * answers `'report'` with `{ type: 'report', errors, verifyCalls }`; stops on `'stop'` or when
 * the parent goes away.
 */
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { startTestApp } from '../helpers/app.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`instance: ${name} is not set`);
  return value;
}

const client = createClient({ url: required('REDIS_URL') });
client.on('error', (error: unknown) => console.error('instance: redis error', error));
await client.connect();

const app = await startTestApp({
  strategy: { clientID: required('CLIENT_ID'), loginURL: required('EMULATOR_URL'), callbackURL: required('CALLBACK_URL') },
  sessionStore: new RedisStore({ client, prefix: required('REDIS_PREFIX') }),
  port: Number(process.env.PORT ?? 0),
});

let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= (async () => {
    await app.close();
    await client.quit();
    process.disconnect?.();
  })();
  return stopping;
}

process.on('message', (message) => {
  if (message === 'report') {
    process.send?.({
      type: 'report',
      errors: app.errors.map((error) => `${error.name}: ${error.message}`),
      verifyCalls: app.verifyCalls.length,
    });
  } else if (message === 'stop') {
    void stop();
  }
});
process.on('disconnect', () => void stop());
process.send?.({ type: 'ready', url: app.url });
