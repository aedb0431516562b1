/**
 * The Go reference renderer (gorender/main.go) for tests: built once per source version into
 * node_modules/.cache/dify-chart/gorender/<sha256 of main.go + go version>/, in GOPATH mode
 * against the Debian packages (golang-github-masterminds-sprig-dev, golang-k8s-sigs-yaml-dev).
 * main.go imports the canonical `/v3` paths; a small GOPATH of symlinks maps them onto the
 * Debian folders, which carry no `/v3`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE_DIR = join(HERE, 'gorender');
const ROOT = join(HERE, '..', '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'dify-chart');
/** Where Debian installs Go sources; DIFY_CHART_GOCODE overrides it. */
const GOCODE = process.env.DIFY_CHART_GOCODE ?? '/usr/share/gocode';

/** Debian folders the build needs, and the `/v3` import paths that must point at them. */
const PACKAGES = ['github.com/Masterminds/sprig', 'github.com/Masterminds/semver', 'sigs.k8s.io/yaml', 'gopkg.in/yaml.v2'];
const V3_LINKS = ['github.com/Masterminds/sprig', 'github.com/Masterminds/semver'];

export type Toolchain = { ok: true; bin: string } | { ok: false; reason: string };

export interface GoRenderOptions {
  release?: string;
  namespace?: string;
  kubeVersion?: string;
  showOnly?: string[];
  outputDir?: string;
  /** `--release-name`: put --output-dir files under DIR/<release>/. */
  releaseNameDir?: boolean;
  cwd?: string;
}

export interface GoRenderResult {
  stdout: string;
  stderr: string;
  code: number;
}

let cached: Toolchain | undefined;

/** Builds the renderer if needed; says why it cannot when Go or the Go packages are missing. */
export function goToolchain(): { ok: boolean; reason?: string } {
  const t = build();
  return t.ok ? { ok: true } : { ok: false, reason: t.reason };
}

/**
 * True when the Go renderer is usable. Without it: throws in CI (CI=true), where skipping would
 * hide a broken conformance run, and returns false elsewhere so that callers skip.
 */
export function requireGo(): boolean {
  const t = build();
  if (t.ok) return true;
  if (process.env.CI === 'true') throw new Error(`conformance: the Go reference renderer is required in CI: ${t.reason}`);
  return false;
}

/** Runs gorender on a chart directory or .tgz with values files, as `helm template` would. */
export function goRender(chart: string, valueFiles: string[], opts: GoRenderOptions = {}): GoRenderResult {
  const t = build();
  if (!t.ok) throw new Error(`the Go reference renderer is unavailable: ${t.reason}`);
  const args: string[] = [];
  if (opts.release !== undefined) args.push('--release', opts.release);
  if (opts.namespace !== undefined) args.push('--namespace', opts.namespace);
  if (opts.kubeVersion !== undefined) args.push('--kube-version', opts.kubeVersion);
  for (const f of valueFiles) args.push('-f', f);
  for (const s of opts.showOnly ?? []) args.push('--show-only', s);
  if (opts.outputDir !== undefined) args.push('--output-dir', opts.outputDir);
  if (opts.releaseNameDir) args.push('--release-name');
  args.push(chart);
  const r = spawnSync(t.bin, args, { encoding: 'utf8', maxBuffer: 1 << 30, cwd: opts.cwd });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 };
}

function build(): Toolchain {
  cached ??= tryBuild();
  return cached;
}

function tryBuild(): Toolchain {
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return { ok: false, reason: 'the Go toolchain (`go`) is not installed (Debian golang-go)' };
  for (const pkg of PACKAGES) {
    if (!existsSync(join(GOCODE, 'src', pkg))) {
      return { ok: false, reason: `the Go package ${pkg} is not under ${GOCODE}/src (Debian golang-github-masterminds-sprig-dev, golang-k8s-sigs-yaml-dev)` };
    }
  }
  const source = readFileSync(join(SOURCE_DIR, 'main.go'));
  const hash = createHash('sha256').update(source).update(version.stdout).update(GOCODE).digest('hex').slice(0, 16);
  const dir = join(CACHE, 'gorender', hash);
  const bin = join(dir, 'gorender');
  if (existsSync(bin)) return { ok: true, bin };
  try {
    const gopath = linkFarm(join(CACHE, 'gopath'));
    mkdirSync(dir, { recursive: true });
    const tmp = `${bin}.${process.pid}.${Date.now()}`;
    const env: NodeJS.ProcessEnv = { ...process.env, GO111MODULE: 'off', GOPATH: `${gopath}:${GOCODE}`, GOFLAGS: '' };
    env.GOCACHE ??= join(CACHE, 'gocache');
    const r = spawnSync('go', ['build', '-o', tmp, '.'], { cwd: SOURCE_DIR, encoding: 'utf8', env });
    if (r.status !== 0) {
      rmSync(tmp, { force: true });
      return { ok: false, reason: `building gorender failed: ${r.stderr || r.error?.message}` };
    }
    renameSync(tmp, bin); // atomic: parallel test files may build at the same time
    return { ok: true, bin };
  } catch (e) {
    return { ok: false, reason: `building gorender failed: ${(e as Error).message}` };
  }
}

/** A GOPATH whose src/<pkg>/v3 entries link to the Debian folders. */
function linkFarm(gopath: string): string {
  for (const pkg of V3_LINKS) {
    const link = join(gopath, 'src', pkg, 'v3');
    const target = join(GOCODE, 'src', pkg);
    if (linkTarget(link) === target) continue;
    rmSync(link, { force: true });
    mkdirSync(dirname(link), { recursive: true });
    try {
      symlinkSync(target, link, 'dir');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return gopath;
}

function linkTarget(link: string): string | undefined {
  try {
    return readlinkSync(link);
  } catch {
    return undefined;
  }
}
