// The `mqtt-dst` command line: dispatches to a command; bad input is one line on stderr and exit
// 2; an unexpected error (a bug, a write that failed after the checks passed) is one line and
// exit 5, with the stack only when MQTT_DST_DEBUG=1. Commands print their report before they
// fail a write, so such an error never costs a finished report.
import { benchCommand, benchHelp } from './bench-command.ts';
import { checkBrokerCommand, checkBrokerHelp } from './check-broker-command.ts';
import { checkCommand, checkHelp } from './check-command.ts';
import { exploreCommand, exploreHelp } from './explore-command.ts';
import { matrixCommand, matrixHelp } from './matrix-command.ts';
import { replayCommand, replayHelp } from './replay-command.ts';
import { exitCodes, UsageError } from './usage-error.ts';

type Command = (args: readonly string[]) => number | Promise<number>;

const commands: Readonly<Record<string, { run: Command; help: string }>> = {
  explore: { run: exploreCommand, help: exploreHelp },
  replay: { run: replayCommand, help: replayHelp },
  matrix: { run: matrixCommand, help: matrixHelp },
  check: { run: checkCommand, help: checkHelp },
  'check-broker': { run: checkBrokerCommand, help: checkBrokerHelp },
  bench: { run: benchCommand, help: benchHelp },
};

function usage(): string {
  return [
    'usage: mqtt-dst <command> [options]',
    '',
    ...Object.values(commands).map((command) => command.help),
    '',
    'exit codes: 0 no violation, 1 violations found (or a replay diverged), 2 bad input,',
    '  3 check-broker: model and broker disagree or a run failed, 4 inconclusive (too many runs cut by a bound), 5 unexpected error',
  ].join('\n');
}

export async function main(args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? exitCodes.badInput : exitCodes.ok;
  }
  const command = commands[name];
  try {
    if (command === undefined) throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(commands).join(', ')})`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${command.help}\n`);
      return exitCodes.ok;
    }
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`mqtt-dst: ${firstLine(error.message)}\n`);
      return exitCodes.badInput;
    }
    process.stderr.write(unexpectedText(error, name));
    return exitCodes.unexpected;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** One line naming the error; the full stack only with MQTT_DST_DEBUG=1. */
export function unexpectedText(error: unknown, command: string): string {
  const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${firstLine(error.message)}` : String(error);
  if (process.env['MQTT_DST_DEBUG'] === '1' && error instanceof Error && error.stack !== undefined) return `mqtt-dst: ${command}: ${error.stack}\n`;
  return `mqtt-dst: ${command}: unexpected error: ${message} (MQTT_DST_DEBUG=1 shows the stack)\n`;
}
