/**
 * A reader that stops early (`dify-chart render | head -1`, `| grep -q`) closes the pipe under
 * the command: like `helm template | head`, the command ends quietly, exit 0, no stack trace
 * (Node raises the failed write as an unhandled EPIPE 'error' event unless the CLI handles it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, PINNED, ROOT } from '../cli/run.js';
import { exec } from '../support/exec.js';

const T = 60_000;
const HANG = 8_000;

/** Runs the CLI with a stdout pipe whose read end is closed after `keep` bytes (0: at once). */
function closedEarly(args: string[], keep: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; got: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: HANG, killSignal: 'SIGKILL' });
    let got = 0;
    const err: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdout.on('error', () => undefined);
    if (keep === 0) child.stdout.destroy();
    else
      child.stdout.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= keep) child.stdout.destroy();
      });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr: Buffer.concat(err).toString('utf8'), got }));
  });
}

describe('a closed stdout ends the command quietly', () => {
  it('the pipe closed before the first write: exit 0, nothing on stderr', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await closedEarly(['render', '-f', PINNED], 0);
      expect(r.signal).toBeNull();
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  }, T);

  it('the pipe closed after the first chunk (as head -1 does): exit 0, nothing on stderr', async () => {
    const r = await closedEarly(['render', '-f', PINNED], 1);
    expect(r.got).toBeGreaterThan(0);
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, T);

  it('through a shell: `render | head -1` and `render | grep -q` exit 0 with pipefail, no stack trace', async () => {
    const bash = spawnSync('bash', ['-c', 'exit 0']);
    if (bash.error) {
      if (process.env.CI === 'true') throw new Error('CI=true but bash is missing');
      return;
    }
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const cmd = `${q(process.execPath)} ${q(BIN)} render -f ${q(PINNED)}`;
    for (const tail of ['head -1', 'grep -q Deployment', 'grep -q "^---$"']) {
      const r = await exec('bash', ['-c', `set -o pipefail; ${cmd} | ${tail}`], { cwd: ROOT, timeoutMs: HANG });
      expect(r.signal, tail).toBeNull();
      expect(r.stderr, tail).toBe('');
      expect(r.status, tail).toBe(0);
    }
  }, T);
});

describe('standard output that cannot be written', () => {
  it.skipIf(!existsSync('/dev/full'))('a full device (render > /dev/full): one line in words, exit 1', async () => {
    const r = await exec('bash', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} render -f ${JSON.stringify(PINNED)} > /dev/full`], { cwd: ROOT, timeoutMs: HANG });
    expect(r.stderr).toBe('Error: cannot write to standard output: no space left on device\n');
    expect(r.status).toBe(1);
    // A command that otherwise ends well keeps that exit code.
    const v = await exec('bash', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} version > /dev/full`], { cwd: ROOT, timeoutMs: HANG });
    expect(v.stderr).toBe('Error: cannot write to standard output: no space left on device\n');
    expect(v.status).toBe(1);
  }, T);
});
