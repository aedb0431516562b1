/** What every command shares: its output streams, the values and release flags, safe writes. */
import { renameSync, writeFileSync } from 'node:fs';
import { UserError } from '../values/types.js';

/** Where a command writes: standard output and standard error (tests pass their own). */
export interface IO {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** The flags `render` and `lint` share: values in Helm's order, the release and the cluster. */
export interface ValuesFlags {
  values: string[];
  set: string[];
  setString: string[];
  setFile: string[];
  setJson: string[];
  namespace: string;
  kubeVersion: string;
  apiVersions: string[];
  chart?: string;
}

/** Write through a temporary name and rename, so a reader never sees half a file. */
export function writeAtomic(path: string, data: Buffer | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    throw new UserError(`${path}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
