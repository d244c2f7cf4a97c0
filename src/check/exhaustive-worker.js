// A worker thread of `mqtt-dst check --exhaustive --workers N`. The project runs TypeScript as is
// (no build step), so, like src/cli/mqtt-dst.js, the entry registers tsx's loader first.
import { register } from 'tsx/esm/api';

register();
const { runShardInWorker } = await import('./exhaustive-shard.ts');
runShardInWorker();
