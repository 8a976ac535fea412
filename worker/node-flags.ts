/**
 * The node flags the worker process starts with, wherever it is started: `npm start` (scripts/start.ts),
 * `npm run cluster` (cluster/cluster.ts) and the bench use this list; docker-compose.yml and the Dockerfile spell it
 * out (a container's command cannot import it). V8 flags apply to every isolate of the process, so they also size
 * the workflow thread's heap. Figures in bench/README.md (memory).
 */
export const WORKER_NODE_FLAGS: readonly string[] = [
  // Node 24 sizes the young generation from the 4 GB heap limit (up to 128 MB per isolate, two isolates); 8 MB
  // semi-spaces cost a few more scavenges and keep ~50 MB of idle RSS away.
  '--max-semi-space-size=8',
  // Grow the old generation by 20% after a major GC instead of V8's larger steps: parking a burst of requests
  // replays many workflows (each evaluates the workflow modules again), and the heap that garbage grew is what RSS keeps.
  '--heap-growing-percent=20',
];
