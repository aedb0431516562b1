/**
 * The one rule for what of a chart folder dify-chart reads, for render, lint and package alike:
 * plain files and folders only. A symbolic link anywhere in the chart (a template, a folder of
 * templates, Chart.yaml, values.yaml, the schema, the README) is refused, not followed: Helm's
 * loader would follow it (with a warning), but an archive whose bytes came from outside the
 * folder is neither reproducible nor safe to publish, and refusing in render too keeps what render
 * prints equal to what `helm template` prints for the archive package writes (render never shows
 * a chart package would refuse). Anything else Helm calls irregular (a FIFO, a socket, a device)
 * is refused as Helm refuses it, found with lstat or the folder listing, never by opening it (a
 * FIFO would block the read forever).
 */
import { lstatSync, readFileSync, type Dirent, type Stats } from 'node:fs';
import { describeFsError, UserError } from '../errors.js';

/**
 * Helm's loader limits (pkg/chart/loader): MaxDecompressedFileSize, the largest file Helm 3.21
 * loads from a chart folder or archive (Helm 4.3 dropped it, so Helm 3's is the one an archive
 * for both must keep), and MaxDecompressedChartSize, which the files of an archive together must
 * stay under in both.
 */
export const MAX_CHART_FILE_SIZE = 5 * 1024 * 1024;
export const MAX_CHART_SIZE = 100 * 1024 * 1024;

/** The refusal of a file of `size` bytes past MAX_CHART_FILE_SIZE (`what` names it). */
export function tooLarge(what: string, size: number, file?: string): UserError {
  return new UserError(`${what}: ${size} bytes, more than the ${MAX_CHART_FILE_SIZE} (5 MiB) Helm 3 loads for one chart file`, file === undefined ? undefined : { file });
}

/** What a non-regular entry is, in words. */
export function entryKind(e: Stats | Dirent<string> | Dirent<Buffer>): string {
  if (e.isSymbolicLink()) return 'a symbolic link';
  if (e.isDirectory()) return 'a folder';
  if (e.isFIFO()) return 'a FIFO';
  if (e.isSocket()) return 'a socket';
  if (e.isCharacterDevice()) return 'a character device';
  if (e.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** The refusal of a link or an irregular file at `path` in a chart folder. */
export function notPlain(path: string, kind: string): UserError {
  if (kind === 'a symbolic link') {
    return new UserError(`${path}: is a symbolic link; dify-chart refuses links in a chart folder: copy in what it points to`, { file: path });
  }
  return new UserError(`${path}: is ${kind}, not a regular file; Helm cannot load it either`, { file: path });
}

/**
 * A chart file's bytes, when it is a plain file; a missing one is undefined when `optional`,
 * else `no such file`. Read errors are one line naming the file.
 */
export function readChartFile(path: string): Buffer;
export function readChartFile(path: string, optional: true): Buffer | undefined;
export function readChartFile(path: string, optional = false): Buffer | undefined {
  let st: Stats | undefined;
  try {
    st = lstatSync(path, { throwIfNoEntry: false });
  } catch (e) {
    throw new UserError(`${path}: ${describeFsError(e, 'read')}`, { file: path });
  }
  if (!st) {
    if (optional) return undefined;
    throw new UserError(`${path}: no such file`, { file: path });
  }
  if (st.isDirectory()) throw new UserError(`${path}: is a directory, not a file`, { file: path });
  if (!st.isFile()) throw notPlain(path, entryKind(st));
  // Helm 3's LoadDir refuses it too; the size from lstat, so nothing that large is read.
  if (st.size > MAX_CHART_FILE_SIZE) throw tooLarge(path, st.size, path);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UserError(`${path}: ${describeFsError(e, 'read')}`, { file: path });
  }
}

/**
 * Whether a chart folder (`templates/`, `charts/`) is there to be listed: a link or a file in its
 * place is refused, a missing one is false.
 */
export function isChartFolder(path: string): boolean {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return false;
  if (st.isDirectory()) return true;
  if (st.isSymbolicLink()) throw notPlain(path, 'a symbolic link');
  throw new UserError(`${path}: is ${st.isFile() ? 'a file' : entryKind(st)}, not a folder`, { file: path });
}

/** A file name as bytes: every byte outside printable ASCII as \xNN (names Node cannot hold as text). */
export function showBytes(name: Buffer): string {
  return Array.from(name, (b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

// ignoreBOM keeps a leading U+FEFF in a name as the name's own character.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** An entry name listed as bytes, as text; a name that is not UTF-8 is refused, shown byte by byte. */
export function entryName(dir: string, name: Buffer): string {
  try {
    return UTF8.decode(name);
  } catch {
    const shown = `${dir}/${showBytes(name)}`;
    throw new UserError(`${shown}: the file name is not valid UTF-8; rename it`, { file: shown });
  }
}
