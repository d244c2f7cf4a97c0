#!/usr/bin/env node
// The `mqtt-dst` command. The project is TypeScript run as is (no build step), so the entry
// point registers tsx's loader and hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
const { main, unexpectedText } = await import('./main.ts');
const { exitCodes } = await import('./usage-error.ts');
// An error thrown outside the command's own await (a socket's or a timer's callback) is still
// one line and its own exit code, never a stack trace.
const fail = (error) => {
  process.stderr.write(unexpectedText(error, process.argv[2] ?? 'mqtt-dst'));
  process.exit(exitCodes.unexpected);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
process.exitCode = await main(process.argv.slice(2));
