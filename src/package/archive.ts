/**
 * Reproducible chart archives. tar-stream writes the ustar entries (a well-kept library rather than
 * a hand-rolled header writer); determinism is ours: sorted entries, fixed mtime, owner 0:0,
 * fixed modes, and a gzip header without name or timestamp.
 */
import { gzipSync, gunzipSync } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import { UserError } from '../errors.js';

/** 1980-01-01T00:00:00Z: a fixed, plausible mtime for every entry. */
export const ARCHIVE_MTIME = new Date(315532800 * 1000);

export interface ArchiveEntry {
  /** Path inside the archive, e.g. `dify/templates/api.yaml`. */
  path: string;
  content: Buffer;
}

/** Refuse anything that could escape the extraction folder. */
export function assertSafeEntryPath(path: string): void {
  if (path.startsWith('/') || path.split('/').some((seg) => seg === '..' || seg === '') || path.includes('\\')) {
    throw new UserError(`archive entry "${path}" is not a plain relative path`);
  }
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

export async function writeTgz(entries: ArchiveEntry[]): Promise<Buffer> {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const p = pack();
  const done = collect(p);
  for (const e of sorted) {
    assertSafeEntryPath(e.path);
    await new Promise<void>((resolve, reject) => {
      p.entry(
        { name: e.path, size: e.content.length, mode: 0o644, mtime: ARCHIVE_MTIME, uid: 0, gid: 0, uname: '', gname: '', type: 'file' },
        e.content,
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }
  p.finalize();
  const tar = await done;
  // zlib's gzip header carries no file name and a zero timestamp; level 9 for a small archive.
  return gzipSync(tar, { level: 9 });
}

/** Read every regular file of a .tgz; links, devices and unsafe paths are refused. */
export async function readTgz(data: Buffer): Promise<ArchiveEntry[]> {
  const x = extract();
  const out: ArchiveEntry[] = [];
  const reading = (async () => {
    for await (const entry of x) {
      const h = entry.header;
      if (h.type !== 'file' && h.type !== 'directory') throw new UserError(`archive entry "${h.name}" is a ${h.type}`);
      assertSafeEntryPath(h.name.replace(/\/$/, ''));
      const content = await collect(entry);
      if (h.type === 'file') out.push({ path: h.name, content });
    }
  })();
  let tar: Buffer;
  try {
    tar = gunzipSync(data);
  } catch (e) {
    throw new UserError(`not a gzip archive: ${(e as Error).message}`);
  }
  x.end(tar);
  await reading;
  return out;
}
