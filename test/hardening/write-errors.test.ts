/**
 * Never hang, never lie about a write (issue 15, part A): every command that writes fails on a
 * location it cannot write with one line `<what>: cannot write: <why>`, exit 1, nothing on stdout,
 * nothing left behind, and in a few seconds (Node's recursive mkdir spins forever on procfs, so
 * the folders are made one level at a time). `repo index` takes a missing folder as a user error
 * and a missing --merge index as an empty one, as `helm repo index --merge` does.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, PINNED, snapshot, tempDir, type CliResult } from '../cli/run.js';

const T = 60_000;
/** A hang is killed after this long and fails the test. */
const HANG = 8_000;
const CI = process.env.CI === 'true';

/** One `Error: ` line, exit 1, nothing on stdout, no stack trace, not killed by the timeout. */
function expectOneLine(r: CliResult, line: string): void {
  expect(r.signal, 'the command hung and was killed').toBeUndefined();
  expect(r.stderr).toBe(`Error: ${line}\n`);
  expect(r.stdout).toBe('');
  expect(r.code).toBe(1);
}

describe('a location that takes no folders (procfs): an error, not a 100% CPU loop', () => {
  const hasProc = existsSync('/proc/self');
  if (!hasProc && CI) throw new Error('CI=true but /proc is missing');

  it.skipIf(!hasProc)('render --output-dir /proc/forbidden/x', async () => {
    const r = await cli(['render', '-f', PINNED, '--output-dir', '/proc/forbidden/x'], { timeoutMs: HANG });
    expectOneLine(r, '--output-dir /proc/forbidden/x: cannot write: the folder does not exist or does not accept new files');
  }, T);

  it.skipIf(!hasProc)('package -d /proc/forbidden/x', async () => {
    const r = await cli(['package', '-d', '/proc/forbidden/x'], { timeoutMs: HANG });
    expectOneLine(r, '--destination /proc/forbidden/x: cannot write: the folder does not exist or does not accept new files');
  }, T);

  it('package -d under a regular file: a part of the path is a file', async () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    const r = await cli(['package', '-d', join(file, 'sub')], { timeoutMs: HANG });
    expectOneLine(r, `--destination ${join(file, 'sub')}: cannot write: a part of the path is a file, not a folder`);
  }, T);
});

/**
 * A read-only file system: a read-only bind mount of a folder holding an earlier render, a chart
 * archive and a stale README. Mounting needs root (or CAP_SYS_ADMIN): without it the tests are
 * skipped with the reason, and fail under CI=true.
 */
