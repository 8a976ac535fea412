/** What every command needs: where the API is, the caller's token, and how to print. Validated with zod. */
import { type Command } from 'commander';
import { z } from 'zod';
import { VendApiClient } from './api-client';
import { CliError, EXIT } from './errors';
import { printableJson } from './format';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

const GlobalOptionsSchema = z.object({
  api: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, like http://127.0.0.1:3000' }),
  token: z.string().regex(/^[\x21-\x7E]+$/, 'must be printable characters without spaces').optional(),
  json: z.boolean().default(false),
});

export interface CliContext {
  api: VendApiClient;
  json: boolean;
  out(line: string): void;
  err(line: string): void;
  /** Prints the API's answer as JSON (--json) or the human rendering. */
  print(value: unknown, human: () => string): void;
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export function contextFrom(command: Command, io: CliIo): CliContext {
  const raw = command.optsWithGlobals<{ api?: string; token?: string; json?: boolean }>();
  const parsed = GlobalOptionsSchema.safeParse({
    api: raw.api ?? io.env.VEND_API_URL ?? DEFAULT_API_URL,
    token: raw.token ?? (io.env.VEND_TOKEN || undefined),
    json: raw.json,
  });
  if (!parsed.success) throw new CliError(describeIssues(parsed.error, { api: '--api / VEND_API_URL', token: '--token / VEND_TOKEN' }), EXIT.usage);
  const { api, token, json } = parsed.data;
  const out = (line: string) => io.stdout(`${line}\n`);
  return {
    api: new VendApiClient(api, token),
    json,
    out,
    err: (line) => io.stderr(`${line}\n`),
    print: (value, human) => out(json ? printableJson(value, 2) : human()),
  };
}

/** Parses a command's own input; a problem is a usage error (exit 2) and nothing is sent. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, names: Record<string, string> = {}): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new CliError(describeIssues(result.error, names), EXIT.usage);
  return result.data;
}

function describeIssues(error: z.ZodError, names: Record<string, string>): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      const name = names[String(issue.path[0])] ?? (path ? `--${path}` : 'input');
      return `${name}: ${issue.message}`;
    })
    .join('\n');
}
