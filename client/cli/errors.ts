/**
 * Exit codes of `vend`, so scripts can tell what went wrong:
 *   0 done; 1 the API refused or the request ended badly (watch); 2 the command line is wrong (nothing was sent);
 *   3 the API could not be reached.
 */
import { printable } from './format';

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The API answered with its error shape; the message names the code so a person can look it up. */
export class ApiCallError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    // The API's words on one line, escaped: a message can quote what someone typed.
    super(`${status} ${printable(code)}: ${printable(message)}`, EXIT.refused);
  }
}
