/**
 * Commands and flags as Helm users expect them (issue 15, part A), through the real CLI: `lint
 * [CHART]` with --strict and --release, `--version` and `version`, the positional chart of
 * `render` and `package`, `--set-literal`, help with examples, a `--show-only` suggestion, and
 * examples that never package into the build output.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exec } from '../support/exec.js';
import { CHART, cli, PINNED, ROOT, tempDir, type CliResult } from './run.js';

const T = 60_000;
const HANG = 15_000;

function expectOneError(r: CliResult, code: 1 | 2, line: string): void {
  expect(r.signal).toBeUndefined();
  expect(r.stderr).toBe(`Error: ${line}\n`);
  expect(r.stdout).toBe('');
  expect(r.code).toBe(code);
}

/** A chart in the dialect whose defaults make `--set a.b.c=1` draw one of Helm's coalescing warnings. */
function warningChart(): string {
  const dir = tempDir('dify-warn-chart-');
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: w\nversion: 0.1.0\n');
  writeFileSync(join(dir, 'values.yaml'), 'a:\n  b: 1\n');
  writeFileSync(join(dir, 'values.schema.json'), '{"type": "object"}\n');
  const labels = ['name: w', 'instance: {{Release.Name}}', 'managed-by: Helm', 'version: "1"', 'component: x', 'part-of: w'];
  writeFileSync(
    join(dir, 'templates', 'cm.yaml.hbs'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{Release.Name}}-w\n  labels:\n${labels.map((l) => `    app.kubernetes.io/${l}\n`).join('')}    helm.sh/chart: w-0.1.0\ndata:\n  x: "1"\n`,
  );
  return dir;
}

describe('lint [CHART]', () => {
  it('a chart path that does not exist fails (it is not a release name)', async () => {
    expectOneError(await cli(['lint', '/nonexistent/chart']), 1, '/nonexistent/chart: no such chart folder; give the folder that holds Chart.yaml');
  }, T);

  it('a folder without Chart.yaml fails', async () => {
    const dir = tempDir();
    expectOneError(await cli(['lint', dir]), 1, `${dir}: not a chart folder (no Chart.yaml); give the folder that holds Chart.yaml`);
  }, T);

  it('lints the chart given as CHART, with the release from --release', async () => {
    const r = await cli(['lint', CHART, '-f', PINNED, '--release', 'my-dify', '-n', 'dify']);
    expect(r).toMatchObject({ code: 0, stdout: 'lint: no findings\n' });
    const bad = await cli(['lint', CHART, '-f', PINNED, '--release', 'My_Dify']);
    expect(bad.code).toBe(2);
  }, T);

  it('warnings are printed and pass; with --strict they fail', async () => {
    const chart = warningChart();
    const lenient = await cli(['lint', chart, '--set', 'a.b.c=1']);
    expect(lenient.stdout).toBe('[WARNING] destination for w.a.b is a table. Ignoring non-table value (1)\n');
    expect(lenient.code).toBe(0);
    const strict = await cli(['lint', chart, '--set', 'a.b.c=1', '--strict']);
    expect(strict.stdout).toBe(lenient.stdout);
    expect(strict.stderr).toBe('Error: lint: 0 findings, 1 warning (--strict)\n');
    expect(strict.code).toBe(1);
    expect(await cli(['lint', chart, '--strict'])).toMatchObject({ code: 0, stdout: 'lint: no findings\n' });
  }, T);
});

describe('--version and version', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const chartYaml = readFileSync(join(CHART, 'Chart.yaml'), 'utf8');
  const chartVersion = /^version: "?([^"\n]+)"?$/m.exec(chartYaml)![1]!;
  const appVersion = /^appVersion: "?([^"\n]+)"?$/m.exec(chartYaml)![1]!;
  const line = `dify-chart ${pkg.version} (chart dify ${chartVersion}, app ${appVersion})\n`;

  it('prints the tool and chart versions, exit 0', async () => {
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: line, stderr: '' });
    expect(await cli(['version'])).toMatchObject({ code: 0, stdout: line, stderr: '' });
  }, T);

  it("`package --version V` is still package's flag", async () => {
    const dir = tempDir();
    const r = await cli(['package', '--version', '9.8.7', '-d', dir]);
    expect(r).toMatchObject({ code: 0, stdout: `Successfully packaged chart and saved it to: ${join(dir, 'dify-9.8.7.tgz')}\n` });
  }, T);
});

describe("Helm's positional chart argument", () => {
  it('render RELEASE CHART is render RELEASE --chart CHART', async () => {
    const flag = await cli(['render', 'my-dify', '--chart', './chart', '-f', PINNED]);
    const positional = await cli(['render', 'my-dify', './chart', '-f', PINNED]);
    expect(flag.code).toBe(0);
    expect(positional).toEqual(flag);
    expect(positional.stdout).toContain('name: my-dify-api\n');
  }, T);

  it('render CHART alone (a path) is the chart, with the default release name', async () => {
    const flag = await cli(['render', '--chart', './chart', '-f', PINNED]);
    const positional = await cli(['render', './chart', '-f', PINNED]);
    expect(positional).toEqual(flag);
    expect(positional.stdout).toContain('name: release-name-dify-api');
  }, T);

  it('package CHART is package --chart CHART (same bytes)', async () => {
    const a = tempDir();
    const b = tempDir();
    expect((await cli(['package', './chart', '-d', a])).code).toBe(0);
    expect((await cli(['package', '--chart', './chart', '-d', b])).code).toBe(0);
    const name = `dify-${/^version: "?([^"\n]+)"?$/m.exec(readFileSync(join(CHART, 'Chart.yaml'), 'utf8'))![1]}.tgz`;
    expect(readFileSync(join(a, name)).equals(readFileSync(join(b, name)))).toBe(true);
  }, T);

  it('a positional chart and a different --chart is a usage error', async () => {
    const other = tempDir();
    expectOneError(await cli(['package', './chart', '--chart', other]), 2, `two charts given: ./chart and --chart ${other}; give one`);
  }, T);
});

