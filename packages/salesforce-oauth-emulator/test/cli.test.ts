import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult, type EmulatorConfiguration } from '../src/cli.js';
import { s256 } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/esm/bin.js', import.meta.url));

function capture(): { out: { stdout: (t: string) => void; stderr: (t: string) => void }; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return { out: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, stdout: () => stdout, stderr: () => stderr };
}

const running: CliResult[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(async () => {
  for (const result of running.splice(0)) await result.emulator?.close();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function cli(argv: string[]): Promise<{ result: CliResult; stdout: string; stderr: string }> {
  const io = capture();
  const result = await runCli(argv, io.out);
  running.push(result);
  return { result, stdout: io.stdout(), stderr: io.stderr() };
}

/** Spawns the built executable and resolves with its first line of output. */
function spawnBin(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; firstLine: string }> {
  if (!existsSync(BIN)) throw new Error('dist/esm/bin.js is missing: run `npm run build` first');
  const child = spawn(process.execPath, [BIN, ...args]);
  children.push(child);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newlineAt = stdout.indexOf('\n');
      if (newlineAt !== -1) resolve({ child, firstLine: stdout.slice(0, newlineAt) });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('salesforce-oauth-emulator pkce', () => {
  it('prints a fresh verifier and its S256 challenge as name=value lines', async () => {
    const { result, stdout } = await cli(['pkce']);
    expect(result.exitCode).toBe(0);
    const fields = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split('=') as [string, string]),
    );
    expect(Object.keys(fields)).toEqual(['code_verifier', 'code_challenge', 'code_challenge_method']);
    expect(fields['code_verifier']).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(fields['code_challenge']).toBe(s256(fields['code_verifier'] ?? ''));
    expect(fields['code_challenge_method']).toBe('S256');
    expect((await cli(['pkce'])).stdout).not.toBe(stdout);
  });

  it('prints JSON with --json', async () => {
    const { stdout } = await cli(['pkce', '--json']);
    const json = JSON.parse(stdout) as Record<string, string>;
    expect(json['code_challenge']).toBe(s256(json['code_verifier'] ?? ''));
  });
});

describe('usage errors', () => {
  it.each([
    [[], 'a command is required'],
    [['nope'], 'unknown command "nope"'],
    [['pkce', '--bogus'], "Unknown option '--bogus'"],
    [['start', '--port', 'eighty'], '--port must be a number from 0 to 65535'],
    [['start', '--redirect-uri', '/callback'], '--redirect-uri must be an absolute URL'],
    [['start', '--user', ':pw'], '--user must be username[:password[:First Last]]'],
    [['start', '--user', 'a@b.c:pw:'], '--user must be username[:password[:First Last]]'],
    [['start', '--public', '--client-secret', 's'], '--public and --client-secret exclude each other'],
  ])('%j: exit code 2 and the usage', async (argv, message) => {
    const { result, stdout, stderr } = await cli(argv);
    expect(result.exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage:');
  });

  it('prints the usage for help', async () => {
    const { result, stdout } = await cli(['help']);
    expect(result.exitCode).toBe(0);
    expect(stdout).toContain('salesforce-oauth-emulator start [options]');
  });

  it.each([
    ['--headless', 'without a password (--headless)'],
    ['--public', 'with the passwords printed below'],
  ])('says loudly what a --host beyond loopback means, before it listens (%s)', async (flag, how) => {
    // 192.0.2.1 (TEST-NET-1) is no interface of this machine: the warning comes, then listening fails.
    const io = capture();
    await expect(runCli(['start', '--port', '0', '--host', '192.0.2.1', flag], io.out)).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
    expect(io.stderr()).toBe(
      `WARNING: listening on 192.0.2.1, beyond this machine: anyone who can reach it can log in as any of its users ${how} ` +
        'and get tokens that apps trusting this emulator accept. Use it only on a network you trust; the default --host 127.0.0.1 keeps it to this machine.\n',
    );
  });

  it('says nothing of the kind on loopback', async () => {
    const { stderr } = await cli(['start', '--port', '0', '--headless']);
    expect(stderr).toBe('');
  });

  it('says so when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { result, stderr } = await cli(['start', '--port', String(port)]);
      expect(result.exitCode).toBe(1);
      expect(stderr).toContain('already in use');
    } finally {
      blocker.close();
    }
  });
});

describe('salesforce-oauth-emulator emulator', () => {
  it('prints what to put in an app’s configuration', async () => {
    const { result, stdout } = await cli([
      'start',
      '--port',
      '0',
      '--user',
      'grace@example.com:cobol:Grace Brewster Hopper',
      '--user',
      'ada@example.com',
      '--user',
      'x@example.com',
    ]);
    const url = result.emulator?.url ?? '';
    expect(stdout).toContain(`Salesforce emulator running at ${url}\n`);
    expect(stdout).toContain(`  SF_LOGIN_URL=${url}\n  SF_CLIENT_ID=emulator-client-id\n  SF_CLIENT_SECRET=emulator-client-secret\n`);
    expect(stdout).toContain('  SF_CALLBACK_URL=http://localhost:3000/auth/salesforce/callback\n');
    expect(stdout).toContain('  grace@example.com / cobol\n  ada@example.com / password\n  x@example.com / password\n');
    expect(stdout).toContain(`  REST API   ${url}/services/data/\n`);
    expect(result.emulator?.users.map((u) => `${u.firstName} ${u.lastName}`)).toEqual(['Grace Brewster Hopper', 'Ada Lovelace', 'null x']);
  });

  it('serves HTTPS with --https, and prints the CA for the app to trust', async () => {
    const { result, stdout } = await cli(['start', '--port', '0', '--https', '--headless']);
    const emulator = result.emulator;
    expect(emulator?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(stdout).toContain(`  SF_LOGIN_URL=${emulator?.url}\n`);
    expect(stdout).toContain(
      `\nHTTPS: have the app trust this CA (save it to a file and point NODE_EXTRA_CA_CERTS at it):\n${emulator?.ca ?? 'no CA'}\nPress Ctrl+C to stop.\n`,
    );
    const discovery = await emulator?.fetch(`${emulator.url}/.well-known/openid-configuration`);
    expect(discovery?.status).toBe(200);
    const json = await cli(['start', '--port', '0', '--https', '--json']);
    expect((JSON.parse(json.stdout) as EmulatorConfiguration).ca).toBe(json.result.emulator?.ca);
  });

  it('seeds a public client with --public, and several callback URLs', async () => {
    const { result, stdout } = await cli([
      'start',
      '--port',
      '0',
      '--public',
      '--json',
      '--redirect-uri',
      'http://localhost:3000/cb',
      '--redirect-uri',
      'https://app.example.com/cb',
    ]);
    const config = JSON.parse(stdout) as EmulatorConfiguration;
    expect(config).toEqual({
      url: result.emulator?.url,
      clientId: 'emulator-client-id',
      clientSecret: null,
      redirectUris: ['http://localhost:3000/cb', 'https://app.example.com/cb'],
      users: [{ username: 'ada@example.com', password: 'password' }],
      interactive: true,
    });
  });

  it('runs as the installed executable: the printed configuration logs in, by hand, as with curl', async () => {
    const redirectUri = 'http://127.0.0.1:9/callback';
    const { child, firstLine } = await spawnBin([
      'start',
      '--port',
      '0',
      '--json',
      '--headless',
      '--client-id',
      'my-key',
      '--client-secret',
      'my-secret',
      '--redirect-uri',
      redirectUri,
      '--user',
      'grace@example.com:cobol',
      '--scopes',
      'api,refresh_token',
    ]);
    const config = JSON.parse(firstLine) as EmulatorConfiguration;
    expect(config).toMatchObject({ clientId: 'my-key', clientSecret: 'my-secret', redirectUris: [redirectUri], interactive: false });

    const pkce = await spawnBin(['pkce', '--json']);
    const { code_verifier: verifier, code_challenge: challenge } = JSON.parse(pkce.firstLine) as Record<string, string>;

    const authorize = new URL(`${config.url}/services/oauth2/authorize`);
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: 'my-key',
      redirect_uri: redirectUri,
      code_challenge: challenge ?? '',
      code_challenge_method: 'S256',
    }))
      authorize.searchParams.set(name, value);
    const redirect = await fetch(authorize, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
    expect(code).toMatch(/^aPrx/);

    const token = await fetch(`${config.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: 'my-key',
        client_secret: 'my-secret',
        redirect_uri: redirectUri,
        code_verifier: verifier ?? '',
      }),
    });
    const tokens = (await token.json()) as Record<string, string>;
    expect(token.status).toBe(200);
    expect(tokens['scope']).toBe('api refresh_token');

    const api = await fetch(`${tokens['instance_url']}/services/data/v66.0/limits`, {
      headers: { authorization: `Bearer ${tokens['access_token']}` },
    });
    expect(api.status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('shows the login page by default', async () => {
    const { firstLine } = await spawnBin(['start', '--port', '0', '--json']);
    const config = JSON.parse(firstLine) as EmulatorConfiguration;
    const authorize = new URL(`${config.url}/services/oauth2/authorize`);
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: config.clientId,
      redirect_uri: config.redirectUris[0] ?? '',
      code_challenge: s256('x'.repeat(43)),
    }))
      authorize.searchParams.set(name, value);
    const redirect = await fetch(authorize, { redirect: 'manual' });
    expect(new URL(redirect.headers.get('location') ?? '', config.url).pathname).toBe('/');
  });
});
