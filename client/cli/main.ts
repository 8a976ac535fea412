/**
 * `vend`: the command-line client of the request API (bin/vend.js runs this file through tsx).
 * API from --api / VEND_API_URL, token from --token / VEND_TOKEN; exit codes in errors.ts.
 */
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands';
import { DEFAULT_API_URL, type CliIo } from './context';
import { CliError, EXIT } from './errors';
import { printable } from './format';

export function buildProgram(io: CliIo): Command {
  const program = new Command('vend')
    .description('Request and follow AWS member accounts from the vending API')
    .option('--api <url>', `the vending API (env VEND_API_URL, default ${DEFAULT_API_URL})`)
    .option('--token <token>', 'bearer token (env VEND_TOKEN)')
    .option('--json', 'print the API answers as JSON')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  for (const command of COMMANDS) command.register(program, io);
  for (const command of program.commands) command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return program;
}

/** Runs one command line; resolves to the exit code instead of exiting, so tests can call it in-process too. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0; usage mistakes were already printed by commander.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliError) {
      // Our own messages may span lines; the API's parts were made single-line where they were read (ApiCallError).
      io.stderr(`vend: ${printable(err.message, { keepNewlines: true })}\n`);
      return err.exitCode;
    }
    io.stderr(`vend: unexpected error: ${printable((err as Error).stack ?? String(err), { keepNewlines: true })}\n`);
    return EXIT.refused;
  }
}

// Run directly (`tsx client/cli/main.ts ...`); bin/vend.js calls runCli itself.
if (require.main === module) {
  void runCli(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  });
}
