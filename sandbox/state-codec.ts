/**
 * The gateway's state (SandboxState) to JSON and back, field by field with no code per field: whatever a field holds
 * is written as it is, so state a new feature adds is saved without persistence code of its own.
 *
 * JSON as it is for strings, finite numbers, booleans, null, arrays and plain objects; tagged objects
 * (`{"$type": ...}`) for the rest of what state may hold: Map, Set, Date, Buffer, undefined (in arrays and Maps; an
 * undefined property is left out), NaN and the infinities, bigint, and plain objects that have a `$type` key of their
 * own. Anything else (a timer, a promise, a class instance, a function) is refused with the field's path, and so is an
 * object reachable twice: it would come back as two objects.
 *
 * Reading back checks every field against a fresh SandboxState: a field the code no longer has, or one whose kind
 * changed (a Map saved, an array expected), makes the saved state incompatible; a field the saved state lacks keeps
 * its initial value (state added since it was saved).
 */

export type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

/** The state holds something that is not data (said with the field's path). */
export class NotPersistableError extends Error {
  override name = 'NotPersistableError';
}

/** The saved value does not fit this code's state (said with the field's path). */
export class IncompatibleStateError extends Error {
  override name = 'IncompatibleStateError';
}

const TAG = '$type';

export function encodeState(state: object, root = 'SandboxState'): Record<string, Encoded> {
  const seen = new Map<object, string>();
  const out: Record<string, Encoded> = {};
  for (const [key, value] of Object.entries(state)) {
    if (value !== undefined) out[key] = encodeValue(value, `${root}.${key}`, seen);
  }
  return out;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name ? `a ${name}` : 'an object without a constructor';
}

