/**
 * `dify-chart lint --server`: the local checks, then `kubectl apply --server-side --dry-run=server`
 * of the render against the current kubeconfig context (here the test cluster's, kubectl from
 * PATH). The server's errors are findings (exit 1), its warnings warnings (exit 1 with --strict),
 * and nothing is stored.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { cli, PINNED, tempDir } from '../cli/run.js';
import { clusterEnv, clusterOrSkip, clusterSkipReason, freshNamespace, kubectl, type Cluster } from '../support/cluster.js';

const cluster = clusterOrSkip();
const c = cluster as Cluster;
const T = 120_000;

describe.skipIf(!cluster)(`dify-chart lint --server${cluster ? '' : ` (skipped: ${clusterSkipReason})`}`, () => {
  it('a namespace at the level every component meets: no findings, even with --strict, and nothing stored', async () => {
    const ns = await freshNamespace(c, 'lint', 'baseline');
    const r = await cli(['lint', '--release', 'dify', '-n', ns, '-f', PINNED, '--server', '--strict'], { env: clusterEnv(c) });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('lint: no findings\n');
    expect(r.code).toBe(0);
    const stored = await kubectl(c, ['get', 'deployments,secrets,configmaps', '-n', ns, '-o', 'name']);
    expect(stored.code, stored.stderr).toBe(0);
    expect(stored.stdout).toBe('');
  }, T);

  it("a restricted namespace: the server's Pod Security warnings for the sandbox and plugin daemon; --strict fails on them", async () => {
    const ns = await freshNamespace(c, 'lint', 'restricted');
    const args = ['lint', '--release', 'dify', '-n', ns, '-f', PINNED, '--server'];
    const r = await cli(args, { env: clusterEnv(c) });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    // One per workload that cannot meet restricted (test/cluster/apply.test.ts names them and their violations).
    for (const l of lines) expect(l).toMatch(/^\[WARNING\] server: would violate PodSecurity "restricted:latest": .*runAsNonRoot != true/);
    const strict = await cli([...args, '--strict'], { env: clusterEnv(c) });
    expect(strict.stdout).toBe(r.stdout);
    expect(strict.stderr).toBe('Error: lint: 0 findings, 2 warnings (--strict)\n');
    expect(strict.code).toBe(1);
  }, T);

  it("the server's errors are findings: a namespace that does not exist", async () => {
    const r = await cli(['lint', '--release', 'dify', '-n', 'no-such-namespace', '-f', PINNED, '--server'], { env: clusterEnv(c) });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^server: [A-Za-z]+\/[a-z0-9-]+: .*namespaces "no-such-namespace" not found/m);
    expect(r.stderr).toMatch(/^Error: lint: \d+ findings?/);
  }, T);

  it('HELM_KUBECONTEXT picks the context kubectl sends to, as it picks the namespace', async () => {
    const ns = await freshNamespace(c, 'lint', 'baseline');
    // The test cluster's kubeconfig with a current context of another, unreachable cluster before it.
    const config = parse(readFileSync(c.kubeconfig, 'utf8')) as { 'current-context': string; clusters: unknown[]; contexts: { name: string; context: Record<string, unknown> }[] };
    const real = config['current-context'];
    const cluster = config.contexts.find((x) => x.name === real)!.context;
    config.clusters.push({ name: 'elsewhere', cluster: { server: 'https://127.0.0.1:9' } });
    config.contexts.push({ name: 'elsewhere', context: { ...cluster, cluster: 'elsewhere' } });
    config['current-context'] = 'elsewhere';
    const file = join(tempDir('dify-lint-context-'), 'config');
    writeFileSync(file, stringify(config));
    const env = { ...clusterEnv(c), KUBECONFIG: file, HELM_KUBECONTEXT: real };
    const r = await cli(['lint', '--release', 'dify', '-n', ns, '-f', PINNED, '--server', '--strict'], { env });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('lint: no findings\n');
    expect(r.code).toBe(0);
  }, T);

  it('kubectl missing: one error line', async () => {
    const r = await cli(['lint', '-f', PINNED, '--server'], { env: { ...clusterEnv(c), PATH: '/nonexistent' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: lint --server: cannot run kubectl: .*ENOENT/);
  }, T);
});
