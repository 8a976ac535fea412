/**
 * The node flags the worker process starts with, wherever it is started (npm start, `npm run cluster`, the compose
 * file and the image spell the same list; test/fast/compose.test.ts compares them).
 */
export const WORKER_NODE_FLAGS: readonly string[] = [];
