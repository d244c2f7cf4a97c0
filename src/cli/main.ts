// The `mqtt-dst` command line: dispatches to a command; bad input is one line on stderr and exit 2.
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
    'exit codes: 0 no violation, 1 violations found (or a replay diverged), 2 bad input',
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
      process.stderr.write(`mqtt-dst: ${error.message}\n`);
      return exitCodes.badInput;
    }
    throw error;
  }
}