describe('--set-literal', () => {
  const configOf = (r: CliResult): string => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.trimStart().startsWith('GREETING:'));
    expect(line).toBeDefined();
    return line!.trim();
  };

  it('takes the value as it is: commas, backslashes, = and braces kept, no type inferred', async () => {
    expect(configOf(await cli(['render', '-f', PINNED, '--set-literal', 'dify.extraConfig.GREETING=a,b\\c,d=e']))).toBe('GREETING: "a,b\\\\c,d=e"');
    expect(configOf(await cli(['render', '-f', PINNED, '--set-literal', 'dify.extraConfig.GREETING={x,y}']))).toBe('GREETING: "{x,y}"');
    expect(configOf(await cli(['render', '-f', PINNED, '--set-literal', 'dify.extraConfig.GREETING=true']))).toBe('GREETING: "true"');
    // --set would split and type the same text.
    expect(configOf(await cli(['render', '-f', PINNED, '--set', 'dify.extraConfig.GREETING=a\\,b']))).toBe('GREETING: "a,b"');
  }, T);

  it('applies after --set, as Helm orders the flags', async () => {
    const r = await cli(['render', '-f', PINNED, '--set-literal', 'dify.extraConfig.GREETING=literal', '--set', 'dify.extraConfig.GREETING=set']);
    expect(configOf(r)).toBe('GREETING: "literal"');
  }, T);

  it('a value that must be a number fails the schema, naming the flag', async () => {
    expectOneError(
      await cli(['render', '-f', PINNED, '--set-literal', 'web.replicaCount=2']),
      1,
      'values.web.replicaCount: expected integer, got string "2" (from --set-literal web.replicaCount=2); replicaCount is a whole number of pods',
    );
  }, T);

  it('the library API takes setLiteral and renders what the command renders', async () => {
    type Api = typeof import('../../src/index.js');
    const api = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as Api;
    const renderer = await api.createRenderer();
    const arg = 'dify.extraConfig.GREETING=a,b\\c';
    const out = renderer.render({ valueFiles: [PINNED], setLiteral: [arg] });
    const r = await cli(['render', '-f', PINNED, '--set-literal', arg]);
    expect(r.code).toBe(0);
    expect(out.text).toBe(r.stdout);
  }, T);

  it('lint takes it too', async () => {
    expect(await cli(['lint', '-f', PINNED, '--set-literal', 'dify.extraConfig.GREETING=a,b'])).toMatchObject({ code: 0, stdout: 'lint: no findings\n' });
  }, T);
});

