/**
 * Text that people type (names, reasons, notes, contacts) ends up in terminals, logs, the Web UI's markdown and AWS.
 * Control and format characters (Unicode categories Cc, Cf, Zl, Zp: NUL, ESC, U+007F-U+009F, zero-width and
 * bidirectional marks such as U+200B and U+202E, line and paragraph separators) can hide or repaint what a reader
 * sees, so every free-text field refuses them instead of escaping them later.
 */
import { z } from 'zod';

/** The characters refused: Unicode Cc, Cf, Zl, Zp (the CLI escapes the same set when it prints). */
export const UNSAFE_CHARACTERS = '[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]';
const UNSAFE = new RegExp(UNSAFE_CHARACTERS, 'u');
/** Tab and newline are the only control characters a multi-line note may hold. */
const UNSAFE_EXCEPT_WHITESPACE = /[\p{Cf}\p{Zl}\p{Zp}]|[^\P{Cc}\t\n]/u;

export const UNSAFE_TEXT_MESSAGE = 'holds control or format characters (Unicode Cc, Cf, Zl, Zp), which are not accepted';

/** True when the text holds a character a reader could not see for what it is. */
export function hasUnsafeCharacters(text: string, allowLineBreaks = false): boolean {
  return (allowLineBreaks ? UNSAFE_EXCEPT_WHITESPACE : UNSAFE).test(text);
}

/** A single-line text field: no control or format characters at all. */
export function plainText(schema: z.ZodString = z.string()): z.ZodString {
  return schema.refine((text) => !hasUnsafeCharacters(text), UNSAFE_TEXT_MESSAGE);
}

/** A free-text note or reason: tab and newline allowed, every other control or format character refused. */
export function noteText(schema: z.ZodString = z.string()): z.ZodString {
  return schema.refine((text) => !hasUnsafeCharacters(text, true), UNSAFE_TEXT_MESSAGE);
}
