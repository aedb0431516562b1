/**
 * Every file and folder a command writes goes through here: folders made one level at a time
 * (Node's recursive mkdir loops forever on some file systems, procfs among them), files written
 * through a temporary name and renamed, trees staged and moved into place, and every failure one
 * `<what>: cannot write: <why>` line, with the reason in words.
 */
import { lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describeFsError, UserError } from '../errors.js';

/** A UserError `<what>: cannot write: <why>` for fs error `e` (a UserError passes through). */
export function cannotWrite(what: string, e: unknown): UserError {
  if (e instanceof UserError) return e;
  return new UserError(`${what}: cannot write: ${describeFsError(e, 'write')}`);
}

/**
 * Makes folder `dir` and any missing parents, one level at a time: the nearest existing
 * ancestor is found first (it must be a folder), then each missing level is made once. Every
 * step runs at most once per path level, so this ends on any file system. Errors are raw fs
 * errors (ENOTDIR when an ancestor is a file); see ensureFolder for the user-facing form.
 */
export function makeFolders(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    // Throws ENOTDIR when a file is on the way (or EACCES, ELOOP...).
    const st = statSync(at, { throwIfNoEntry: false });
    if (st) {
      if (!st.isDirectory()) {
        const err: NodeJS.ErrnoException = new Error(`${at} is not a folder`);
        err.code = missing.length === 0 ? 'EEXIST' : 'ENOTDIR';
        throw err;
      }
      break;
    }
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break; // a missing root: mkdir below reports it
    at = parent;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (e) {
      // Made by someone else meanwhile: fine if it is a folder now.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(level).isDirectory()) throw e;
    }
  }
}

/** makeFolders, failing as `<what>: cannot write: <why>`. */
export function ensureFolder(dir: string, what: string): void {
  try {
    makeFolders(dir);
  } catch (e) {
    throw cannotWrite(what, e);
  }
}

/**
 * Writes `path` through a temporary name in the same folder and renames it, so a reader never
 * sees half a file and a failure leaves nothing behind. Fails as `<what>: cannot write: <why>`
 * (`what` defaults to the path).
 */
export function writeAtomic(path: string, data: Buffer | string, what = path): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw cannotWrite(what, e);
  }
}

/** One file of a tree, relative to the tree's folder. */
export interface TreeFile {
  path: string;
  content: string | Buffer;
}

/**
 * Writes every file under `dir` or none: stages them in a fresh folder inside `dir`, checks that
 * every final path can take a file, then moves them into place. A failure leaves `dir` as it was
 * (a folder made for it stays, empty). Fails as `<what>: cannot write: <why>`.
 */
export function writeTree(dir: string, files: TreeFile[], what: string): void {
  const target = resolve(dir);
  ensureFolder(target, what);
  let stage: string;
  try {
    stage = mkdtempSync(join(target, '.dify-chart-'));
  } catch (e) {
    throw cannotWrite(what, e);
  }
  try {
    for (const f of files) {
      const p = join(stage, f.path);
      makeFolders(dirname(p));
      writeFileSync(p, f.content);
    }
    for (const f of files) {
      const st = lstatSync(join(target, f.path), { throwIfNoEntry: false });
      if (st && !st.isFile()) throw new UserError(`${what}: cannot write ${f.path}: it exists and is not a regular file`);
    }
    for (const f of files) {
      const final = join(target, f.path);
      makeFolders(dirname(final));
      renameSync(join(stage, f.path), final);
    }
  } catch (e) {
    throw cannotWrite(what, e);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
