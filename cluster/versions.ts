/**
 * What the team deployment runs, pinned in one place. `npm run cluster` builds and fetches exactly these, and
 * test/operations/compose.test.ts checks that docker-compose.yml and the Dockerfile name the same.
 *
 * Temporal server 1.32.2: the newest patch of the minor the Temporal CLI's dev server runs (`temporal --version`:
 * Server 1.32.0, UI 2.54.1), so `npm start`, the tests and the team deployment run one server minor. Its go.mod
 * wants Go >= 1.26.10; the build lets the go command fetch that toolchain when the machine's Go is older.
 * Web UI 2.54.1: the UI that Temporal ships with that server minor.
 * Node.js 24: an LTS line (supported to April 2028); its binaries come from the npm registry (`node-<os>-<cpu>`).
 */
export const TEMPORAL_SERVER_VERSION = '1.32.2';
export const TEMPORAL_UI_VERSION = '2.54.1';
export const NODE_VERSION = '24.21.0';
/** Debian bookworm's PostgreSQL, the one the native cluster is tested on; compose runs the same major. */
export const POSTGRES_MAJOR = 15;

export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_UI_MODULE = 'github.com/temporalio/ui-server/v2';

/**
 * How long Temporal keeps a closed request's history (the audit trail of its stages, decisions and root window).
 * Registered with the namespace by `npm run cluster` and by the compose setup job.
 */
export const NAMESPACE_RETENTION_DAYS = 30;
