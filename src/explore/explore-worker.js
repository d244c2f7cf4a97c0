// The worker thread `mqtt-dst explore` runs its exploration in, so that the main thread stays free
// to take Ctrl-C. The project runs TypeScript as is, so the entry registers tsx's loader first.
import { register } from 'tsx/esm/api';

register();
const { runExploreInWorker } = await import('./explore-thread.ts');
runExploreInWorker();