describe('help', () => {
  const commands = [[], ['render'], ['package'], ['repo'], ['repo', 'index'], ['docs'], ['lint'], ['version']];
  for (const c of commands) {
    it(`${['dify-chart', ...c].join(' ')} --help: two or three examples, no "(default: [])"`, async () => {
      const r = await cli([...c, '--help']);
      expect(r.code).toBe(0);
      const examples = r.stdout.split('\n').filter((l) => l.startsWith('  $ dify-chart '));
      expect(examples.length).toBeGreaterThanOrEqual(2);
      expect(examples.length).toBeLessThanOrEqual(3);
      expect(r.stdout).toMatch(/\nExamples:\n/);
      expect(r.stdout).not.toContain('(default: [])');
      // No example packages into the build output (dist/), which npm pack would ship.
      for (const e of examples) expect(e).not.toMatch(/(--destination|-d|--output-dir)[ =]\.?\/?dist\b/);
    }, T);
  }
});

describe('--show-only that matches nothing suggests the template path', () => {
  it('-s api.yaml: did you mean templates/api/* (stdout and --output-dir)', async () => {
    const line = 'could not find template api.yaml in chart; did you mean templates/api/*?';
    expectOneError(await cli(['render', '-f', PINNED, '-s', 'api.yaml']), 1, line);
    expectOneError(await cli(['render', '-f', PINNED, '-s', 'api.yaml', '--output-dir', join(tempDir(), 'out')]), 1, line);
  }, T);

  it('the path before component folders, the source-file name and the chart-prefixed path suggest it too', async () => {
    for (const [given, meant] of [
      ['templates/api.yaml', 'templates/api/*'],
      ['templates/api.yaml.hbs', 'templates/api/*'],
      ['dify/templates/api.yaml', 'templates/api/*'],
      ['api/deployment.yaml', 'templates/api/deployment.yaml'],
      ['templates/api/deployment.yaml.hbs', 'templates/api/deployment.yaml'],
      ['dify/templates/api/deployment.yaml', 'templates/api/deployment.yaml'],
      ['deployment.yaml', 'templates/*/deployment.yaml'],
    ]) {
      expectOneError(await cli(['render', '-f', PINNED, '-s', given!]), 1, `could not find template ${given} in chart; did you mean ${meant}?`);
    }
  }, T);

  it('what it suggests selects the manifests meant', async () => {
    const api = await cli(['render', '-f', PINNED, '-s', 'templates/api/*']);
    expect(api.code).toBe(0);
    const sources = [...api.stdout.matchAll(/^# Source: (.+)$/gm)].map((m) => m[1]);
    expect(new Set(sources)).toEqual(new Set(['dify/templates/api/deployment.yaml', 'dify/templates/api/service.yaml', 'dify/templates/api/pdb.yaml']));
    const deployments = await cli(['render', '-f', PINNED, '-s', 'templates/*/deployment.yaml']);
    expect(deployments.code).toBe(0);
    const kinds = [...deployments.stdout.matchAll(/^kind: (.+)$/gm)].map((m) => m[1]);
    expect(kinds.length).toBeGreaterThan(5);
    expect(new Set(kinds)).toEqual(new Set(['Deployment']));
  }, T);

  it('a path outside templates/ says where paths start', async () => {
    expectOneError(
      await cli(['render', '-f', PINNED, '-s', 'nowhere.txt']),
      1,
      'could not find template nowhere.txt in chart; paths are relative to the chart, e.g. templates/api/deployment.yaml',
    );
  }, T);
});

describe('chart archives never ship in the npm package', () => {
  it('package.json `files` excludes *.tgz: a packaged chart in dist/ is not packed', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('!**/*.tgz');
    // npm's own file list, on a copy of package.json next to a chart archive in dist/.
    const dir = tempDir('dify-pack-');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', files: pkg.files }));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'index.js'), '');
    writeFileSync(join(dir, 'dist', 'dify-0.1.0.tgz'), 'archive');
    const r = await exec('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, timeoutMs: HANG });
    if (r.error || r.status !== 0) throw new Error(`npm pack --dry-run failed (${r.status}): ${r.error?.message ?? r.stderr}`);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path).sort();
    expect(files).toContain('dist/index.js');
    expect(files).not.toContain('dist/dify-0.1.0.tgz');
  }, T);

  it('no README example packages into dist/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/(--destination|-d)[ =]\.?\/?dist\b/);
    expect(readme).not.toMatch(/helm install \S+ \.?\/?dist\//);
  });
});
