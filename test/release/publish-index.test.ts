/**
 * The release workflow's gh-pages step, run for real: the shell of the step "Update index.yaml
 * and artifacthub-repo.yml on gh-pages" from .github/workflows/release.yml, against a local bare
 * repository standing in for GitHub, for two releases in a row. The first creates gh-pages; the
 * second merges with `dify-chart repo index --merge`, keeping the first entry exactly (its own
 * release-download URL, digest and `created`). Re-runs: a listed version changes nothing; a release
 * whose index update failed is indexed from the release's own archive.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { exec } from '../support/exec.js';

const ROOT = join(import.meta.dirname, '..', '..');
const STEP = 'Update index.yaml and artifacthub-repo.yml on gh-pages';
const REPO = 'example-owner/dify-chart';

interface Entry {
  version: string;
  created: string;
  digest: string;
  urls: string[];
}
interface Index {
  apiVersion: string;
  entries: Record<string, Entry[]>;
}

function stepScript(): string {
  const wf = parse(readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8')) as {
    jobs: Record<string, { steps: { name?: string; run?: string }[] }>;
  };
  const step = wf.jobs['release']!.steps.find((s) => s.name === STEP);
  expect(step?.run, `release.yml has the step "${STEP}"`).toBeTypeOf('string');
  return step!.run!;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

let sandbox = '';
let origin = '';
let env: NodeJS.ProcessEnv = {};

beforeAll(() => {
  // The CLI the step runs is this checkout's bin/dify-chart, which runs the built dist/ (npm test builds it).
  expect(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'dist/ is built (npm run build)').toBe(true);
  sandbox = mkdtempSync(join(tmpdir(), 'dify-publish-'));
  const home = join(sandbox, 'home');
  mkdirSync(home);
  env = {
    PATH: process.env['PATH'],
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GITHUB_REPOSITORY: REPO,
  };
  origin = join(sandbox, 'origin.git');
  const seed = join(sandbox, 'seed');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin], { env });
  execFileSync('git', ['init', '-q', '-b', 'main', seed], { env });
  copyFileSync(join(ROOT, 'artifacthub-repo.yml'), join(seed, 'artifacthub-repo.yml'));
  writeFileSync(join(seed, '.gitignore'), 'bin\ndist/\nnode_modules\n');
  execFileSync('git', ['add', '.'], { cwd: seed, env });
  execFileSync('git', ['commit', '-q', '-m', 'main'], { cwd: seed, env });
  execFileSync('git', ['push', '-q', origin, 'main'], { cwd: seed, env });
}, 60_000);

/**
 * One run of the step. `released`: the GitHub Release exists but this run did not package (a
 * re-run): dist/ is empty and a stand-in `gh` serves the release's archive.
 */
async function release(version: string, opts: { released?: boolean } = {}): Promise<{ index: Index; archiveDigest: string }> {
  // A fresh checkout of main for every run, as actions/checkout gives each workflow run.
  const checkout = mkdtempSync(join(sandbox, 'checkout-'));
  execFileSync('git', ['clone', '-q', '--depth', '1', `file://${origin}`, checkout], { env });
  // What `npm ci` gives the job: this checkout's CLI and node_modules.
  symlinkSync(join(ROOT, 'bin'), join(checkout, 'bin'));
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
  const archive = await packageChart({ chartDir: join(ROOT, 'chart'), version });
  const runnerTemp = mkdtempSync(join(sandbox, 'runner-'));
  let path = env['PATH'];
  if (opts.released) {
    const assets = join(runnerTemp, 'assets');
    const fakeBin = join(runnerTemp, 'fake-bin');
    mkdirSync(assets);
    mkdirSync(fakeBin);
    writeFileSync(join(assets, archive.fileName), archive.bytes);
    // gh release download TAG --pattern FILE --dir DIR
    writeFileSync(join(fakeBin, 'gh'), `#!/bin/sh\n[ "$1 $2 $3" = "release download dify-${version}" ] || exit 9\nmkdir -p "$7" && cp "${assets}/$5" "$7/"\n`, { mode: 0o755 });
    path = `${fakeBin}:${path}`;
  } else {
    mkdirSync(join(checkout, 'dist'), { recursive: true });
    writeFileSync(join(checkout, 'dist', archive.fileName), archive.bytes);
  }
  const r = await exec('bash', ['-e', '-c', stepScript()], {
    cwd: checkout,
    env: { ...env, PATH: path, VERSION: version, RUNNER_TEMP: runnerTemp },
  });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  const index = parse(git(origin, 'show', 'gh-pages:index.yaml')) as Index;
  return { index, archiveDigest: createHash('sha256').update(archive.bytes).digest('hex') };
}

describe('release.yml publishes the Helm repository index on gh-pages', () => {
  it('creates gh-pages, merges the next release keeping old entries as they were, and re-runs safely', async () => {
    const first = await release('0.1.0');
    expect(first.index.apiVersion).toBe('v1');
    const e1 = first.index.entries['dify']!;
    expect(e1.map((e) => e.version)).toEqual(['0.1.0']);
    expect(e1[0]!.urls).toEqual([`https://github.com/${REPO}/releases/download/dify-0.1.0/dify-0.1.0.tgz`]);
    expect(e1[0]!.digest).toBe(first.archiveDigest);
    expect(git(origin, 'show', 'gh-pages:artifacthub-repo.yml')).toBe(readFileSync(join(ROOT, 'artifacthub-repo.yml'), 'utf8').trim());
    expect(git(origin, 'ls-tree', '--name-only', 'gh-pages').split('\n').sort()).toEqual(['.nojekyll', 'artifacthub-repo.yml', 'index.yaml']);

    const second = await release('0.2.0');
    const e2 = second.index.entries['dify']!;
    expect(e2.map((e) => e.version)).toEqual(['0.2.0', '0.1.0']);
    expect(e2[0]!.urls).toEqual([`https://github.com/${REPO}/releases/download/dify-0.2.0/dify-0.2.0.tgz`]);
    expect(e2[0]!.digest).toBe(second.archiveDigest);
    // The first release's entry is kept exactly: its URL, digest and created time.
    expect(e2[1]).toEqual(e1[0]);
    expect(git(origin, 'log', '--format=%s', 'gh-pages').split('\n')).toEqual(['Release dify-0.2.0', 'Release dify-0.1.0']);
    // main is untouched.
    expect(git(origin, 'log', '--format=%s', 'main')).toBe('main');

    // A re-run for a version the index already lists changes nothing.
    const again = await release('0.2.0');
    expect(again.index).toEqual(second.index);
    expect(git(origin, 'log', '--format=%s', 'gh-pages').split('\n')).toEqual(['Release dify-0.2.0', 'Release dify-0.1.0']);

    // A re-run after the release was created but before the index was pushed: the index is
    // completed from the release's own archive.
    const retried = await release('0.3.0', { released: true });
    const e3 = retried.index.entries['dify']!;
    expect(e3.map((e) => e.version)).toEqual(['0.3.0', '0.2.0', '0.1.0']);
    expect(e3[0]!.digest).toBe(retried.archiveDigest);
    expect(e3.slice(1)).toEqual(e2);
  }, 120_000);
});
