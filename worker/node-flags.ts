/**
 * The V8 flags the worker process runs with. Figures in bench/README.md (memory).
 *
 * `npm start` (scripts/start.ts), `npm run cluster` (cluster/cluster.ts) and the bench put them on the worker's node
 * command line, which sizes both of its isolates: the main thread's and the workflow thread's. Wherever the command
 * line lacks them (`npm run worker`, the image, compose), worker/main.ts still sets them before any worker exists,
 * which reaches the workflow thread (an isolate created later) but not the main thread's heap, already sized.
 */
import v8 from 'node:v8';

export const WORKER_NODE_FLAGS: readonly string[] = [
  // Node 24 sizes the young generation from the 4 GB heap limit: 128 MB per isolate. 8 MB semi-spaces cost a few
  // more scavenges and keep ~50 MB of idle RSS away.
  '--max-semi-space-size=8',
  // Grow the old generation by 20% after a major GC instead of V8's larger steps: parking a burst of requests
  // replays many workflows (each evaluates the workflow modules again), and the heap that garbage grew is what RSS keeps.
  '--heap-growing-percent=20',
];

/** Sets the flags for the isolates created from now on (the workflow thread); a no-op where they are already set. */
export function applyWorkerNodeFlags(): void {
  for (const flag of WORKER_NODE_FLAGS) if (!process.execArgv.includes(flag)) v8.setFlagsFromString(flag);
}
