// A NestJS app as @nestjs/passport's documentation wires a passport-oauth2 strategy: the
// PassportStrategy mixin with a validate method, AuthGuard on the login and callback routes,
// PassportModule with sessions and a PassportSerializer, on Nest's Express adapter or its
// Fastify adapter. Compiled with `tsc --strict` (experimentalDecorators, emitDecoratorMetadata)
// in a scratch site that has NestJS 10 or 11 and the packed passport-salesforce-pkce installed;
// nest.matrix.ts drives it.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import {
  Controller,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  Redirect,
  Req,
  UseGuards,
  type DynamicModule,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportSerializer, PassportStrategy } from '@nestjs/passport';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Request } from 'express';
import session from 'express-session';
import passport from 'passport';
import { SalesforcePkceStrategy, type SalesforceProfile, type SalesforceTokenParams } from 'passport-salesforce-pkce';

const LOGIN_URL = 'SALESFORCE_LOGIN_URL';
const CLIENT_ID = '3MVG9framework.suite.client';

export interface AppUser {
  id: string;
  name: string;
  instanceUrl?: string;
}

/** The verify form of the docs' examples: `validate(accessToken, refreshToken, profile)`. */
@Injectable()
export class SalesforceProfileStrategy extends PassportStrategy(SalesforcePkceStrategy, 'salesforce') {
  constructor(@Inject(LOGIN_URL) loginURL: string) {
    super({ clientID: CLIENT_ID, loginURL, callbackURL: '/auth/salesforce/callback' });
  }

  validate(accessToken: string, refreshToken: string | undefined, profile: SalesforceProfile): AppUser {
    return { id: profile.id, name: profile.displayName };
  }
}

/** The form that is also given Salesforce's token response: `validate(accessToken, refreshToken, params, profile)`. */
@Injectable()
export class SalesforceParamsStrategy extends PassportStrategy(SalesforcePkceStrategy, 'salesforce') {
  constructor(@Inject(LOGIN_URL) loginURL: string) {
    super({ clientID: CLIENT_ID, loginURL, callbackURL: '/auth/salesforce/callback' });
  }

  async validate(
    accessToken: string,
    refreshToken: string | undefined,
    params: SalesforceTokenParams,
    profile: SalesforceProfile,
  ): Promise<AppUser> {
    return { id: profile.id, name: profile.displayName, instanceUrl: params.instance_url };
  }
}

/**
 * The guard of both routes: it starts the login (a redirect to Salesforce) or finishes it and
 * keeps the user in the session; a failed login answers passport's status with the strategy's message.
 */
@Injectable()
export class SalesforceAuthGuard extends AuthGuard('salesforce') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const activated = (await super.canActivate(context)) as boolean;
    await super.logIn(context.switchToHttp().getRequest<Request>());
    return activated;
  }

  override handleRequest<TUser = AppUser>(
    err: unknown,
    user: TUser | false,
    info: { message?: string } | undefined,
    _context: ExecutionContext,
    status?: number,
  ): TUser {
    if (err) throw err;
    if (!user) throw new HttpException({ message: info?.message }, status ?? 401);
    return user;
  }
}

@Injectable()
export class SessionSerializer extends PassportSerializer {
  serializeUser(user: AppUser, done: (err: Error | null, user: AppUser) => void): void {
    done(null, user);
  }

  deserializeUser(user: AppUser, done: (err: Error | null, user: AppUser) => void): void {
    done(null, user);
  }
}

@Controller()
export class AuthController {
  @Get('auth/salesforce')
  @UseGuards(SalesforceAuthGuard)
  login(): void {}

  @Get('auth/salesforce/callback')
  @UseGuards(SalesforceAuthGuard)
  @Redirect('/', 302)
  callback(): void {}

  @Get()
  me(@Req() req: Request): { user: unknown } {
    return { user: req.user ?? null };
  }
}

@Module({})
// eslint-disable-next-line @typescript-eslint/no-extraneous-class -- a NestJS module is a class its decorator describes
export class AppModule {}

/** The app's module, with the strategy class for the verify form under test and its login base. */
function appModule(loginURL: string, strategy: Type<unknown>): DynamicModule {
  return {
    module: AppModule,
    imports: [PassportModule.register({ session: true })],
    controllers: [AuthController],
    providers: [{ provide: LOGIN_URL, useValue: loginURL }, strategy, SessionSerializer],
  };
}

export interface StartOptions {
  loginURL: string;
  behindProxy: boolean;
  form: 'profile' | 'params';
  adapter: 'express' | 'fastify';
}

type App = NestExpressApplication | NestFastifyApplication;

/** Nest's Express adapter: express-session, then passport's middleware, as for any Express app. */
async function expressApp(module: DynamicModule, behindProxy: boolean): Promise<App> {
  const app = await NestFactory.create<NestExpressApplication>(module, { logger: false });
  // Express's own proxy setting.
  if (behindProxy) app.set('trust proxy', 'loopback');
  app.use(session({ secret: 'nest-test-secret', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  return app;
}

/**
 * Nest's Fastify adapter: @fastify/session (passport calls the session's regenerate and save with
 * callbacks, which @fastify/session takes and @fastify/secure-session does not), and two hooks:
 * passport's redirects set headers with Express's `res.setHeader`/`res.end`, which a Fastify
 * reply lacks, and passport's session middleware cannot be `app.use`d (Fastify hands middleware
 * Node's bare request, without the session), so it runs as a preHandler hook.
 */
async function fastifyApp(module: DynamicModule, behindProxy: boolean): Promise<App> {
  // Fastify's own proxy setting.
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter({ trustProxy: behindProxy }), { logger: false });
  await app.register(fastifyCookie);
  await app.register(fastifySession, { secret: randomBytes(32).toString('hex'), cookie: { secure: false } });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (_request, reply, done) => {
    Object.assign(reply, {
      setHeader: (name: string, value: string) => reply.header(name, value),
      end: () => reply.send(),
    });
    done();
  });
  const restoreUser = passport.session() as unknown as (req: unknown, res: unknown, next: (err?: Error) => void) => void;
  fastify.addHook('preHandler', (request, reply, done) => restoreUser(request, reply, done));
  return app;
}

export async function startNestApp({
  loginURL,
  behindProxy,
  form,
  adapter,
}: StartOptions): Promise<{ url: string; close(): Promise<void> }> {
  const module = appModule(loginURL, form === 'params' ? SalesforceParamsStrategy : SalesforceProfileStrategy);
  const app = adapter === 'fastify' ? await fastifyApp(module, behindProxy) : await expressApp(module, behindProxy);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
