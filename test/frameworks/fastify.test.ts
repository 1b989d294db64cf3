import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import { Authenticator } from '@fastify/passport';
import fastifySecureSession from '@fastify/secure-session';
import Fastify, { type FastifyPluginCallback } from 'fastify';
import { SalesforcePkceStrategy } from '../../src/index.js';
import { CALLBACK_PATH, CLIENT_ID, describeLogins, type AppUser, type StartOptions } from './harness.js';

/**
 * Fastify 5 with @fastify/passport, as its README wires a strategy, on each session plugin it
 * supports: @fastify/session (sessions in a store, behind @fastify/cookie) and
 * @fastify/secure-session (the whole session in an encrypted cookie).
 */
type SessionPlugin = '@fastify/session' | '@fastify/secure-session';

// Required, not imported: its types and secure-session's both declare FastifyRequest.session,
// differently, and one program cannot load both.
const require = createRequire(import.meta.url);
const fastifySession = require('@fastify/session') as FastifyPluginCallback<{ secret: string; cookie: { secure: boolean } }>;

async function startFastifyApp(sessionPlugin: SessionPlugin, { loginURL, behindProxy }: StartOptions) {
  // Fastify's own proxy setting: request.protocol and request.host then read X-Forwarded-*.
  const app = Fastify({ trustProxy: behindProxy });
  if (sessionPlugin === '@fastify/session') {
    await app.register(fastifyCookie);
    await app.register(fastifySession, { secret: randomBytes(32).toString('hex'), cookie: { secure: false } });
  } else {
    await app.register(fastifySecureSession, { key: randomBytes(32), cookie: { path: '/' } });
  }
  const fastifyPassport = new Authenticator();
  await app.register(fastifyPassport.initialize());
  await app.register(fastifyPassport.secureSession());
  fastifyPassport.use(
    new SalesforcePkceStrategy(
      { clientID: CLIENT_ID, loginURL, callbackURL: CALLBACK_PATH },
      (accessToken, refreshToken, params, profile, done) => {
        done(null, { id: profile.id, name: profile.displayName, instanceUrl: params.instance_url } satisfies AppUser);
      },
    ),
  );
  fastifyPassport.registerUserSerializer(async (user: AppUser) => user);
  fastifyPassport.registerUserDeserializer(async (user: AppUser) => user);

  app.get('/auth/salesforce', { preValidation: fastifyPassport.authenticate('salesforce') }, async () => undefined);
  app.get(
    CALLBACK_PATH,
    {
      preValidation: fastifyPassport.authenticate('salesforce', async (request, reply, err, user, info, status) => {
        if (err) throw err;
        if (!user) return reply.code(status ?? 401).send({ message: (info as { message?: string } | undefined)?.message });
        await request.logIn(user);
        return reply.redirect('/');
      }),
    },
    async () => undefined,
  );
  app.get('/', async (request) => ({ user: request.user ?? null }));

  await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

for (const sessionPlugin of ['@fastify/session', '@fastify/secure-session'] as const) {
  describeLogins(`Fastify 5 with @fastify/passport on ${sessionPlugin}`, (options) => startFastifyApp(sessionPlugin, options));
}
