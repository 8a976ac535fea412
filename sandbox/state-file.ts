/**
 * The sandbox's saved state on disk, `<data folder>/state.jsonl`: one file, so gateway and moto are always saved
 * together. Line 1 is a header (format and version, when it was saved, moto's version, the SHA-256 and length of
 * line 2); line 2 the body: settings, the seeded organization, the gateway's state (sandbox/state-codec.ts) and
 * moto's snapshot (base64).
 *
 * Written atomically: a temporary file in the same folder, fsync, rename over the old one, fsync of the folder. A
 * process killed at any point leaves the previous file or the new one, never a mix (and maybe a temporary file,
 * removed at the next start). Reading checks everything before anything is used; any problem is a
 * SandboxStateFileError that names the file and how to discard it.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type SeededOrganization } from './seeded-organization';
import { describeZodError, SandboxSettingsSchema, type SandboxSettings } from './settings';

export const STATE_FILE_NAME = 'state.jsonl';
const FORMAT = 'vend-sandbox-state';
/** Raised when the file's layout or the codec's encoding changes. */
export const STATE_FORMAT_VERSION = 1;
const TEMP_PREFIX = `${STATE_FILE_NAME}.tmp-`;

export const MotoVersionsSchema = z.object({ format: z.number().int(), moto: z.string(), python: z.string() }).strict();
export type MotoVersions = z.infer<typeof MotoVersionsSchema>;

const HeaderSchema = z
  .object({
    format: z.literal(FORMAT),
    version: z.number().int(),
    savedAt: z.iso.datetime(),
    moto: MotoVersionsSchema,
    bodySha256: z.string().regex(/^[0-9a-f]{64}$/),
    bodyBytes: z.number().int().nonnegative(),
  })
  .strict();

const OrganizationSchema = z
  .object({
    organizationId: z.string(),
    rootId: z.string(),
    managementAccountId: z.string().regex(/^\d{12}$/),
    organizationalUnits: z.record(z.string(), z.string()),
  })
  .strict();

const BodySchema = z
  .object({
    settings: SandboxSettingsSchema,
    organization: OrganizationSchema,
    gateway: z.record(z.string(), z.unknown()),
    moto: z.base64(),
  })
  .strict();

export interface SavedSandbox {
  savedAt: Date;
  motoVersions: MotoVersions;
  settings: SandboxSettings;
  organization: SeededOrganization;
  /** The gateway's state as encoded by sandbox/state-codec.ts. */
  gateway: Record<string, unknown>;
  /** moto's snapshot (sandbox/moto_server.py). */
  moto: Buffer;
}

export class SandboxStateFileError extends Error {
  override name = 'SandboxStateFileError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(
      `cannot restore the sandbox's saved AWS state from ${file}: ${reason}.\n` +
        `Nothing was started. To start the sandbox fresh instead (its accounts, OUs and creation requests are forgotten; ` +
        `Temporal's requests are not), delete that file: rm '${file}'`,
    );
  }
}

export function stateFilePath(dataDir: string): string {
  return path.join(dataDir, STATE_FILE_NAME);
}

/** The saved state, or undefined when there is none. Throws SandboxStateFileError when it cannot be used. */
export async function readStateFile(file: string): Promise<SavedSandbox | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SandboxStateFileError(file, `it cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const newline = text.indexOf('\n');
  if (newline < 0) throw new SandboxStateFileError(file, 'it is not a saved sandbox state (no header line)');
  let rawHeader: unknown;
  try {
    rawHeader = JSON.parse(text.slice(0, newline));
  } catch {
    throw new SandboxStateFileError(file, 'its header line is not JSON (the file is damaged)');
  }
  const kind = z.object({ format: z.literal(FORMAT), version: z.number().int() }).safeParse(rawHeader);
  if (!kind.success) throw new SandboxStateFileError(file, 'it is not a saved sandbox state');
  if (kind.data.version !== STATE_FORMAT_VERSION) {
    throw new SandboxStateFileError(file, `it was written in format version ${kind.data.version}, this sandbox reads version ${STATE_FORMAT_VERSION}`);
  }
  const header = HeaderSchema.safeParse(rawHeader);
  if (!header.success) throw new SandboxStateFileError(file, `its header is invalid: ${describeZodError(header.error)}`);
  const body = text.slice(newline + 1).replace(/\n$/, '');
  const bytes = Buffer.byteLength(body);
  if (bytes !== header.data.bodyBytes || createHash('sha256').update(body).digest('hex') !== header.data.bodySha256) {
    throw new SandboxStateFileError(file, `its content does not match its checksum (${bytes} of ${header.data.bodyBytes} bytes): the file is damaged`);
  }
  let rawBody: unknown;
  try {
    rawBody = JSON.parse(body);
  } catch {
    throw new SandboxStateFileError(file, 'its content is not JSON');
  }
  const parsed = BodySchema.safeParse(rawBody);
  if (!parsed.success) throw new SandboxStateFileError(file, `its content does not fit this sandbox: ${describeZodError(parsed.error)}`);
  return {
    savedAt: new Date(header.data.savedAt),
    motoVersions: header.data.moto,
    settings: parsed.data.settings,
    organization: parsed.data.organization,
    gateway: parsed.data.gateway,
    moto: Buffer.from(parsed.data.moto, 'base64'),
  };
}

let tempCounter = 0;

/** Replaces the file atomically with this state; returns the bytes written. */
export async function writeStateFile(file: string, saved: SavedSandbox): Promise<number> {
  const body = JSON.stringify({
    settings: saved.settings,
    organization: saved.organization,
    gateway: saved.gateway,
    moto: saved.moto.toString('base64'),
  });
  const header = JSON.stringify({
    format: FORMAT,
    version: STATE_FORMAT_VERSION,
    savedAt: saved.savedAt.toISOString(),
    moto: saved.motoVersions,
    bodySha256: createHash('sha256').update(body).digest('hex'),
    bodyBytes: Buffer.byteLength(body),
  });
  const content = `${header}\n${body}\n`;
  const temp = path.join(path.dirname(file), `${TEMP_PREFIX}${process.pid}-${++tempCounter}`);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  // The rename itself is durable only once the folder is synced.
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return Buffer.byteLength(content);
}

/** Temporary files a killed save left behind; returns their names. */
export async function removeTempFiles(dataDir: string): Promise<string[]> {
  const names = (await readdir(dataDir).catch(() => [] as string[])).filter((n) => n.startsWith(TEMP_PREFIX));
  for (const name of names) await unlink(path.join(dataDir, name)).catch(() => undefined);
  return names;
}
