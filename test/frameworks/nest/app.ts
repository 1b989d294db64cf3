// A NestJS app as @nestjs/passport's documentation wires a passport-oauth2 strategy: the
// PassportStrategy mixin with a validate method, AuthGuard on the login and callback routes,
// PassportModule with sessions and a PassportSerializer. Compiled with `tsc --strict`
// (experimentalDecorators, emitDecoratorMetadata) in a scratch site that has NestJS 10 or 11
// and the packed passport-salesforce-pkce installed; nest.matrix.ts drives it.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import {
  Controller,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  Req,
  Res,
  UseGuards,
  type DynamicModule,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportSerializer, PassportStrategy } from '@nestjs/passport';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
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
  callback(@Res() res: Response): void {
    res.redirect('/');
  }

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
}

export async function startNestApp({ loginURL, behindProxy, form }: StartOptions): Promise<{ url: string; close(): Promise<void> }> {
  const strategy = form === 'params' ? SalesforceParamsStrategy : SalesforceProfileStrategy;
  const app = await NestFactory.create<NestExpressApplication>(appModule(loginURL, strategy), { logger: false });
  // Express's own proxy setting, through Nest's Express adapter.
  if (behindProxy) app.set('trust proxy', 'loopback');
  app.use(session({ secret: 'nest-test-secret', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
