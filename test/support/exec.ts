/**
 * A child process run to completion without blocking the test worker: the promise form of
 * spawnSync, with its options (cwd, env, input, timeout, maxBuffer) and its kind of result.
 *
 * Why not spawnSync: vitest's worker talks to the main process over RPC, and each call it makes
 * (onTaskUpdate after every test) times out after 60 s unless the worker's event loop reads the
 * reply. Synchronous tests run back to back with no turn of that loop between them, so a file of
 * spawnSync-bound tests (or one test looping over fixtures) is one synchronous stretch; past 60 s,
 * which a second suite on this 2-core machine brought about, the run ended with
 * "[vitest-worker]: Timeout calling onTaskUpdate" although every test passed. Awaiting a child
 * turns the loop while it runs. spawnSync stays for single calls that take milliseconds.
 */
import { spawn } from 'node:child_process';

export interface ExecOptions {
  cwd?: string;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Standard input; none closes it at once. */
  input?: string | Uint8Array;
  /** Kill the child with `killSignal` after this many ms; the result then has `error.code` ETIMEDOUT. */
  timeoutMs?: number;
  killSignal?: NodeJS.Signals;
  /** Bytes of stdout or of stderr past which the child is killed (`error.code` ENOBUFS); default 1 GiB. */
  maxBuffer?: number;
  uid?: number;
  gid?: number;
}

export interface ExecResult<T> {
  /** The exit code, null when a signal ended the child or it never started. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: T;
  stderr: T;
  /** Why the child did not run to its own end: it could not start, timed out, or printed too much. */
  error?: NodeJS.ErrnoException;
}

/** Runs `file args` to completion; stdout and stderr as UTF-8 text. */
export async function exec(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult<string>> {
  const r = await execBytes(file, args, opts);
  return { ...r, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Runs `file args` to completion; stdout and stderr as bytes (an archive piped on, say). */
export function execBytes(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult<Buffer>> {
  const maxBuffer = opts.maxBuffer ?? 1 << 30;
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    let error: NodeJS.ErrnoException | undefined;
    const stop = (code: string, message: string) => {
      if (error) return;
      error = Object.assign(new Error(`${file} ${code}: ${message}`), { code });
      child.kill(opts.killSignal ?? 'SIGTERM');
    };
    const collect = (stream: NodeJS.ReadableStream, chunks: Buffer[]) => {
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBuffer) return stop('ENOBUFS', `output past maxBuffer (${maxBuffer} bytes)`);
        chunks.push(c);
      });
    };
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    collect(child.stdout, out);
    collect(child.stderr, err);
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => stop('ETIMEDOUT', `no exit within ${opts.timeoutMs} ms`), opts.timeoutMs);
    // A child that cannot start emits 'error' and then 'close' (code < 0): the result carries the error.
    child.on('error', (e: NodeJS.ErrnoException) => (error ??= e));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const status = error?.syscall?.startsWith('spawn') || signal !== null ? null : code;
      resolve({ status, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err), ...(error ? { error } : {}) });
    });
    child.stdin.on('error', () => undefined); // the child may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}

/** Node's own setImmediate, taken at load: a test's fake timers (vi.useFakeTimers) must not stop turn(). */
const realSetImmediate = globalThis.setImmediate;

/**
 * Resolves after the event loop has polled for I/O once (setImmediate runs after the poll
 * phase): a long in-process loop awaits it between steps so that vitest's worker reads its RPC
 * replies meanwhile.
 */
export const turn = (): Promise<void> => new Promise((resolve) => realSetImmediate(() => resolve()));
