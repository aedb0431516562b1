/**
 * The chart loader reads templates/ recursively, as Helm does: a template in a subfolder is named
 * `templates/<folder>/<file>`, a file whose base name starts with `_` is a partial wherever it sits,
 * and documents of one kind come out in Go's order of the whole path. Checked on a small chart of
 * nested templates against the packaged archive in real Helm 3.21.4 and 4.3.2. It refuses, for
 * render, lint and package alike and in one line naming the file, what real Helm refuses in a
 * chart (a Chart.yaml Metadata.Validate fails) and what dify-chart does not support.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { cli } from '../cli/run.js';
import { chartFingerprint, chartStamp, loadChart, matchesBuild, templatePaths } from '../../src/chart/load.js';
import { compileChart, renderChartText } from '../../src/render/release.js';
import { packageChart } from '../../src/package/chart-archive.js';
import { readTgz } from '../../src/package/archive.js';
import { helmErrors, helmOrSkip, helmTemplate, HELM_MAJORS, normalizeHelm4, type HelmMajor } from '../support/helm.js';

const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{Release.Name}}-${name}\ndata:\n  from: {{Template.Name}}\n`;
const svc = (name: string): string => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  ports:\n    - port: 80\n`;

/** Deliberately in no sorted order; '-' < '/' < '_' in bytes decides several of the places. */
const FILES: Record<string, string> = {
  'templates/web.yaml.hbs': `${cm('web')}---\n${svc('web')}`,
  'templates/api/service.yaml.hbs': svc('api'),
  'templates/api/_api.hbs': '{{#*inline "t.apiName"}}{{Release.Name}}-api-{{Values.suffix}}{{/inline}}\n',
  'templates/api/configmap.yaml.hbs': `${cm('api')}  name: {{include "t.apiName" @root}}\n`,
  'templates/api-websocket/configmap.yaml.hbs': cm('ws'),
  'templates/api-websocket/service.yaml.hbs': svc('ws'),
  // Helm's loader drops a UTF-8 byte order mark at the start of a file.
  'templates/deep/er/configmap.yaml.hbs': `\ufeff${cm('deep')}`,
  'templates/deep/_partial-only/_x.hbs': '{{#*inline "t.unused"}}x{{/inline}}\n',
  'templates/_helpers.hbs': '{{#*inline "t.top"}}top{{/inline}}\n',
  'templates/NOTES.txt.hbs': 'notes {{include "t.top" @root}}\n',
  // A hidden file is let be (any other file that is not a .hbs template is refused: see below).
  'templates/.keep': 'not a template\n',
};

function makeChart(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'dify-nested-')), 'nested');
  for (const [rel, text] of Object.entries({
    'Chart.yaml': 'apiVersion: v2\nname: nested\nversion: 0.1.0\n',
    'values.yaml': 'suffix: s\n',
    ...FILES,
  })) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

describe('a chart without templates/', () => {
  it('has no templates and renders nothing, as helm template prints for it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dify-notemplates-'));
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: empty\nversion: 0.1.0\n');
    expect(templatePaths(join(dir, 'templates'))).toEqual([]);
    expect(renderChartText(compileChart(dir), {}, { name: 'r', namespace: 'default' })).toBe('\n');
  });
});

