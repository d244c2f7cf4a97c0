// The worker thread one shard of `mqtt-dst bench --real` runs in. The project runs TypeScript as
// is, so the entry registers tsx's loader first.
import { register } from 'tsx/esm/api';

register();
const { runShardInWorker } = await import('./bench-real-shard.ts');
runShardInWorker();
