#!/usr/bin/env node
// The `mqtt-dst` command. The project is TypeScript run as is (no build step), so the entry
// point registers tsx's loader and hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