function encodeValue(value: unknown, path: string, seen: Map<object, string>): Encoded {
  switch (typeof value) {
    case 'undefined':
      return { [TAG]: 'undefined' };
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : { [TAG]: 'number', value: String(value) };
    case 'bigint':
      return { [TAG]: 'bigint', value: value.toString() };
    case 'function':
    case 'symbol':
      throw new NotPersistableError(`${path} holds ${describe(value)}, which is not data`);
  }
  if (value === null) return null;
  const object = value as object;
  const before = seen.get(object);
  if (before !== undefined) {
    throw new NotPersistableError(`${path} and ${before} are the same object: keep it in one place and refer to it by its id`);
  }
  seen.set(object, path);
  if (Array.isArray(object)) {
    const out: Encoded[] = [];
    for (let i = 0; i < object.length; i++) {
      if (!(i in object)) throw new NotPersistableError(`${path} is an array with a hole at ${i}`);
      out.push(encodeValue(object[i], `${path}[${i}]`, seen));
    }
    return out;
  }
  if (object instanceof Map) {
    return {
      [TAG]: 'map',
      entries: [...object.entries()].map(([k, v], i) => [
        encodeValue(k, `${path} key #${i}`, seen),
        encodeValue(v, `${path}.get(${typeof k === 'string' ? JSON.stringify(k) : `#${i}`})`, seen),
      ]),
    };
  }
  if (object instanceof Set) return { [TAG]: 'set', values: [...object].map((v, i) => encodeValue(v, `${path} value #${i}`, seen)) };
  if (object instanceof Date) return { [TAG]: 'date', ms: encodeValue(object.getTime(), path, seen) };
  if (object instanceof Uint8Array) return { [TAG]: 'bytes', base64: Buffer.from(object).toString('base64') };
  if (!isPlainObject(object)) {
    throw new NotPersistableError(`${path} holds ${describe(object)}, which is not data (keep runtime handles out of SandboxState)`);
  }
  const entries = Object.entries(object).filter(([, v]) => v !== undefined);
  if (entries.some(([k]) => k === TAG)) {
    return { [TAG]: 'object', entries: entries.map(([k, v]) => [k, encodeValue(v, `${path}.${k}`, seen)]) };
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, encodeValue(v, `${path}.${k}`, seen)]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pairs(value: unknown, path: string): [unknown, unknown][] {
  if (!Array.isArray(value) || value.some((p) => !Array.isArray(p) || p.length !== 2)) {
    throw new IncompatibleStateError(`${path}: entries are not [key, value] pairs`);
  }
  return value as [unknown, unknown][];
}

function decodeValue(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string' || typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map((v, i) => decodeValue(v, `${path}[${i}]`));
  if (!isRecord(value)) throw new IncompatibleStateError(`${path}: not JSON data`);
  if (!(TAG in value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeValue(v, `${path}.${k}`)]));
  switch (value[TAG]) {
    case 'undefined':
      return undefined;
    case 'number':
      if (!['NaN', 'Infinity', '-Infinity'].includes(String(value.value))) throw new IncompatibleStateError(`${path}: bad number`);
      return Number(value.value);
    case 'bigint':
      if (typeof value.value !== 'string' || !/^-?\d+$/.test(value.value)) throw new IncompatibleStateError(`${path}: bad bigint`);
      return BigInt(value.value);
    case 'map':
      return new Map(pairs(value.entries, path).map(([k, v], i) => [decodeValue(k, `${path} key #${i}`), decodeValue(v, `${path} value #${i}`)]));
    case 'set':
      if (!Array.isArray(value.values)) throw new IncompatibleStateError(`${path}: a set without values`);
      return new Set(value.values.map((v, i) => decodeValue(v, `${path} value #${i}`)));
    case 'date': {
      const ms = decodeValue(value.ms, path);
      if (typeof ms !== 'number') throw new IncompatibleStateError(`${path}: a date without its time`);
      return new Date(ms);
    }
    case 'bytes':
      if (typeof value.base64 !== 'string') throw new IncompatibleStateError(`${path}: bytes without base64`);
      return Buffer.from(value.base64, 'base64');
    case 'object':
      return Object.fromEntries(
        pairs(value.entries, path).map(([k, v]) => {
          if (typeof k !== 'string') throw new IncompatibleStateError(`${path}: a property name that is not a string`);
          return [k, decodeValue(v, `${path}.${k}`)];
        }),
      );
    default:
      throw new IncompatibleStateError(`${path}: unknown tag ${JSON.stringify(value[TAG])}`);
  }
}

type Kind = 'absent' | 'array' | 'map' | 'set' | 'date' | 'bytes' | 'object' | 'string' | 'number' | 'boolean' | 'bigint';

function kindOf(value: unknown): Kind {
  if (value === undefined || value === null) return 'absent';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Map) return 'map';
  if (value instanceof Set) return 'set';
  if (value instanceof Date) return 'date';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value as Kind;
}

/**
 * Writes the saved fields into `fresh` (a newly constructed state). Returns the fields the saved state lacked (they
 * keep their initial values); throws IncompatibleStateError for an unknown field or a field of another kind.
 */
export function decodeStateInto(encoded: unknown, fresh: object, root = 'SandboxState'): { missing: string[] } {
  if (!isRecord(encoded)) throw new IncompatibleStateError(`${root}: not an object`);
  const target = fresh as Record<string, unknown>;
  const known = new Set(Object.keys(target));
  const decoded: [string, unknown][] = [];
  for (const [key, value] of Object.entries(encoded)) {
    if (!known.has(key)) throw new IncompatibleStateError(`${root}.${key} was saved, but this sandbox has no such field`);
    const restored = decodeValue(value, `${root}.${key}`);
    const want = kindOf(target[key]);
    const got = kindOf(restored);
    if (want !== 'absent' && got !== 'absent' && want !== got) {
      throw new IncompatibleStateError(`${root}.${key} was saved as ${got}, this sandbox keeps it as ${want}`);
    }
    decoded.push([key, restored]);
  }
  // Nothing is written unless every field fits.
  for (const [key, value] of decoded) target[key] = value;
  return { missing: [...known].filter((key) => !(key in encoded) && target[key] !== undefined) };
}
