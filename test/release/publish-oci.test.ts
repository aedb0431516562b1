/**
 * The release workflow's OCI step, run for real: the shell of the oci job's step from
 * .github/workflows/release.yml, with real Helm (the version the workflow installs) pushing to a
 * real OCI registry on loopback (go-containerregistry's, built by tools/build.sh) in place of
 * ghcr.io. Stand-ins only for the two services that cannot be reached here: `gh` serves the GitHub
 * Release's archive, `cosign` records what it was asked to sign (Sigstore's keyless signing needs
 * GitHub's OIDC token). Proves: the archive reaches oci://<registry>/<owner, lower-cased>/charts/dify
 * byte for byte, the digest signed is the one the registry serves for the version, and a re-run
 * pushes and signs nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { exec } from '../support/exec.js';
import { helmCommand, helmOrSkip, HELM_VERSIONS } from '../support/helm.js';

const ROOT = join(import.meta.dirname, '..', '..');
const REGISTRY_BIN = process.env['DIFY_CHART_OCI_REGISTRY'] ?? join(ROOT, 'tools', 'bin', 'registry');

const haveHelm = helmOrSkip();
const haveRegistry = existsSync(REGISTRY_BIN);
if (!haveRegistry && process.env['CI'] === 'true') throw new Error(`the OCI registry is required in CI: run tools/build.sh (${REGISTRY_BIN} is missing)`);

type Step = { name?: string; run?: string };
type Workflow = { env: Record<string, string>; jobs: Record<string, { steps: Step[] }> };
const workflow = parse(readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8')) as Workflow;

function ociStep(): string {
  const step = workflow.jobs['oci']!.steps.find((s) => s.run?.includes('helm push'));
  expect(step?.run, 'release.yml has the oci job step that runs helm push').toBeTypeOf('string');
  return step!.run!;
}

let registry: ChildProcess | undefined;
let host = '';

/** The registry on a free loopback port (it picks one with -port 0 and logs it). */
function startRegistry(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(REGISTRY_BIN, ['-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    registry = child;
    let log = '';
    const timer = setTimeout(() => reject(new Error(`the registry did not start: ${log}`)), 20_000);
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
      const m = /serving on port (\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(`localhost:${m[1]}`);
      }
    });
    child.on('exit', (code) => reject(new Error(`the registry exited (${code}): ${log}`)));
  });
}

beforeAll(async () => {
  if (haveHelm && haveRegistry) host = await startRegistry();
}, 30_000);

afterAll(() => {
  registry?.kill();
});

interface Run {
  code: number | null;
  out: string;
  cosign: string[];
}

/**
 * One run of the step for `version` with the archive `bytes` as the GitHub Release's asset. The only
 * edit to the script is the registry's host; Helm reaches it over plain HTTP (a wrapper adds
 * --plain-http, which ghcr.io does not need).
 */
