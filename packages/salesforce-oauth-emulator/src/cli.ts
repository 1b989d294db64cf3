/**
 * The `salesforce-oauth-emulator` command line: `start` starts a local Salesforce and prints
 * what to put in an app's configuration; `pkce` prints a fresh verifier and its S256 challenge.
 * `bin.ts` runs it; tests call `runCli` directly.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from './index.js';
import { DEFAULT_USER } from './state.js';
import type { EmulatorUser, RunningEmulator } from './types.js';
import { newVerifierAndChallenge } from './pkce.js';

const DEFAULT_PORT = 4300;
const DEFAULT_CLIENT_ID = 'emulator-client-id';
const DEFAULT_CLIENT_SECRET = 'emulator-client-secret';
/** Interfaces that keep the emulator to this machine. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '::1', '[::1]']);

const DEFAULT_REDIRECT_URI = 'http://localhost:3000/auth/salesforce/callback';

const USAGE = `Usage:
  salesforce-oauth-emulator start [options]  Start a local Salesforce emulator
  salesforce-oauth-emulator pkce [--json]    Print a new PKCE code_verifier and its S256 code_challenge
  salesforce-oauth-emulator help             Show this help

Emulator options:
  --port <number>          Port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host <address>         Interface to listen on (default 127.0.0.1). Beyond loopback
                           (0.0.0.0), anyone who reaches this machine can log in as any user
  --allowed-host <name>    A host name requests may use besides IP addresses and localhost
                           (e.g. a Docker service name); repeat for several
  --client-id <key>        Consumer key of the Connected App (default ${DEFAULT_CLIENT_ID})
  --client-secret <secret> Consumer secret (default ${DEFAULT_CLIENT_SECRET})
  --public                 No secret: a public client, PKCE only
  --redirect-uri <url>     A Callback URL, matched exactly; repeat for several
                           (default ${DEFAULT_REDIRECT_URI})
  --user <spec>            A user who can log in, as username[:password[:First Last]];
                           repeat for several (password defaults to "password";
                           default user ${DEFAULT_USER.username})
  --scopes <list>          Scopes the app may grant, comma- or space-separated (default: all)
  --headless               Approve every login at once, without the login and approval pages
                           (for scripts and curl)
  --https                  Serve HTTPS with a certificate from a CA made at start, and print
                           the CA for the app to trust
  --json                   Print the configuration as one line of JSON
`;

/** Where the command line writes. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** What a command left behind: an exit code, or a running emulator that the caller stops. */
export type CliResult = { exitCode: number; emulator?: undefined } | { exitCode?: undefined; emulator: RunningEmulator };

/** What `emulator --json` prints. */
export interface EmulatorConfiguration {
  url: string;
  clientId: string;
  /** `null` for a public client. */
  clientSecret: string | null;
  redirectUris: string[];
  users: Array<{ username: string; password: string }>;
  interactive: boolean;
  /** With `--https`: the PEM certificate of the CA the app must trust. */
  ca?: string;
}

class UsageError extends Error {}

