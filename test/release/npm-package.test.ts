/**
 * What `npm publish` would upload, from `npm pack --dry-run --json` (the same file list the release
 * workflow's `npm publish --provenance` packs): the licence, the built CLI and library, the chart,
 * and nothing else: no chart archives a `dify-chart package` may have left in the tree, no tests.
 * The packed files are then run as an installed package runs, so a file the CLI needs but
 * package.json's `files` leaves out fails here rather than for the first `npx dify-chart` user.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../support/exec.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Packed {
  name: string;
  version: string;
  files: { path: string; size: number; mode: number }[];
}

/** `npm pack --dry-run --json` in `dir`, without lifecycle scripts (npm test has built dist/). */
async function dryRun(dir: string): Promise<Packed> {
  const r = await exec('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir });
  if (r.error || r.status !== 0) throw new Error(`npm pack --dry-run in ${dir} failed (${r.status}): ${r.error?.message ?? r.stderr}`);
  const list = JSON.parse(r.stdout) as Packed[];
  expect(list).toHaveLength(1);
  return list[0]!;
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  main: string;
  types: string;
  bin: Record<string, string>;
  files: string[];
};

let packed: Packed;
let paths: string[];

beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'dist/ is built (npm run build)').toBe(true);
  packed = await dryRun(ROOT);
  paths = packed.files.map((f) => f.path).sort();
});

describe('npm pack contents', () => {
  it('is dify-chart at the version of the chart it ships (one bump releases both)', () => {
    const chart = parse(readFileSync(join(ROOT, 'chart', 'Chart.yaml'), 'utf8')) as { version: string };
    expect(packed.name).toBe('dify-chart');
    expect(packed.version).toBe(chart.version);
  });

  it('carries the Apache-2.0 LICENSE that package.json names', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(paths).toContain('LICENSE');
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(text).toContain('Apache License');
    expect(text).toContain('Version 2.0, January 2004');
    expect(text).toContain('END OF TERMS AND CONDITIONS');
  });

  it('has no chart archive, no test, no source or tooling folder', () => {
    expect(paths.filter((p) => p.endsWith('.tgz'))).toEqual([]);
    expect(paths.filter((p) => /(^|\/)test\/|\.test\.[cm]?[jt]s$/.test(p))).toEqual([]);
    const top = [...new Set(paths.map((p) => p.split('/')[0]))].sort();
    expect(top).toEqual(['LICENSE', 'README.md', 'bin', 'chart', 'dist', 'package.json']);
  });

  it('has the built CLI: the executable bin, its loader, the bundle and every file main, types and bin name', () => {
    for (const file of [...Object.values(pkg.bin), pkg.main, pkg.types, 'dist/cli/main.js', 'dist/cli/dify-chart.cjs', 'bin/package.json']) {
      expect(paths, file).toContain(file.replace(/^\.\//, ''));
    }
    const bin = packed.files.find((f) => f.path === 'bin/dify-chart')!;
    expect(bin.mode & 0o111, 'bin/dify-chart is executable').toBe(0o111);
  });

  it('has every file of the chart folder that git tracks', () => {
    const tracked = execFileSync('git', ['ls-files', 'chart'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((p) => p !== '' && existsSync(join(ROOT, p)));
    expect(tracked.length).toBeGreaterThan(10);
    for (const file of tracked) expect(paths, file).toContain(file);
  });

  it('leaves out archives wherever they are in the packed folders (so the rule above can fail)', async () => {
    // A copy of the package with archives as `dify-chart package` would leave them.
    const dir = mkdtempSync(join(tmpdir(), 'dify-npm-pack-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'pack-probe', version: '0.0.0', files: pkg.files }));
    for (const folder of ['bin', 'dist', 'chart']) {
      mkdirSync(join(dir, folder));
      writeFileSync(join(dir, folder, 'kept.txt'), 'kept\n');
      writeFileSync(join(dir, folder, 'dify-0.0.0.tgz'), 'archive\n');
    }
    const probe = (await dryRun(dir)).files.map((f) => f.path).sort();
    expect(probe).toEqual(['bin/kept.txt', 'chart/kept.txt', 'dist/kept.txt', 'package.json']);
  });
});

describe('the packed files, installed', () => {
  it('run the CLI as the checkout does: same render, same version line', async () => {
    // The files npm would publish, alone in a folder, with this checkout's dependencies.
    const dir = mkdtempSync(join(tmpdir(), 'dify-npm-installed-'));
    for (const file of paths) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      cpSync(join(ROOT, file), join(dir, file));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const values = join(ROOT, 'test', 'fixtures', 'values', 'defaults.yaml');
    const run = (root: string, args: string[]) => exec(join(root, 'bin', 'dify-chart'), args, { cwd: tmpdir() });
    for (const args of [['version'], ['render', 'dify', '-n', 'dify', '-f', values]]) {
      const installed = await run(dir, args);
      const checkout = await run(ROOT, args);
      expect(installed.stderr, args.join(' ')).toBe('');
      expect(installed.status, args.join(' ')).toBe(0);
      expect(installed.stdout, args.join(' ')).toBe(checkout.stdout);
      expect(installed.stdout.length).toBeGreaterThan(0);
    }
  });
});