async function runStep(sandbox: string, version: string, bytes: Uint8Array): Promise<Run> {
  const script = ociStep();
  expect(script.match(/^registry=ghcr\.io$/gm), 'the step names its registry once, as registry=ghcr.io').toHaveLength(1);
  const local = script.replace(/^registry=ghcr\.io$/m, `registry=${host}`);
  const bin = join(sandbox, 'bin');
  const assets = join(sandbox, 'assets');
  const runnerTemp = mkdtempSync(join(sandbox, 'runner-'));
  const cosignLog = join(sandbox, 'cosign.log');
  mkdirSync(bin, { recursive: true });
  mkdirSync(assets, { recursive: true });
  writeFileSync(join(assets, `dify-${version}.tgz`), bytes);
  const helm = helmCommand(3);
  writeFileSync(join(bin, 'helm'), `#!/bin/sh\nexec "${helm.bin}" "$@" --plain-http\n`, { mode: 0o755 });
  // gh release download TAG --repo REPO --pattern FILE --dir DIR
  writeFileSync(
    join(bin, 'gh'),
    `#!/bin/sh\n[ "$1 $2 $3 $4 $5" = "release download dify-${version} --repo Example-Owner/dify-chart" ] || exit 9\ncp "${assets}/$7" "$9/"\n`,
    { mode: 0o755 },
  );
  // Records its arguments; `login` reads the token from stdin as the real one does.
  writeFileSync(join(bin, 'cosign'), `#!/bin/sh\n[ "$1" = login ] && cat >/dev/null\necho "$*" >> "${cosignLog}"\n`, { mode: 0o755 });
  const r = await exec('bash', ['-e', '-c', local], {
    cwd: sandbox,
    env: {
      ...helm.env,
      PATH: `${bin}:${helm.env['PATH']}`,
      GH_TOKEN: 'token-for-the-test',
      GITHUB_ACTOR: 'release-bot',
      GITHUB_REPOSITORY: 'Example-Owner/dify-chart',
      GITHUB_REPOSITORY_OWNER: 'Example-Owner',
      RUNNER_TEMP: runnerTemp,
      VERSION: version,
    },
    timeoutMs: 120_000,
  });
  const cosign = existsSync(cosignLog) ? readFileSync(cosignLog, 'utf8').trim().split('\n') : [];
  writeFileSync(cosignLog, '');
  return { code: r.status, out: `${r.stdout}\n${r.stderr}`, cosign };
}

/** The digest the registry serves for a tag (the OCI distribution API's own header). */
async function servedDigest(repository: string, tag: string): Promise<string> {
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  expect(res.status).toBe(200);
  return res.headers.get('docker-content-digest') ?? '';
}

describe.skipIf(!haveHelm || !haveRegistry)('release.yml pushes the chart to an OCI registry and signs its digest', () => {
  it('installs the Helm the tests prove the chart against', () => {
    expect(workflow.env['HELM_VERSION']).toBe(HELM_VERSIONS[3]);
  });

  it('pushes the release archive byte for byte, signs the served digest, and a re-run changes nothing', async () => {
    const sandbox = mkdtempSync(join(tmpdir(), 'dify-publish-oci-'));
    const version = '0.9.1';
    const archive = await packageChart({ chartDir: join(ROOT, 'chart'), version });

    const first = await runStep(sandbox, version, archive.bytes);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain(`Pushed: ${host}/example-owner/charts/dify:${version}`);
    const digest = await servedDigest('example-owner/charts/dify', version);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.cosign).toEqual([`login ${host} --username release-bot --password-stdin`, `sign --yes ${host}/example-owner/charts/dify@${digest}`]);

    // What a user's `helm pull oci://...` gets is the GitHub Release's archive.
    const helm = helmCommand(3);
    const pulled = join(sandbox, 'pulled');
    mkdirSync(pulled);
    const pull = await exec(helm.bin, ['pull', `oci://${host}/example-owner/charts/dify`, '--version', version, '--destination', pulled, '--plain-http'], { env: helm.env });
    expect(pull.status, pull.stderr).toBe(0);
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(sha(readFileSync(join(pulled, `dify-${version}.tgz`)))).toBe(sha(archive.bytes));

    const again = await runStep(sandbox, version, archive.bytes);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain(`oci://${host}/example-owner/charts/dify ${version} is already pushed`);
    expect(again.out).not.toContain('Pushed:');
    expect(again.cosign).toEqual([`login ${host} --username release-bot --password-stdin`]);
    expect(await servedDigest('example-owner/charts/dify', version)).toBe(digest);
  }, 180_000);

  it('fails when helm push fails, before signing anything', async () => {
    const sandbox = mkdtempSync(join(tmpdir(), 'dify-publish-oci-'));
    // Not a chart archive: Helm refuses to push it.
    const r = await runStep(sandbox, '0.9.2', new TextEncoder().encode('not a chart\n'));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Error: .*(gzip|tar|chart)/i);
    expect(r.out).not.toContain('Pushed:');
    expect(r.cosign.filter((l) => l.startsWith('sign'))).toEqual([]);
  }, 60_000);
});
