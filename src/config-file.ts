// A mosquitto.conf on disk, read as Mosquitto 2.0 reads it: the file, then its include_dir.
// The reading is here (I/O); what the settings mean is models/mosquitto-conf-import.ts's (pure).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importMosquittoConf, type ImportedConf, type IncludeReader } from '../models/mosquitto-conf-import.ts';
import { err, ok, type Result } from '../models/result.ts';

/**
 * The preset a mosquitto.conf is read onto: the blog's clients against Mosquitto 2.0's default
 * broker (man mosquitto.conf), so a setting the file leaves out has Mosquitto's default, not the
 * blog's tuning.
 */
export const confBasePreset = 'mosquitto-defaults';

/** include_dir as Mosquitto reads it: the directory's files (importMosquittoConf keeps the .conf ones and orders them). */
export const readIncludeDir: IncludeReader = (dir) => {
  try {
    const names = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name);
    return ok(names.map((name) => ({ path: join(dir, name), text: readFileSync(join(dir, name), 'utf8') })));
  } catch (error) {
    return err(`cannot read it (${(error as Error).message.split('\n')[0]})`);
  }
};

/** Reads a mosquitto.conf and its include_dir into broker overrides (for confBasePreset); errors name the file and line. */
export function readMosquittoConf(file: string): Result<ImportedConf> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return err(`${file}: cannot read it (${(error as Error).message.split('\n')[0]})`);
  }
  return importMosquittoConf(text, file, readIncludeDir);
}
