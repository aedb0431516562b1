/**
 * Real Helm, the judge: the `helm` CLIs that tools/build.sh builds from their Go modules at pinned
 * versions (tools/bin/helm3 = v3.21.4, tools/bin/helm4 = v4.3.2). DIFY_CHART_HELM3 and
 * DIFY_CHART_HELM4 name other binaries of the same versions.
 *
 * A test that needs Helm calls `helmOrSkip()` at load time: with CI=true a missing or wrong Helm
 * throws (the test file fails); elsewhere the tests are skipped with the reason, never passed.
 */
import { spawnSync } from 'node:child_process';
import { exec } from './exec.js';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageChart } from '../../src/package/chart-archive.js';

export type HelmMajor = 3 | 4;
export const HELM_MAJORS: readonly HelmMajor[] = [3, 4];
/** The versions the chart is proven against; tools/build.sh pins the same. */
export const HELM_VERSIONS: Record<HelmMajor, string> = { 3: 'v3.21.4', 4: 'v4.3.2' };

const ROOT = join(import.meta.dirname, '..', '..');

export interface HelmRun {
  stdout: string;
  stderr: string;
  code: number;
}

export interface TemplateOptions {
  release?: string;
  namespace?: string;
  kubeVersion?: string;
  apiVersions?: string[];
  set?: string[];
  setJson?: string[];
  showOnly?: string[];
  outputDir?: string;
  /** `--release-name`: put --output-dir files under DIR/<release>/. */
  releaseNameDir?: boolean;
  cwd?: string;
}

type Found = { ok: true; bin: string } | { ok: false; reason: string };
const found = new Map<HelmMajor, Found>();

/** Helm's own folders, empty and private: no user's repositories, plugins or registry logins. */
const HOME = mkdtempSync(join(tmpdir(), 'dify-helm-home-'));
const ENV: NodeJS.ProcessEnv = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME,
  HELM_CACHE_HOME: join(HOME, 'cache'),
  HELM_CONFIG_HOME: join(HOME, 'config'),
  HELM_DATA_HOME: join(HOME, 'data'),
  KUBECONFIG: join(HOME, 'no-kubeconfig'),
};

function locate(major: HelmMajor): Found {
  const cached = found.get(major);
  if (cached) return cached;
  const bin = process.env[`DIFY_CHART_HELM${major}`] ?? join(ROOT, 'tools', 'bin', `helm${major}`);
  let result: Found;
  if (!existsSync(bin)) {
    result = { ok: false, reason: `real Helm ${HELM_VERSIONS[major]} is not built: run tools/build.sh (${bin} is missing)` };
  } else {
    const v = spawnSync(bin, ['version', '--short'], { encoding: 'utf8', env: ENV, timeout: 30_000 });
    const version = (v.stdout ?? '').trim().split('+')[0];
    result =
      version === HELM_VERSIONS[major]
        ? { ok: true, bin }
        : { ok: false, reason: `${bin} is ${version || `unusable (${v.error?.message ?? v.stderr})`}, not Helm ${HELM_VERSIONS[major]}: run tools/build.sh` };
  }
  found.set(major, result);
  return result;
}

/**
 * Whether both Helms are there. In CI their absence is an error, so that a broken build of the
 * judge can never pass as a skipped suite.
 */
export function helmOrSkip(): boolean {
  for (const major of HELM_MAJORS) {
    const f = locate(major);
    if (f.ok) continue;
    if (process.env['CI'] === 'true') throw new Error(`real Helm is required in CI: ${f.reason}`);
    return false;
  }
  return true;
}

/**
 * Runs one real Helm with its private folders. Without `kubeconfig` it reaches no cluster; the
 * API-server tests (test/support/cluster.ts) give theirs. `env` adds variables (HELM_NAMESPACE...). Asynchronous, so that a test running
 * many never blocks vitest's worker (test/support/exec.ts says why that matters).
 */