function parseUser(spec: string): EmulatorUser & { password: string } {
  const [username = '', password = 'password', name, ...rest] = spec.split(':');
  if (username === '' || password === '' || name === '' || rest.length > 0) {
    throw new UsageError(`--user must be username[:password[:First Last]], got "${spec}"`);
  }
  if (name === undefined) {
    return username.toLowerCase() === DEFAULT_USER.username ? { ...DEFAULT_USER, username, password } : { username, password };
  }
  const words = name.trim().split(/\s+/);
  const lastName = words.pop() ?? name;
  return { username, password, lastName, ...(words.length > 0 ? { firstName: words.join(' ') } : {}) };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got "${value}"`);
  return port;
}

function parseRedirectUri(value: string): string {
  try {
    new URL(value);
  } catch {
    throw new UsageError(`--redirect-uri must be an absolute URL, got "${value}"`);
  }
  return value;
}

/** The configuration an app needs, as environment lines and the rest as prose. */
function describeEmulator(config: EmulatorConfiguration): string {
  const lines = [
    `Salesforce emulator running at ${config.url}`,
    '',
    "Put this in your app's configuration:",
    `  SF_LOGIN_URL=${config.url}`,
    `  SF_CLIENT_ID=${config.clientId}`,
    ...(config.clientSecret === null ? ['  (public client: no SF_CLIENT_SECRET)'] : [`  SF_CLIENT_SECRET=${config.clientSecret}`]),
    ...config.redirectUris.map((uri, i) => `  ${i === 0 ? 'SF_CALLBACK_URL' : '# or SF_CALLBACK_URL'}=${uri}`),
    '',
    'Users (username / password):',
    ...config.users.map((user) => `  ${user.username} / ${user.password}`),
    '',
    'Endpoints:',
    `  authorize  ${config.url}/services/oauth2/authorize`,
    `  token      ${config.url}/services/oauth2/token`,
    `  revoke     ${config.url}/services/oauth2/revoke`,
    `  REST API   ${config.url}/services/data/`,
    '',
    config.interactive
      ? 'Logins go through the login and approval pages (--headless approves at once).'
      : 'Headless: every login is approved at once, as the first user or the login_hint one.',
    ...(config.ca === undefined
      ? []
      : ['', 'HTTPS: have the app trust this CA (save it to a file and point NODE_EXTRA_CA_CERTS at it):', config.ca.trimEnd(), '']),
    'Press Ctrl+C to stop.',
    '',
  ];
  return lines.join('\n');
}

async function startCommand(args: string[], out: CliOutput): Promise<CliResult> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'allowed-host': { type: 'string', multiple: true },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      public: { type: 'boolean' },
      'redirect-uri': { type: 'string', multiple: true },
      user: { type: 'string', multiple: true },
      scopes: { type: 'string' },
      headless: { type: 'boolean' },
      https: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.public && values['client-secret'] !== undefined) throw new UsageError('--public and --client-secret exclude each other');
  const clientId = values['client-id'] ?? DEFAULT_CLIENT_ID;
  if (clientId === '') throw new UsageError('--client-id must not be empty');
  const clientSecret = values.public ? null : (values['client-secret'] ?? DEFAULT_CLIENT_SECRET);
  const redirectUris = (values['redirect-uri'] ?? [DEFAULT_REDIRECT_URI]).map(parseRedirectUri);
  const users = (values.user ?? [DEFAULT_USER.username]).map(parseUser);
  const scopes = values.scopes?.split(/[\s,]+/).filter((scope) => scope !== '');
  const interactive = values.headless !== true;
  const host = values.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host) && !host.startsWith('127.')) {
    out.stderr(
      `WARNING: listening on ${host}, beyond this machine: anyone who can reach it can log in as any of its users` +
        `${interactive ? ' with the passwords printed below' : ' without a password (--headless)'} and get tokens that apps trusting this emulator accept. ` +
        'Use it only on a network you trust; the default --host 127.0.0.1 keeps it to this machine.\n',
    );
  }

  const emulator = await startEmulator({
    port: values.port === undefined ? DEFAULT_PORT : parsePort(values.port),
    host,
    allowedHosts: values['allowed-host'] ?? [],
    https: values.https === true,
    interactive,
    restApi: true,
    // It runs until stopped: a request log nobody reads would only grow.
    recordRequests: false,
    users,
    apps: [
      {
        clientId,
        ...(clientSecret === null ? {} : { clientSecret }),
        name: 'Local Development App',
        redirectUris,
        ...(scopes === undefined || scopes.length === 0 ? {} : { scopes }),
      },
    ],
  });
  const config: EmulatorConfiguration = {
    url: emulator.url,
    clientId,
    clientSecret,
    redirectUris,
    users: users.map(({ username, password }) => ({ username, password })),
    interactive,
    ...(emulator.ca === undefined ? {} : { ca: emulator.ca }),
  };
  out.stdout(values.json ? `${JSON.stringify(config)}\n` : describeEmulator(config));
  return { emulator };
}

function pkceCommand(args: string[], out: CliOutput): CliResult {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: false });
  const pair = newVerifierAndChallenge();
  const fields = { code_verifier: pair.codeVerifier, code_challenge: pair.codeChallenge, code_challenge_method: 'S256' };
  // name=value lines: readable, and `eval "$(salesforce-oauth-emulator pkce)"` sets shell variables
  // (the values are base64url, so nothing in them needs quoting).
  out.stdout(
    values.json
      ? `${JSON.stringify(fields)}\n`
      : `${Object.entries(fields)
          .map(([name, value]) => `${name}=${value}`)
          .join('\n')}\n`,
  );
  return { exitCode: 0 };
}

/** Runs one command line (without `node` and the script). */
export async function runCli(argv: readonly string[], out: CliOutput): Promise<CliResult> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'start':
        return await startCommand(args, out);
      case 'pkce':
        return pkceCommand(args, out);
      case 'help':
      case '--help':
      case '-h':
        out.stdout(USAGE);
        return { exitCode: 0 };
      default:
        throw new UsageError(command === undefined ? 'a command is required' : `unknown command "${command}"`);
    }
  } catch (error) {
    // parseArgs' own errors (unknown or malformed options) are usage errors too.
    const code = (error as { code?: unknown }).code;
    if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      out.stderr(`salesforce-oauth-emulator: ${(error as Error).message}\n\n${USAGE}`);
      return { exitCode: 2 };
    }
    if (code === 'EADDRINUSE') {
      out.stderr(`salesforce-oauth-emulator: the port is already in use; choose another with --port\n`);
      return { exitCode: 1 };
    }
    throw error;
  }
}
