/**
 * Standard output and error for the command line. A reader that stops early (`| head -1`,
 * `| grep -q`) closes the pipe: the next write fails with EPIPE, which Node raises as an
 * unhandled 'error' event (a stack trace, exit 1). Like `helm template | head`, a closed output
 * ends the command quietly instead: nothing more is written and the exit code stays 0.
 */
import { describeFsError } from '../errors.js';

/** Where a command writes. */
export interface StdIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

const closed = new WeakSet<NodeJS.WriteStream>();

/** A writer for `stream` that stops writing, without an error, once the reader has gone. */
function writer(stream: NodeJS.WriteStream): (s: string) => void {
  if (stream.listenerCount('error') === 0) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
        closed.add(stream);
        return;
      }
      // Anything else (EIO, ENOSPC on a redirect): one line, exit 1, never a stack.
      closed.add(stream);
      if (stream !== process.stderr && !closed.has(process.stderr)) {
        process.stderr.write(`Error: cannot write to standard output: ${describeFsError(e, 'write')}\n`);
      }
      process.exitCode = 1;
    });
  }
  return (s) => {
    if (!closed.has(stream) && !stream.destroyed) stream.write(s);
  };
}

/** The process's stdout and stderr, safe against a reader that went away. */
export function processIO(): StdIO {
  return { out: writer(process.stdout), err: writer(process.stderr) };
}
