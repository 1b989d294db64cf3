import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Transpiles test/redis/instance.ts and every module it imports (relative imports, followed from
 * the source as it is now) into a scratch directory that Node runs as ESM, with the repository's
 * node_modules linked in. Resolves to the scratch directory.
 */
export async function buildInstanceScript(): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'passport-salesforce-pkce-instance-'));
  await symlink(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
  await writeFile(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  const pending = [join(root, 'test/redis/instance.ts')];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const source = await readFile(file, 'utf8');
    for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
      if (fileName.startsWith('.')) pending.push(resolve(dirname(file), fileName.replace(/\.js$/, '.ts')));
    }
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
    });
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  return out;
}

export async function removeBuild(out: string | undefined): Promise<void> {
  if (out) await rm(out, { recursive: true, force: true });
}

/** A running app instance in its own process. */
export interface Instance {
  url: string;
  /** The instance's errors (name: message) and verify-callback count so far. */
  report(): Promise<{ errors: string[]; verifyCalls: number }>;
  stop(): Promise<void>;
}

export async function startInstance(out: string, env: Record<string, string>): Promise<Instance> {
  const child: ChildProcess = fork(join(out, 'test/redis/instance.js'), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const url = await new Promise<string>((resolveReady, reject) => {
    child.on('message', (message: { type?: string; url?: string }) => {
      if (message.type === 'ready' && message.url) resolveReady(message.url);
    });
    void exited.then((code) => reject(new Error(`instance exited with ${code} before it was ready:\n${stderr}`)));
  });
  return {
    url,
    report: () =>
      new Promise((resolveReport) => {
        const onMessage = (message: { type?: string; errors?: string[]; verifyCalls?: number }): void => {
          if (message.type !== 'report') return;
          child.off('message', onMessage);
          resolveReport({ errors: message.errors ?? [], verifyCalls: message.verifyCalls ?? 0 });
        };
        child.on('message', onMessage);
        child.send('report');
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.send('stop');
        // An instance that does not wind down on its own is ended, so no process outlives the suite.
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }
      await exited;
    },
  };
}
