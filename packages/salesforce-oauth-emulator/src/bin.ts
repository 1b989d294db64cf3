#!/usr/bin/env node
/**
 * The `salesforce-oauth-emulator` executable (package.json `bin`).
 */
import { runCli } from './cli.js';

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (result) => {
    if (result.emulator === undefined) {
      process.exitCode = result.exitCode;
      return;
    }
    const { emulator } = result;
    const stop = (): void => {
      emulator.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
  (error: unknown) => {
    process.stderr.write(`salesforce-oauth-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
