// The spawner thread (spawner.ts). The project runs TypeScript as is, so the entry registers
// tsx's loader first.
import { register } from 'tsx/esm/api';

register();
const { runSpawnerInWorker } = await import('./spawner.ts');
runSpawnerInWorker();