export async function helm(major: HelmMajor, args: string[], opts: { cwd?: string; input?: string; kubeconfig?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<HelmRun> {
  const f = locate(major);
  if (!f.ok) throw new Error(f.reason);
  const env = { ...ENV, ...(opts.kubeconfig === undefined ? {} : { KUBECONFIG: opts.kubeconfig }), ...opts.env };
  const r = await exec(f.bin, args, { env, cwd: opts.cwd, input: opts.input, maxBuffer: 1 << 30, timeoutMs: opts.timeoutMs ?? 120_000 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 };
}

/** Real Helm's binary and environment, for a child run asynchronously (while the test acts for the cluster). */
export function helmCommand(major: HelmMajor): { bin: string; env: NodeJS.ProcessEnv } {
  const f = locate(major);
  if (!f.ok) throw new Error(f.reason);
  return { bin: f.bin, env: ENV };
}

/** `helm template RELEASE CHART -f ...`, with the flags given; the release name defaults as in Helm. */
export function helmTemplate(major: HelmMajor, chart: string, valueFiles: string[], opts: TemplateOptions = {}): Promise<HelmRun> {
  const args = ['template', opts.release ?? 'release-name', chart];
  if (opts.namespace !== undefined) args.push('--namespace', opts.namespace);
  if (opts.kubeVersion !== undefined) args.push('--kube-version', opts.kubeVersion);
  for (const a of opts.apiVersions ?? []) args.push('--api-versions', a);
  for (const f of valueFiles) args.push('-f', f);
  for (const s of opts.set ?? []) args.push('--set', s);
  for (const s of opts.setJson ?? []) args.push('--set-json', s);
  for (const s of opts.showOnly ?? []) args.push('--show-only', s);
  if (opts.outputDir !== undefined) args.push('--output-dir', opts.outputDir);
  if (opts.releaseNameDir) args.push('--release-name');
  return helm(major, args, { cwd: opts.cwd });
}

/** What Go's strings.TrimSpace, with which Helm 3 trims each document, counts as space. */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';

/**
 * The one printing difference Helm 4 makes on purpose that no output can share with Helm 3.21
 * (README, "Proven against real Helm"): since 4.2.0 a rendered document keeps the whitespace it
 * ends with (Helm 3 trims it), and the printer adds a newline of its own, so every document but
 * the last manifest is followed by a blank line, or a line of spaces, before the next `---`
 * (hooks included, so the output ends in one). This undoes exactly that and nothing else.
 */
export function normalizeHelm4(out: string): string {
  return out.replace(new RegExp(`\\n${GO_SPACE}*\\n(?=---\\n# Source: )`, 'g'), '\n').replace(new RegExp(`\\n${GO_SPACE}*\\n$`), '\n');
}

/** What a run of each real Helm printed, Helm 4's output normalised: the two must then agree. */
export async function helmTemplateBoth(chart: string, valueFiles: string[], opts: TemplateOptions = {}): Promise<{ 3: HelmRun; 4: HelmRun }> {
  // One after the other, as before: two at once would double the load of a suite on a busy machine.
  const h3 = await helmTemplate(3, chart, valueFiles, opts);
  const h4 = await helmTemplate(4, chart, valueFiles, opts);
  return { 3: h3, 4: { ...h4, stdout: normalizeHelm4(h4.stdout) } };
}

/**
 * A chart a test makes: `files` (path inside the chart -> text) written to a new temporary folder,
 * packaged as `dify-chart package` packages it, and templated once by each real Helm when
 * `withHelm` (each run must succeed without a word on stderr): their output by template path.
 */
export async function chartThroughHelm(
  prefix: string,
  files: Record<string, string>,
  withHelm: boolean,
): Promise<{ chartDir: string; tgz: string; out?: Record<HelmMajor, Map<string, string>> }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const chartDir = join(dir, 'chart');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(chartDir, path)), { recursive: true });
    writeFileSync(join(chartDir, path), text);
  }
  const archive = await packageChart({ chartDir });
  const tgz = join(dir, archive.fileName);
  writeFileSync(tgz, archive.bytes);
  if (!withHelm) return { chartDir, tgz };
  // One run of each Helm for the whole chart, cut by template afterwards.
  const runs = await helmTemplateBoth(tgz, []);
  const clean = (major: HelmMajor): Map<string, string> => {
    const r = runs[major];
    if (r.code !== 0 || r.stderr !== '') throw new Error(`helm${major} template failed (exit ${r.code}): ${r.stderr}`);
    return bySource(r.stdout);
  };
  return { chartDir, tgz, out: { 3: clean(3), 4: clean(4) } };
}

/** `helm template` output cut by `# Source:` path: each path's documents, in printed order. */
export function bySource(out: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const doc of out.split(/(?=^---\n# Source: )/m)) {
    const path = /^---\n# Source: (.*)\n/.exec(doc)?.[1];
    if (path === undefined) continue;
    map.set(path, (map.get(path) ?? '') + doc);
  }
  return map;
}

/**
 * Helm's stderr without its log lines (Helm 3: `file.go:NN: info: ...` / `warning: ...`; Helm 4:
 * `level=INFO msg=...`), which tell what it skipped, not what failed.
 */
export function helmErrors(stderr: string): string {
  return stderr
    .split(/(?<=\n)/)
    .filter((l) => !/^([a-z_]+\.go:\d+: (info|warning): |level=(INFO|WARN|DEBUG) )/.test(l))
    .join('');
}
