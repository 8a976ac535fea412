/**
 * What `npm start` prints, decided by where its stdout goes.
 *
 * A terminal: lines for a person. Each child's pino JSON line (worker, API) is rendered by pino-pretty on one line,
 * plain lines (Temporal's text log, the sandbox, the bundler, anything on stderr) are passed as they are; every line
 * is prefixed with its process's name, `[worker] ...`.
 *
 * Anything else (CI, a pipe, a file): JSON lines only, so `npm start | jq` works. A child's JSON line keeps its fields
 * and gets `source` (the process's name); a plain line becomes a pino-shaped record (`level` 30 from stdout, 40 from
 * stderr, `time`, `source`, `msg`); npm start's own messages are records with `source` "npm-start". The children
 * themselves always write JSON (they are the deployables; only npm start knows it is talking to a person).
 */
import { type PrettyOptions } from 'pino-pretty';

export type ChildStream = 'stdout' | 'stderr';

export interface StartConsole {
  readonly format: 'pretty' | 'json';
  /** One line a child process printed. */
  child(source: string, line: string, stream: ChildStream): void;
  /** npm start's own message; `fields` are the record's fields in JSON, unused on a terminal. */
  say(message: string, fields?: Record<string, unknown>): void;
  /** A block for a person (the banner): these lines on a terminal, one record (`message` + `fields`) in JSON. */
  block(lines: string[], message: string, fields: Record<string, unknown>): void;
}

interface Output {
  isTTY?: boolean;
  write(text: string): unknown;
}

const OWN_SOURCE = 'npm-start';
const PINO_INFO = 30;
const PINO_WARN = 40;

/** A JSON object line (pino's and Temporal's JSON logs are); anything else is a plain line. */
function jsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const PRETTY_OPTIONS: PrettyOptions = {
  singleLine: true,
  translateTime: 'SYS:HH:MM:ss.l',
  // The prefix already names the process.
  ignore: 'pid,hostname,service',
};

/**
 * pino-pretty is a devDependency: present wherever `npm start` runs from a checkout (`npm ci`), absent from a
 * production install; there the terminal gets the JSON lines and one note.
 */
async function loadPrettifier(colorize: boolean): Promise<((record: Record<string, unknown>) => string) | undefined> {
  try {
    const { prettyFactory } = await import('pino-pretty');
    const prettify = prettyFactory({ ...PRETTY_OPTIONS, colorize });
    return (record) => prettify(record).replace(/\n+$/, '');
  } catch {
    return undefined;
  }
}

export async function startConsole(out: Output = process.stdout, env: NodeJS.ProcessEnv = process.env): Promise<StartConsole> {
  const write = (line: string) => void out.write(`${line}\n`);
  const prettify = out.isTTY ? await loadPrettifier(!('NO_COLOR' in env)) : undefined;
  if (prettify) {
    return {
      format: 'pretty',
      child(source, line) {
        const record = jsonObject(line);
        write(`[${source}] ${record ? prettify(record) : line}`);
      },
      say: (message) => write(message),
      block: (lines) => write(lines.join('\n')),
    };
  }
  const record = (fields: Record<string, unknown>) => write(JSON.stringify(fields));
  const own = (message: string, fields: Record<string, unknown> = {}) =>
    record({ level: PINO_INFO, time: Date.now(), source: OWN_SOURCE, msg: message, ...fields });
  if (out.isTTY) own('pino-pretty is not installed (a production install?): printing JSON lines');
  return {
    format: 'json',
    child(source, line, stream) {
      const parsed = jsonObject(line);
      if (parsed) record({ source, ...parsed });
      else record({ level: stream === 'stderr' ? PINO_WARN : PINO_INFO, time: Date.now(), source, msg: line });
    },
    say: (message, fields) => own(message.trim(), fields),
    block: (_lines, message, fields) => own(message, fields),
  };
}
