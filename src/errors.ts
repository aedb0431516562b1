/**
 * Every error class of dify-chart. A UserError (bad values, a failing template, an unreadable
 * file) prints as one line and exits 1, a UsageError (bad flags) exits 2, anything else is a bug.
 * An error that has a place carries it as fields too (file, line, column, value path), so a
 * caller need not parse the message to find it; the message names it as before.
 */

/** Where an error is: a file (line and column counted from 1), and/or a value's dotted path. */
export interface ErrorPlace {
  file?: string;
  line?: number;
  col?: number;
  /** `api.replicas`: the value the error is about. */
  valuePath?: string;
}

/**
 * The place as non-enumerable fields: an error still equals one of the same class and message
 * (as tests compare them), and prints as before.
 */
function setPlace(e: Error, place: ErrorPlace | undefined): void {
  if (!place) return;
  for (const [k, v] of Object.entries(place)) if (v !== undefined) Object.defineProperty(e, k, { value: v, enumerable: false });
}

/** A user error: printed as one line, exit code 1. */
export class UserError extends Error implements ErrorPlace {
  override name = 'UserError';
  declare readonly file?: string;
  declare readonly line?: number;
  declare readonly col?: number;
  declare readonly valuePath?: string;

  constructor(message: string, place?: ErrorPlace) {
    super(message);
    setPlace(this, place);
  }
}

/** A usage error (bad flags): printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A template outside the dialect (src/chart/dialect.ts), at file:line:col. */
export class DialectError extends UserError {
  override name = 'DialectError';
}

/**
 * A render-time failure raised by `required`, `fail` or a helper given the wrong kind of value;
 * the engine turns it into a UserError naming the template (and the call site, when known).
 */
export class TemplateError extends Error implements ErrorPlace {
  override name = 'TemplateError';
  declare readonly file?: string;
  declare readonly line?: number;
  declare readonly col?: number;

  constructor(message: string, place?: ErrorPlace) {
    super(message);
    setPlace(this, place);
  }
}

/** A version or constraint Masterminds/semver refuses. */
export class SemverError extends Error {}

/**
 * Where a Go encoder (json.Marshal, sigs.k8s.io/yaml.Marshal) would return an error: thrown inside
 * the ports of toJson and toYaml, which answer "" for it, as Helm swallows the error.
 */
export class MarshalError extends Error {}

/** What was being done when a file-system call failed. */
export type FsDoing = 'read' | 'list' | 'write';

// Each error code in words, for what was being done (a code not listed for it shows as itself).
const FS_WORDS: Record<string, Partial<Record<FsDoing, string>>> = {
  ENOENT: { read: 'no such file', list: 'no such folder', write: 'the folder does not exist or does not accept new files' },
  EISDIR: { read: 'is a directory, not a file', write: 'it is a folder, not a file' },
  ENOTDIR: { list: 'not a folder', write: 'a part of the path is a file, not a folder' },
  EACCES: { read: 'permission denied', list: 'permission denied', write: 'permission denied' },
  EPERM: { read: 'permission denied', list: 'permission denied', write: 'permission denied' },
  EEXIST: { write: 'a part of the path exists and is not a folder' },
  EROFS: { write: 'read-only file system' },
  ENOSPC: { write: 'no space left on device' },
  EDQUOT: { write: 'disk quota exceeded' },
  ENAMETOOLONG: { write: 'the path is too long' },
  EIO: { write: 'input/output error (the terminal or device went away)' },
};

/**
 * A file-system error in words, for reading a file, listing a folder or writing (after
 * `cannot write: `); an unlisted code reads `cannot read (EIO)`, `cannot read the folder (EIO)`,
 * or for a write the bare code. A missing folder on a write may also be one that refuses new
 * entries (procfs, sysfs and the like).
 */
export function describeFsError(e: unknown, doing: FsDoing): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const words = code === undefined ? undefined : FS_WORDS[code]?.[doing];
  if (words !== undefined) return words;
  const what = code ?? (e instanceof Error ? e.message : String(e));
  return doing === 'read' ? `cannot read (${what})` : doing === 'list' ? `cannot read the folder (${what})` : what;
}