describe('templates in subfolders', () => {
  it('lists every .hbs file below templates/, by whole path in Go order', () => {
    expect(templatePaths(join(makeChart(), 'templates'))).toEqual([
      'NOTES.txt.hbs',
      '_helpers.hbs',
      'api-websocket/configmap.yaml.hbs',
      'api-websocket/service.yaml.hbs',
      'api/_api.hbs',
      'api/configmap.yaml.hbs',
      'api/service.yaml.hbs',
      'deep/_partial-only/_x.hbs',
      'deep/er/configmap.yaml.hbs',
      'web.yaml.hbs',
    ]);
  });

  it('names them as Helm does and renders a partial kept in a subfolder', () => {
    const dir = makeChart();
    expect(loadChart(dir).templates.map((t) => t.name)).toContain('templates/api/configmap.yaml');
    const out = renderChartText(compileChart(dir), { suffix: 's' }, { name: 'r', namespace: 'default' });
    expect(out).toContain('# Source: nested/templates/api/configmap.yaml\n');
    expect(out).toContain('  name: r-api-s\n');
    expect(out).toContain('from: nested/templates/deep/er/configmap.yaml\n');
    const sources = [...out.matchAll(/# Source: (\S+)/g)].map((m) => m[1]);
    // Install order puts ConfigMaps before Services; within a kind, the whole path decides.
    expect(sources).toEqual([
      'nested/templates/api-websocket/configmap.yaml',
      'nested/templates/api/configmap.yaml',
      'nested/templates/deep/er/configmap.yaml',
      'nested/templates/web.yaml',
      'nested/templates/api-websocket/service.yaml',
      'nested/templates/api/service.yaml',
      'nested/templates/web.yaml',
    ]);
  });

  it('counts a nested template in the build stamp and fingerprint', () => {
    const dir = makeChart();
    const built = { fingerprint: chartFingerprint(dir), stamp: chartStamp(dir) };
    const file = join(dir, 'templates', 'api', 'service.yaml.hbs');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(chartStamp(dir)).not.toBe(built.stamp);
    expect(matchesBuild(dir, [], built)).toBe(true);
    appendFileSync(file, '\n');
    expect(matchesBuild(dir, [], built)).toBe(false);
  });

  it('packages nested templates at their paths, the partials in _helpers.tpl', async () => {
    const paths = (await readTgz((await packageChart({ chartDir: makeChart() })).bytes)).map((e) => e.path);
    expect(paths).toContain('nested/templates/api/configmap.yaml');
    expect(paths).toContain('nested/templates/deep/er/configmap.yaml');
    expect(paths.filter((p) => p.includes('/_'))).toEqual(['nested/templates/_helpers.tpl']);
  });

  describe.skipIf(!helmOrSkip())('real Helm', () => {
    it.each(HELM_MAJORS)('Helm %i renders the packaged archive byte for byte the same', async (major) => {
      const dir = makeChart();
      const archive = await packageChart({ chartDir: dir });
      const tgz = join(dirname(dir), archive.fileName);
      writeFileSync(tgz, archive.bytes);
      const r = await helmTemplate(major, tgz, [], { release: 'r', namespace: 'default' });
      expect(helmErrors(r.stderr)).toBe('');
      const go = major === 4 ? normalizeHelm4(r.stdout) : r.stdout;
      expect(renderChartText(compileChart(dir), { suffix: 's' }, { name: 'r', namespace: 'default' })).toBe(go);
    });
  });
});

/** A chart folder of these files (path in the chart -> content), its path returned. */
function chartOf(files: Record<string, string | Buffer>, prefix = 'dify-loader-'): string {
  const dir = join(mkdtempSync(join(tmpdir(), prefix)), 'chart');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** `helm template r` (namespace default) of the chart's archive, written beside it: stdout as Helm 3 prints it, and stderr. */
async function helmOfArchive(dir: string, archive: { fileName: string; bytes: Buffer }, major: HelmMajor): Promise<{ stdout: string; stderr: string }> {
  const tgz = join(dirname(dir), archive.fileName);
  writeFileSync(tgz, archive.bytes);
  const h = await helmTemplate(major, tgz, [], { release: 'r', namespace: 'default' });
  return { stdout: major === 4 ? normalizeHelm4(h.stdout) : h.stdout, stderr: h.stderr };
}

/** What loadChart refuses the folder with (a UserError's message). */
function loadRefusal(dir: string): string {
  try {
    loadChart(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('loaded');
}

async function packageRefusal(dir: string): Promise<string> {
  const e = await packageChart({ chartDir: dir }).then(
    () => new Error('packaged'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  return (e as Error).message;
}

const haveHelm = helmOrSkip();
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n';

describe("Chart.yaml held to Helm's Metadata.Validate (in its words), the file and line named", () => {
  // [case, Chart.yaml, what follows the path in the message, the real Helms that refuse it too]
  const cases: [string, string, string, HelmMajor[]][] = [
    ['an apiVersion other than v1 or v2', 'apiVersion: v3\nname: m\nversion: 0.1.0\n', ':1:1: apiVersion "v3" is not valid: must be v1 or v2 (Helm 4 refuses any other)', [4]],
    ['a version that is not SemVer', 'apiVersion: v2\nname: m\nversion: abc\n', ':3:1: validation: chart.metadata.version "abc" is invalid', [3, 4]],
    ['no version', 'apiVersion: v2\nname: m\n', ': validation: chart.metadata.version is required', [3, 4]],
    ['no name', 'apiVersion: v2\nversion: 0.1.0\n', ': validation: chart.metadata.name is required', [3, 4]],
    ['an empty name', 'apiVersion: v2\nname: ""\nversion: 0.1.0\n', ':2:1: validation: chart.metadata.name is required', [3, 4]],
    ['a name holding a /', 'apiVersion: v2\nname: a/b\nversion: 0.1.0\n', ':2:1: validation: chart.metadata.name "a/b" is invalid', [3, 4]],
    ['an unknown type', 'apiVersion: v2\nname: m\nversion: 0.1.0\ntype: app\n', ':4:1: validation: chart.metadata.type must be application or library', [3, 4]],
    [
      'a library chart',
      'apiVersion: v2\nname: m\nversion: 0.1.0\ntype: library\n',
      ':4:1: type library: a library chart cannot be rendered or installed (helm install: "library charts are not installable"); dify-chart takes application charts only',
      [3, 4],
    ],
    ['a null maintainer', 'apiVersion: v2\nname: m\nversion: 0.1.0\nmaintainers:\n  - null\n', ':4:1: validation: maintainers must not contain empty or null nodes', [3, 4]],
    ['an empty Chart.yaml', '', ": empty; a chart's Chart.yaml needs at least apiVersion, name and version", [3, 4]],
    ['a Chart.yaml that is a list', '- name: m\n', ': must be a map of chart fields (apiVersion, name, version, ...), got a list', [3, 4]],
  ];

  for (const [name, chartYaml, message, refusedBy] of cases) {
    it(`${name}: render and package refuse it`, async () => {
      const dir = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml.hbs': CM });
      const expected = `${join(dir, 'Chart.yaml')}${message}`;
      expect(loadRefusal(dir)).toBe(expected);
      expect(await packageRefusal(dir)).toBe(expected);
    });
    it.skipIf(!haveHelm)(`${name}: real Helm ${refusedBy.join(' and ')} refuses it too`, async () => {
      const dir = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml': CM });
      for (const major of HELM_MAJORS) {
        const r = await helmTemplate(major, dir, []);
        expect(r.code !== 0, `helm${major}: ${r.stderr}`).toBe(refusedBy.includes(major));
      }
    });
  }

  it('what Helm takes passes: no apiVersion (v1), a partial version, a numeric one', () => {
    for (const chartYaml of ['name: m\nversion: 0.1.0\n', 'apiVersion: v1\nname: m\nversion: v1.2\n', 'apiVersion: v2\nname: m\nversion: 1\ntype: application\n']) {
      expect(loadChart(chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml.hbs': CM })).templates).toHaveLength(1);
    }
  });

  it('the command line: one line, exit 1, for render, lint and package; --version is blamed only when given', async () => {
    const dir = chartOf({ 'Chart.yaml': 'apiVersion: v2\nname: m\nversion: abc\n', 'templates/cm.yaml.hbs': CM });
    const line = `Error: ${join(dir, 'Chart.yaml')}:3:1: validation: chart.metadata.version "abc" is invalid\n`;
    for (const args of [['render', dir], ['lint', dir], ['package', dir, '-d', join(dir, 'out')], ['package', dir, '--version', '1.0.0', '-d', join(dir, 'out')]]) {
      expect(await cli(args)).toEqual({ code: 1, stdout: '', stderr: line });
    }
    const ok = chartOf({ 'Chart.yaml': 'apiVersion: v2\nname: m\nversion: 0.1.0\n', 'templates/cm.yaml.hbs': CM });
    expect(await cli(['package', ok, '--version', 'abc', '-d', join(ok, 'out')])).toEqual({ code: 1, stdout: '', stderr: 'Error: --version: "abc" is not a semantic version\n' });
  }, 60_000);
});

describe('files a render or an archive would silently leave out', () => {
  it('a file in templates/ that is not a .hbs template is refused by render, lint and package (hidden ones right in templates/ are ignored, as Helm ignores templates/.?*)', async () => {
    const dir = chartOf({ 'Chart.yaml': 'apiVersion: v2\nname: m\nversion: 0.1.0\n', 'values.yaml': '', 'templates/cm.yaml.hbs': CM, 'templates/sub/plain.yaml': CM, 'templates/.gitkeep': '', 'templates/.git/HEAD': 'x' });
    const line = `Error: ${join(dir, 'templates', 'sub', 'plain.yaml')}: not a template of the dialect: dify-chart renders templates/**/*.hbs (Handlebars); rename it or move it out of templates/\n`;
    for (const args of [['render', dir], ['lint', dir], ['package', dir, '-d', join(dir, 'out')]]) {
      expect(await cli(args)).toEqual({ code: 1, stdout: '', stderr: line });
    }
    if (!haveHelm) return;
    // Helm renders it, and ignores the hidden ones.
    const h = await helmTemplate(3, dir, []);
    expect(h.stdout).toContain('# Source: m/templates/sub/plain.yaml');
    expect(h.stdout).not.toContain('.git');
    // A hidden file deeper down is a file Helm renders like any other.
    const deep = chartOf({ 'Chart.yaml': 'apiVersion: v2\nname: m\nversion: 0.1.0\n', 'values.yaml': '', 'templates/cm.yaml.hbs': CM, 'templates/sub/.keep': CM });
    expect((await cli(['render', deep])).stderr).toBe(`Error: ${join(deep, 'templates', 'sub', '.keep')}: not a template of the dialect: dify-chart renders templates/**/*.hbs (Handlebars); rename it or move it out of templates/\n`);
    expect((await helmTemplate(3, deep, [])).stdout).toContain('# Source: m/templates/sub/.keep');
  }, 60_000);

  it('package refuses crds/, which Helm would install from the archive', async () => {
    const dir = chartOf({ 'Chart.yaml': 'apiVersion: v2\nname: m\nversion: 0.1.0\n', 'values.yaml': '', 'templates/cm.yaml.hbs': CM, 'crds/x.yaml': CM });
    expect(await cli(['package', dir, '-d', join(dir, 'out')])).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error: ${join(dir, 'crds')}: dify-chart packages no CRDs (Helm installs them from a chart's crds/, the archive would leave them out): apply them apart and remove crds/\n`,
    });
    expect((await cli(['render', dir])).code).toBe(0);
  }, 60_000);
});

describe('Chart.yaml keys json.Unmarshal matches alike (case, U+017F), as Helm decodes them', () => {
  it.skipIf(!haveHelm)('a map set twice keeps the first map\'s other keys, a list of structs is decoded over the one before', async () => {
    const chartYaml = 'apiVersion: v2\nname: m\nversion: 0.1.0\nAnnotations: {a: "1", z: "1"}\nannotations: {a: "2"}\nMaintainers: [{name: A, email: E, url: U}, {name: B}]\nmaintainers: [{name: a}]\n\u017fources: [s]\n';
    const tpl = 'a: "{{Chart.Annotations}}"\nm: "{{#each Chart.Maintainers}}{{this.Name}}|{{this.Email}}|{{this.URL}};{{/each}}"\ns: "{{join "," Chart.Sources}}"\n';
    const dir = chartOf({ 'Chart.yaml': chartYaml, 'values.yaml': '', 'values.schema.json': '{}', 'templates/x.yaml.hbs': tpl });
    const r = await cli(['render', 'r', dir]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('a: "map[a:2 z:1]"\nm: "a|E|U;"\ns: "s"\n');
    const archive = await packageChart({ chartDir: dir });
    for (const major of HELM_MAJORS) expect((await helmOfArchive(dir, archive, major)).stdout, `helm ${major}`).toBe(r.stdout);
  }, 60_000);
});

describe('a chart without values.yaml', () => {
  it('renders and packages as Helm does without one; the archive renders the same bytes in both Helms', async () => {
    const dir = chartOf({ 'Chart.yaml': 'apiVersion: v2\nname: m\nversion: 0.1.0\n', 'values.schema.json': '{}', 'templates/cm.yaml.hbs': CM });
    const r = await cli(['render', 'r', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const archive = await packageChart({ chartDir: dir });
    expect((await readTgz(archive.bytes)).map((e) => e.path)).not.toContain('m/values.yaml');
    if (!haveHelm) return;
    for (const major of HELM_MAJORS) expect((await helmOfArchive(dir, archive, major)).stdout, `helm ${major}`).toBe(r.stdout);
  }, 60_000);
});

describe('a deprecated chart', () => {
  it('render says so first on stderr, in the words helm template 3 prints', async () => {
    const dir = chartOf({ 'Chart.yaml': 'apiVersion: v2\nname: m\nversion: 0.1.0\ndeprecated: yes\n', 'values.yaml': '', 'values.schema.json': '{}', 'templates/cm.yaml.hbs': CM });
    const r = await cli(['render', 'r', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('WARNING: This chart is deprecated\n');
    if (!haveHelm) return;
    const h = await helmOfArchive(dir, await packageChart({ chartDir: dir }), 3);
    expect(h.stdout).toBe(r.stdout);
    expect(h.stderr).toContain('WARNING: This chart is deprecated\n');
  }, 60_000);
});

describe('subcharts are refused: dependencies in Chart.yaml, a chart in charts/', () => {
  const chartYaml = 'apiVersion: v2\nname: m\nversion: 0.1.0\n';
  const sub = { 'charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 0.1.0\n', 'charts/sub/templates/cm.yaml': CM.replace('name: x', 'name: sub') };

  it('dependencies in Chart.yaml: render, lint and package refuse them, naming the line', async () => {
    const dir = chartOf({ 'Chart.yaml': `${chartYaml}dependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://example.com\n`, 'templates/cm.yaml.hbs': CM });
    const expected = `${join(dir, 'Chart.yaml')}:4:1: dependencies: subcharts are not supported: dify-chart renders and packages a single chart`;
    expect(loadRefusal(dir)).toBe(expected);
    expect(await packageRefusal(dir)).toBe(expected);
    for (const args of [['render', dir], ['lint', dir], ['package', dir, '-d', join(dir, 'out')]]) {
      expect(await cli(args)).toEqual({ code: 1, stdout: '', stderr: `Error: ${expected}\n` });
    }
  }, 60_000);

  it('a chart in charts/: refused, naming it', async () => {
    const dir = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml.hbs': CM, ...sub });
    const expected = `${join(dir, 'charts', 'sub')}: subcharts are not supported: dify-chart renders and packages a single chart; remove it from charts/`;
    expect(loadRefusal(dir)).toBe(expected);
    expect(await packageRefusal(dir)).toBe(expected);
    const tgz = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml.hbs': CM, 'charts/sub-0.1.0.tgz': 'x' });
    expect(loadRefusal(tgz)).toBe(`${join(tgz, 'charts', 'sub-0.1.0.tgz')}: subcharts are not supported: dify-chart renders and packages a single chart; remove it from charts/`);
  });

  it('what Helm takes for no subchart passes: an empty charts/, a name starting with . or _, empty dependencies', () => {
    const dir = chartOf({ 'Chart.yaml': `${chartYaml}dependencies: []\n`, 'templates/cm.yaml.hbs': CM, 'charts/.gitkeep': '', 'charts/_notes/x': 'x' });
    expect(loadChart(dir).templates).toHaveLength(1);
  });

  it.skipIf(!haveHelm)('real Helm renders a subchart of charts/ (leaving it out would differ) and refuses a dependency missing there', async () => {
    const dir = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml': CM, ...sub });
    const deps = chartOf({ 'Chart.yaml': `${chartYaml}dependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://example.com\n`, 'templates/cm.yaml': CM });
    for (const major of HELM_MAJORS) {
      const r = await helmTemplate(major, dir, []);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('# Source: m/charts/sub/templates/cm.yaml\n');
      const d = await helmTemplate(major, deps, []);
      expect(d.code).not.toBe(0);
      expect(d.stderr).toContain('missing in charts/ directory: redis');
    }
  });
});

describe('one rule for what of a chart folder is read: plain files and folders, render and package alike', () => {
  const chartYaml = 'apiVersion: v2\nname: m\nversion: 0.1.0\n';
  const LINK = ': is a symbolic link; dify-chart refuses links in a chart folder: copy in what it points to';
  const FIFO = ': is a FIFO, not a regular file; Helm cannot load it either';

  /** The refusal by loadChart (render, lint), by package, and by the command line (exit 1, one line, no hang). */
  async function refusedEverywhere(dir: string, message: string, byLoader = true): Promise<void> {
    if (byLoader) expect(loadRefusal(dir)).toBe(message);
    expect(await packageRefusal(dir)).toBe(message);
    for (const args of [['render', dir], ['package', dir, '-d', join(dir, 'out')]]) {
      expect(await cli(args, { timeoutMs: 20_000 })).toEqual({ code: 1, stdout: '', stderr: `Error: ${message}\n` });
    }
  }

  it('a folder under templates/ that is a link (render dropped it, package took nothing from it)', async () => {
    const dir = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml.hbs': CM });
    const outside = chartOf({ 'cm2.yaml.hbs': CM.replace('name: x', 'name: y') }, 'dify-linked-');
    symlinkSync(outside, join(dir, 'templates', 'sub'), 'dir');
    await refusedEverywhere(dir, `${join(dir, 'templates', 'sub')}${LINK}`);
  }, 60_000);

  it('a template that is a link (render followed it, package refused it): refused by both', async () => {
    const dir = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml.hbs': CM });
    symlinkSync(join(dir, 'templates', 'cm.yaml.hbs'), join(dir, 'templates', 'cm2.yaml.hbs'));
    await refusedEverywhere(dir, `${join(dir, 'templates', 'cm2.yaml.hbs')}${LINK}`);
  }, 60_000);

  it('a dangling link (an internal error, exit 3, before)', async () => {
    const dir = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml.hbs': CM });
    symlinkSync(join(dir, 'no-such-file'), join(dir, 'templates', 'ingress.yaml.hbs'));
    await refusedEverywhere(dir, `${join(dir, 'templates', 'ingress.yaml.hbs')}${LINK}`);
  }, 60_000);

  it('a linked templates/, charts/, Chart.yaml or values.yaml', () => {
    for (const name of ['templates', 'charts', 'Chart.yaml', 'values.yaml']) {
      const dir = chartOf({ 'Chart.yaml': chartYaml, 'values.yaml': 'a: 1\n', 'templates/cm.yaml.hbs': CM });
      const elsewhere = chartOf({ 'Chart.yaml': chartYaml, 'values.yaml': 'a: 1\n', 'templates/cm.yaml.hbs': CM, 'charts/.keep': '' }, 'dify-linked-');
      rmSync(join(dir, name), { recursive: true, force: true });
      symlinkSync(join(elsewhere, name), join(dir, name));
      expect(loadRefusal(dir), name).toBe(`${join(dir, name)}${LINK}`);
    }
  });

  it('a FIFO in templates/ or as values.yaml: refused at once, never opened (render and package hung)', async () => {
    const dir = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml.hbs': CM });
    execFileSync('mkfifo', [join(dir, 'templates', 'p.yaml.hbs')]);
    await refusedEverywhere(dir, `${join(dir, 'templates', 'p.yaml.hbs')}${FIFO}`);
    const values = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml.hbs': CM });
    execFileSync('mkfifo', [join(values, 'values.yaml')]);
    await refusedEverywhere(values, `${join(values, 'values.yaml')}${FIFO}`);
    const schema = chartOf({ 'Chart.yaml': chartYaml, 'values.yaml': 'a: 1\n', 'templates/cm.yaml.hbs': CM });
    execFileSync('mkfifo', [join(schema, 'values.schema.json')]);
    // The schema is read by the renderer and package, not by loadChart.
    await refusedEverywhere(schema, `${join(schema, 'values.schema.json')}${FIFO}`, false);
  }, 60_000);

  it('a template whose file name is not UTF-8 (an internal error, exit 3, before)', async () => {
    const dir = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml.hbs': CM });
    // The name as bytes: Node takes a Buffer path as it is.
    writeFileSync(Buffer.concat([Buffer.from(`${join(dir, 'templates')}/x`), Buffer.from([0xff]), Buffer.from('.yaml.hbs')]), CM);
    await refusedEverywhere(dir, `${join(dir, 'templates')}/x\\xff.yaml.hbs: the file name is not valid UTF-8; rename it`);
  }, 60_000);

  it.skipIf(!haveHelm)('real Helm refuses a FIFO as irregular, and follows a linked folder (which dify-chart refuses)', async () => {
    const dir = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml': CM });
    execFileSync('mkfifo', [join(dir, 'templates', 'p.yaml')]);
    const linked = chartOf({ 'Chart.yaml': chartYaml, 'templates/cm.yaml': CM });
    symlinkSync(chartOf({ 'cm2.yaml': CM.replace('name: x', 'name: y') }, 'dify-linked-'), join(linked, 'templates', 'sub'), 'dir');
    for (const major of HELM_MAJORS) {
      const r = await helmTemplate(major, dir, []);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`Error: cannot load irregular file ${join(dir, 'templates', 'p.yaml')} as it has file mode type bits set\n`);
      const l = await helmTemplate(major, linked, []);
      expect(l.code, l.stderr).toBe(0);
      expect(l.stdout).toContain('# Source: m/templates/sub/cm2.yaml\n');
    }
  });
});
