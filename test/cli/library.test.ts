/**
 * The library API (the package's main export, dist/index.js) against the command line: one
 * renderer, many renders, each printing what `dify-chart render` prints for the same inputs.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../support/exec.js';
import { CHART, cli, FIXTURES, fixture, PINNED, ROOT } from './run.js';

type Api = typeof import('../../src/index.js');
let api: Api;
let renderer: Awaited<ReturnType<Api['createRenderer']>>;

beforeAll(async () => {
  // The built package entry, as `import 'dify-chart'` loads it.
  api = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as Api;
  renderer = await api.createRenderer();
});

describe('createRenderer().render', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).slice(0, 8);
  it('prints what the command prints, fixture after fixture with one renderer', async () => {
    for (const f of files) {
      const args = ['-f', PINNED, '-f', fixture(f), '--set', 'commonLabels.tenant=a'];
      const byCli = await cli(['render', 'tenant-a', '-n', 'tenants', ...args]);
      expect(byCli.code, byCli.stderr).toBe(0);
      const out = renderer.render({ release: 'tenant-a', namespace: 'tenants', valueFiles: [PINNED, fixture(f)], set: ['commonLabels.tenant=a'] });
      expect(out.text, f).toBe(byCli.stdout);
      expect(out.manifests.length).toBeGreaterThan(5);
    }
  }, 120_000);

  it('keeps renders apart: values of one never reach the next', () => {
    const a = renderer.render({ release: 'a', valueFiles: [PINNED], set: ['commonLabels.team=alpha'] }).text;
    const b = renderer.render({ release: 'b', valueFiles: [PINNED] }).text;
    expect(a).toContain('team: alpha');
    expect(b).not.toContain('team: alpha');
    expect(renderer.render({ release: 'a', valueFiles: [PINNED], set: ['commonLabels.team=alpha'] }).text).toBe(a);
  });

  it('defaults as `helm template` does, and selects templates like --show-only', async () => {
    const byCli = await cli(['render', '-f', PINNED, '--show-only', 'templates/web/*']);
    expect(renderer.render({ valueFiles: [PINNED], showOnly: ['templates/web/*'] }).text).toBe(byCli.stdout);
  });

  it('throws the one-line errors the command prints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lib-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'api:\n  replicaCount: many\n');
    const byCli = await cli(['render', '-f', bad]);
    expect(byCli.code).toBe(1);
    expect(() => renderer.render({ valueFiles: [bad] })).toThrow(api.UserError);
    try {
      renderer.render({ valueFiles: [bad] });
    } catch (e) {
      expect(`Error: ${(e as Error).message}\n`).toBe(byCli.stderr);
    }
    expect(() => renderer.render({ release: 'Not_Valid' })).toThrow(api.UsageError);
    expect(() => renderer.render({ namespace: 'a b' })).toThrow(/--namespace/);
    expect(() => renderer.render({ kubeVersion: 'x' })).toThrow(/--kube-version/);
  });
});

describe('createRenderer({ chart }).render({ lookup })', () => {
  it("answers a chart's lookup with the function given, as render --chart DIR --lookup does (the shipped chart calls none)", async () => {
    const chart = join(mkdtempSync(join(tmpdir(), 'lib-lookup-')), 'own');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: own\nversion: 0.1.0\n');
    writeFileSync(join(chart, 'values.yaml'), '{}\n');
    writeFileSync(
      join(chart, 'templates', 'kept.yaml.hbs'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\ndata:\n{{#with (lookup "v1" "Secret" Release.Namespace "kept")}}\n  found: {{quote kind}}\n{{else}}\n  found: "nothing"\n{{/with}}\n',
    );
    const seen: string[] = [];
    const lookup: import('../../src/index.js').LookupFn = (apiVersion, kind, namespace, name) => {
      seen.push(`${apiVersion} ${kind} ${namespace}/${name}`);
      return kind === 'Secret' && name === 'kept' ? { apiVersion: 'v1', kind: 'Secret', data: { K: 'dg==' } } : {};
    };
    const own = await api.createRenderer({ chart });
    expect(own.render({ release: 'kept', lookup }).text).toContain('found: "Secret"');
    expect(seen).toEqual(['v1 Secret default/kept']);
    expect(own.render({ release: 'kept' }).text).toContain('found: "nothing"');
    // The shipped chart reads nothing from a cluster.
    const calls: string[] = [];
    renderer.render({ release: 'shipped', lookup: (...a) => (calls.push(a.join(' ')), {}) });
    expect(calls).toEqual([]);
  });
});

describe('createRenderer({ chart })', () => {
  it('renders a chart folder as `render --chart` does, and a renderer made after an edit sees the edit', async () => {
    const chart = join(mkdtempSync(join(tmpdir(), 'lib-chart-')), 'dify');
    cpSync(CHART, chart, { recursive: true });
    const args = { release: 'own', valueFiles: [PINNED] };
    const first = await api.createRenderer({ chart });
    const byCli = await cli(['render', 'own', '--chart', chart, '-f', PINNED]);
    expect(byCli.code, byCli.stderr).toBe(0);
    expect(first.render(args).text).toBe(byCli.stdout);
    // Edit a template and a default: the renderer made before keeps what it compiled and read.
    const web = join(chart, 'templates', 'web', 'deployment.yaml.hbs');
    writeFileSync(web, readFileSync(web, 'utf8').replace('kind: Deployment', 'kind: Deployment\n# edited'));
    const values = join(chart, 'values.yaml');
    writeFileSync(values, readFileSync(values, 'utf8').replace(/^commonLabels: \{\}$/m, 'commonLabels:\n  edited: "yes"'));
    expect(first.render(args).text).toBe(byCli.stdout);
    const second = (await api.createRenderer({ chart })).render(args).text;
    expect(second).toContain('# edited');
    expect(second).toContain('edited: "yes"');
    expect(second).toBe((await cli(['render', 'own', '--chart', chart, '-f', PINNED])).stdout);
  }, 60_000);

  it("names the chart's own values.yaml line when a default breaks the chart's schema", async () => {
    const chart = join(mkdtempSync(join(tmpdir(), 'lib-bad-')), 'dify');
    cpSync(CHART, chart, { recursive: true });
    const values = join(chart, 'values.yaml');
    writeFileSync(values, readFileSync(values, 'utf8').replace(/^(  replicaCount:) 1$/m, '$1 many'));
    cpSync(join(ROOT, 'chart', 'values.schema.json'), join(chart, 'values.schema.json'));
    const byCli = await cli(['render', '--chart', chart, '-f', PINNED]);
    expect(byCli.code).toBe(1);
    expect(byCli.stderr).toMatch(/values\.yaml:\d+/);
    const renderer = await api.createRenderer({ chart });
    expect(() => renderer.render({ valueFiles: [PINNED] })).toThrow(api.UserError);
    try {
      renderer.render({ valueFiles: [PINNED] });
    } catch (e) {
      expect(`Error: ${(e as Error).message}\n`).toBe(byCli.stderr);
    }
  }, 60_000);
});

describe("the package's entry", () => {
  it('resolves by name, with types, for a TypeScript consumer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lib-consumer-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'dify-chart'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(
      join(dir, 'use.ts'),
      "import { createRenderer, createRendererPool, UserError, kubectlLookup, type LookupFn } from 'dify-chart';\n" +
        'const lookup: LookupFn = kubectlLookup();\n' +
        "const text: string = (await createRenderer()).render({ release: 'a', valueFiles: [], lookup }).text;\n" +
        '// @ts-expect-error: an unknown option is a type error\n' +
        "(await createRenderer()).render({ relase: 'a' });\n" +
        'const pool = await createRendererPool({ workers: 2 });\n' +
        "const pooled: string = (await pool.render({ release: 'a' })).text;\n" +
        '// @ts-expect-error: lookup cannot cross to a worker thread\n' +
        "await pool.render({ release: 'a', lookup });\n" +
        'await pool.close();\n' +
        'console.log(pooled.length);\n' +
        'console.log(text.length, UserError.name);\n',
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [] }, files: ['use.ts'] }),
    );
    const r = await exec(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);
});