describe('a read-only file system: "read-only file system" from every command that writes', () => {
  const source = tempDir('dify-ro-source-');
  const ro = tempDir('dify-ro-');
  let mounted = false;
  let why = '';

  beforeAll(async () => {
    mkdirSync(join(source, 'out', 'dify', 'templates', 'api'), { recursive: true });
    writeFileSync(join(source, 'out', 'dify', 'templates', 'api', 'deployment.yaml'), 'old: render\n');
    writeFileSync(join(source, 'README.md'), '# x\n\n<!-- values-table:start -->\nstale\n<!-- values-table:end -->\n');
    const pkg = await cli(['package', '-d', source]);
    expect(pkg.code).toBe(0);
    try {
      execFileSync('mount', ['-o', 'bind,ro', source, ro], { stdio: 'pipe' });
      mounted = true;
      // Some kernels ignore `ro` on the first bind: remount to be sure.
      execFileSync('mount', ['-o', 'remount,bind,ro', ro], { stdio: 'pipe' });
    } catch (e) {
      why = (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
    }
    if (mounted) {
      try {
        writeFileSync(join(ro, 'probe'), 'x');
        why = 'the bind mount is writable';
      } catch {
        // read-only, as wanted
      }
    }
    if (why && CI) throw new Error(`CI=true but no read-only mount could be made: ${why}`);
    if (why) console.warn(`skipping read-only file system tests: cannot mount read-only (${why})`);
  }, T);

  afterAll(() => {
    if (mounted) execFileSync('umount', [ro]);
  });

  const cases: { name: string; args: () => string[]; line: () => string }[] = [
    {
      name: 'render --output-dir into an existing folder',
      args: () => ['render', '-f', PINNED, '--output-dir', join(ro, 'out')],
      line: () => `--output-dir ${join(ro, 'out')}: cannot write: read-only file system`,
    },
    {
      name: 'render --output-dir into a new folder',
      args: () => ['render', '-f', PINNED, '--output-dir', join(ro, 'new', 'deeper')],
      line: () => `--output-dir ${join(ro, 'new', 'deeper')}: cannot write: read-only file system`,
    },
    {
      name: 'package -d an existing folder',
      args: () => ['package', '-d', ro],
      line: () => `--destination ${ro}: cannot write: read-only file system`,
    },
    {
      name: 'package -d a new folder',
      args: () => ['package', '-d', join(ro, 'charts')],
      line: () => `--destination ${join(ro, 'charts')}: cannot write: read-only file system`,
    },
    {
      name: 'repo index',
      args: () => ['repo', 'index', ro, '--url', 'https://example.com/charts'],
      line: () => `${join(ro, 'index.yaml')}: cannot write: read-only file system`,
    },
    {
      name: 'docs --readme',
      args: () => ['docs', '--readme', join(ro, 'README.md')],
      line: () => `${join(ro, 'README.md')}: cannot write: read-only file system`,
    },
  ];

  for (const c of cases) {
    it(c.name, async (ctx) => {
      if (why) ctx.skip();
      const before = snapshot(source);
      const r = await cli(c.args(), { timeoutMs: HANG });
      expectOneLine(r, c.line());
      expect(snapshot(source)).toEqual(before);
    }, T);
  }
});

describe('repo index: a missing folder is a user error; a missing --merge index is an empty one', () => {
  let charts: string;

  beforeAll(async () => {
    charts = tempDir('dify-repo-');
    expect((await cli(['package', '-d', charts])).code).toBe(0);
  }, T);

  it('a folder that does not exist: one line, exit 1 (not an internal error)', async () => {
    const missing = join(tempDir(), 'nonexistent');
    const r = await cli(['repo', 'index', missing], { timeoutMs: HANG });
    expectOneLine(r, `${missing}: no such folder; give the folder that holds the chart archives`);
  }, T);

  it('a file where the folder goes: one line, exit 1', async () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    const r = await cli(['repo', 'index', file], { timeoutMs: HANG });
    expectOneLine(r, `${file}: not a folder; give the folder that holds the chart archives`);
  }, T);

  it('an archive that cannot be read (a folder named *.tgz) is skipped without a word, as helm repo index skips it', async () => {
    const dir = tempDir('dify-repo-bad-');
    mkdirSync(join(dir, 'dify-9.9.9.tgz'));
    const r = await cli(['repo', 'index', dir], { timeoutMs: HANG });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(dir, 'index.yaml'), 'utf8')).toMatch(/^entries: \{\}$/m);
  }, T);

  it('--merge with a missing index.yaml starts from an empty index', async () => {
    const plain = tempDir('dify-repo-plain-');
    const merged = tempDir('dify-repo-merged-');
    for (const dir of [plain, merged]) {
      for (const f of readdirSync(charts)) copyFileSync(join(charts, f), join(dir, f));
    }
    const a = await cli(['repo', 'index', plain, '--url', 'https://example.com/c']);
    const b = await cli(['repo', 'index', merged, '--url', 'https://example.com/c', '--merge', join(merged, 'missing.yaml')]);
    expect(b).toMatchObject({ code: 0, stderr: '', stdout: '' });
    expect(a.code).toBe(0);
    const entries = (dir: string) => readFileSync(join(dir, 'index.yaml'), 'utf8').replace(/^(\s*)(created|generated): .*$/gm, '$1$2: T');
    expect(entries(merged)).toBe(entries(plain));
    expect(entries(merged)).toMatch(/^entries:\n {2}dify:\n/m);
  }, T);
});
