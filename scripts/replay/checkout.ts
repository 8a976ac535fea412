/**
 * The code whose histories are recorded: this repository as it is, or an earlier commit extracted into its own
 * folder (`git archive`, no worktree registered) with its own `npm ci`, so that its worker runs with exactly the
 * dependencies that commit locked.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../tooling/bootstrap-tools';

/** Where prepared checkouts are kept (ignored by git, lint and the type-check). */
export const CHECKOUTS_DIR = path.join(PROJECT_ROOT, '.data', 'replay-checkouts');
const COMMIT_FILE = '.replay-commit';
const READY_FILE = '.replay-ready';

export interface Checkout {
  dir: string;
  /** Full commit id of the code in `dir`. */
  commit: string;
  subject: string;
  /** The release's code has the creation-slot coordinator workflow (from df76f6b on). */
  hasCoordinatorWorkflow: boolean;
  /** The release's worker process hands slots out through the coordinator (its worker/main.ts wires it in). */
  workerUsesCoordinator: boolean;
}

function git(args: string[], cwd = PROJECT_ROOT): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Resolves a commit-ish to its full id; a clear error when the repository does not know it. */
export function resolveCommit(ref: string): string {
  try {
    return git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new Error(`${ref} is not a commit of this repository`);
  }
}

/** The folder for `commit`, extracted and installed on first use (about a minute for `npm ci`). */
export function prepareCheckout(commit: string, log: (line: string) => void): Checkout {
  const full = resolveCommit(commit);
  const dir = path.join(CHECKOUTS_DIR, full.slice(0, 12));
  if (!existsSync(path.join(dir, READY_FILE))) {
    log(`[checkout] extracting ${full.slice(0, 7)} into ${path.relative(PROJECT_ROOT, dir)}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync('git', ['archive', '--format=tar', full], { cwd: PROJECT_ROOT, maxBuffer: 512 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    writeFileSync(path.join(dir, COMMIT_FILE), `${full}\n`);
    log(`[checkout] npm ci in ${path.relative(PROJECT_ROOT, dir)} (its own lockfile)`);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    writeFileSync(path.join(dir, READY_FILE), `${new Date().toISOString()}\n`);
  }
  return inspectCheckout(dir);
}

/** A folder holding some commit's code: this repository, a git worktree, or one prepared above. */
export function inspectCheckout(dir: string): Checkout {
  const abs = path.resolve(dir);
  for (const needed of ['worker/main.ts', 'workflows/index.ts', 'node_modules/.bin/tsx']) {
    if (!existsSync(path.join(abs, needed))) {
      throw new Error(`${abs} is not a prepared checkout: ${needed} is missing${needed.startsWith('node_modules') ? ' (run npm ci there)' : ''}`);
    }
  }
  const commitFile = path.join(abs, COMMIT_FILE);
  const commit = existsSync(commitFile) ? readFileSync(commitFile, 'utf8').trim() : gitHead(abs);
  const workerMain = readFileSync(path.join(abs, 'worker/main.ts'), 'utf8');
  return {
    dir: abs,
    commit,
    subject: git(['log', '-1', '--format=%s', commit]),
    hasCoordinatorWorkflow: existsSync(path.join(abs, 'workflows/creation-slots.ts')),
    workerUsesCoordinator: /creationSlots\s*:/.test(workerMain),
  };
}

function gitHead(dir: string): string {
  let head: string;
  try {
    head = git(['rev-parse', 'HEAD'], dir);
  } catch {
    throw new Error(`cannot tell which commit ${dir} holds: it is no git checkout and has no ${COMMIT_FILE}`);
  }
  const dirty = git(['status', '--porcelain', '--', 'workflows', 'contract'], dir);
  if (dirty) throw new Error(`${dir} has uncommitted changes in workflows/ or contract/: fixtures must name the code they came from`);
  return head;
}

/** The recorder's own commit, for the manifest. */
export function recorderCommit(): string {
  return git(['rev-parse', 'HEAD']);
}
