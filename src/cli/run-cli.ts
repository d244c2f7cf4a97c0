// Runs the `mqtt-dst` command in a separate process, as a user would (for the CLI's tests).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('./mqtt-dst.js', import.meta.url));

export interface CliOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function mqttDst(args: readonly string[], timeoutMs = 120_000, env: Readonly<Record<string, string>> = {}): Promise<CliOutcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: timeoutMs, env: { ...process.env, CI: 'true', ...env } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}
