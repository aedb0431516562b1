/**
 * The `helm template` output stage: splitting, install order, printing, --show-only and
 * --output-dir. Unit cases first, then the same functions against real Helm 3.21.4 and 4.3.2
 * (releaseutil's logic, filepath.Match and printing) on a chart of literal templates.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertParses,
  compareKinds,
  INSTALL_ORDER,
  manifestKind as kindOf,
  orderManifests,
  outputDirLayout,
  outputDirLog,
  printManifests,
  selectShowOnly,
  splitManifests,
  type Manifest,
  type TemplateOutput,
} from '../../src/render/manifests.js';
import { goPathMatch } from '../../src/go/filepath.js';
import { goTrimSpace } from '../../src/go/strings.js';
import { helmErrors, helmOrSkip, helmTemplate, HELM_MAJORS, normalizeHelm4, type HelmMajor, type TemplateOptions } from '../support/helm.js';

const doc = (kind: string, name = kind.toLowerCase()): string => `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n`;

describe('splitManifests (releaseutil.SplitManifests)', () => {
  it.each([
    ['plain separator', 'a: 1\n---\nb: 2\n', ['a: 1', 'b: 2']],
    ['leading ---', '---\na: 1\n', ['a: 1']],
    ['text after --- starts the next document', 'a: 1\n--- # note\nb: 2', ['a: 1', '# note\nb: 2']],
    ['--- with trailing words', 'a: 1\n---   words\nb: 2', ['a: 1', 'words\nb: 2']],
    ['comment-only documents are kept', '# only a comment\n---\nkind: A', ['# only a comment', 'kind: A']],
    ['--- alone', '---', []],
    ['blank text', '  \n\t\n', []],
    ['CRLF', 'a: 1\r\n---\r\nb: 2\r\n', ['a: 1', 'b: 2']],
    ['indented --- is not a separator', 'a: 1\n  ---\nb: 2', ['a: 1\n  ---\nb: 2']],
    ['---- splits after three dashes', 'a: 1\n----\nb', ['a: 1', '-\nb']],
    // The separator's trailing \s* swallows the newline a second `---` would need.
    ['two separators in a row', 'a\n---\n---\nb', ['a', '---\nb']],
    // NBSP is not \s for the regexp but is space for TrimSpace: an empty document survives.
    ['a piece of exotic whitespace', 'a\n---\u00a0\n---\nb', ['a', '', 'b']],
  ])('%s', (_name, text, expected) => {
    expect(splitManifests(text)).toEqual(expected);
  });

  it('trims as Go does (U+0085 yes, U+FEFF no)', () => {
    expect(goTrimSpace('\u0085 x \u00a0')).toBe('x');
    expect(goTrimSpace('\ufeffx')).toBe('\ufeffx');
  });
});

describe('kinds', () => {
  it('reads kind cheaply, as sigs.k8s.io/yaml hands it to a string field', () => {
    expect(kindOf(doc('Service'))).toBe('Service');
    expect(kindOf('kind: "Quoted"  # c\n')).toBe('Quoted');
    expect(kindOf("'kind': 'It''s'\n")).toBe("It's");
    expect(kindOf('kind: Plain # comment\n')).toBe('Plain');
    expect(kindOf('kind: yes\n')).toBe('true');
    expect(kindOf('kind: ~\n')).toBe('');
    expect(kindOf('spec:\n  kind: Nested\n')).toBe('');
    expect(kindOf('# kind: Commented\n')).toBe('');
  });

  it('orders by Helm 3.15 InstallOrder, unknown kinds last by byte order', () => {
    expect(INSTALL_ORDER[0]).toBe('PriorityClass');
    expect(INSTALL_ORDER.at(-1)).toBe('APIService');
    expect(INSTALL_ORDER).toHaveLength(36);
    const all = ['zeta', 'Widget', '', ...[...INSTALL_ORDER].reverse(), 'Aardvark'];
    const sorted = [...all].sort(compareKinds);
    expect(sorted).toEqual([...INSTALL_ORDER, '', 'Aardvark', 'Widget', 'zeta']);
  });
});

describe('orderManifests (releaseutil.SortManifests)', () => {
  const files: TemplateOutput[] = [
    { path: 'dify/templates/web.yaml', content: `${doc('Deployment', 'web')}---\n${doc('Service', 'web')}` },
    { path: 'dify/templates/api.yaml', content: `${doc('Deployment', 'api')}---\n${doc('Widget')}---\n${doc('ConfigMap', 'api')}` },
    { path: 'dify/templates/_helpers.tpl', content: doc('Secret', 'partial') },
    { path: 'dify/templates/NOTES.txt', content: 'Thanks' },
    { path: 'dify/templates/blank.yaml', content: '\n  \n' },
    {
      path: 'dify/templates/jobs.yaml',
      content: [
        'kind: Job\nmetadata:\n  name: migrate\n  annotations:\n    "helm.sh/hook": pre-install, PRE-UPGRADE\n',
        'kind: ConfigMap\nmetadata:\n  name: unknown-hook\n  annotations:\n    helm.sh/hook: someday\n',
        'kind: Secret\nmetadata:\n  name: weighted\n  annotations:\n    helm.sh/hook-weight: "1"\n',
        'kind: Pod\nmetadata:\n  name: test\n  annotations:\n    helm.sh/hook: test\n',
      ].join('---\n'),
    },
  ];
  const ordered = orderManifests(files);

  it('skips partials, NOTES.txt and blank files; sorts stably by kind over files in path order', () => {
    expect(ordered.map((m) => `${m.kind} ${m.source.slice('dify/templates/'.length)}`)).toEqual([
      'Secret jobs.yaml',
      'ConfigMap api.yaml',
      'Service web.yaml',
      'Deployment api.yaml',
      'Deployment web.yaml',
      'Widget api.yaml',
      'Pod jobs.yaml',
      'Job jobs.yaml',
    ]);
  });

  it('sets hooks apart (after everything, kind-sorted) and drops unknown hooks', () => {
    expect(ordered.filter((m) => m.hookEvents).map((m) => m.hookEvents)).toEqual([['test'], ['pre-install', 'pre-upgrade']]);
    expect(ordered.some((m) => m.content.includes('unknown-hook'))).toBe(false);
  });

  it('prints as helm template does', () => {
    const text = printManifests(ordered);
    expect(text.startsWith('---\n# Source: dify/templates/jobs.yaml\nkind: Secret\n')).toBe(true);
    expect(text).toContain('\n---\n# Source: dify/templates/api.yaml\napiVersion: v1\nkind: ConfigMap\n');
    expect(text.endsWith('    "helm.sh/hook": pre-install, PRE-UPGRADE\n')).toBe(true);
    expect(text.split('\n---\n# Source: ')).toHaveLength(ordered.length);
  });
});

describe('printManifests', () => {
  const m = (source: string, content: string, hookEvents?: string[]): Manifest => ({ source, content, kind: kindOf(content), hookEvents });

  it('prints one newline for no manifests', () => {
    expect(printManifests([])).toBe('\n');
  });

  it('trims the manifests block, then appends hooks untrimmed', () => {
    const text = printManifests([m('d/templates/a.yaml', 'kind: A'), m('d/templates/b.yaml', ''), m('d/templates/h.yaml', '', ['test'])]);
    expect(text).toBe('---\n# Source: d/templates/a.yaml\nkind: A\n---\n# Source: d/templates/b.yaml\n---\n# Source: d/templates/h.yaml\n\n');
  });
});

describe('--show-only', () => {
  const ordered = orderManifests([
    { path: 'dify/templates/api.yaml', content: doc('Deployment', 'api') },
    { path: 'dify/templates/web.yaml', content: `${doc('Service', 'web')}---\n${doc('Deployment', 'web')}` },
    { path: 'dify/templates/sub/x.yaml', content: doc('ConfigMap', 'x') },
  ]);
  const printed = printManifests(ordered);

  it('matches the path without the chart name, in pattern order, each as ---\\n<doc>\\n', () => {
    const out = printManifests(ordered, { showOnly: ['templates/web.yaml', 'templates/api.yaml'] });
    expect(out).toBe(
      `---\n# Source: dify/templates/web.yaml\n${doc('Service', 'web').trim()}\n` +
        `---\n# Source: dify/templates/web.yaml\n${doc('Deployment', 'web').trim()}\n` +
        `---\n# Source: dify/templates/api.yaml\n${doc('Deployment', 'api').trim()}\n`,
    );
  });

  it('takes Go globs', () => {
    expect(selectShowOnly(printed, ['templates/*.yaml']).match(/# Source/g)).toHaveLength(3);
    expect(selectShowOnly(printed, ['templates/*/*'])).toContain('dify/templates/sub/x.yaml');
  });

  it('fails for a pattern that matches nothing, as Helm words it', () => {
    expect(() => selectShowOnly(printed, ['templates/nope.yaml'])).toThrow('could not find template templates/nope.yaml in chart');
    expect(() => selectShowOnly(printed, ['dify/templates/api.yaml'])).toThrow('could not find template dify/templates/api.yaml in chart');
  });

  it.each([
    ['templates/*.yaml', 'templates/api.yaml', true],
    ['templates/*', 'templates/sub/x.yaml', false],
    ['templates/*/x.yaml', 'templates/sub/x.yaml', true],
    ['*', 'templates', true],
    ['templates/?pi.yaml', 'templates/api.yaml', true],
    ['templates/[a-c]pi.yaml', 'templates/api.yaml', true],
    ['templates/[^a]pi.yaml', 'templates/api.yaml', false],
    ['templates/[!a]pi.yaml', 'templates/!pi.yaml', true],
    ['templates/\\*.yaml', 'templates/*.yaml', true],
    ['templates/[a', 'templates/a', false],
    ['templates/a\\', 'templates/a', false],
    ['templates/*.yaml.bak', 'templates/a.yaml', false],
    ['t*s/a*i.yaml', 'templates/api.yaml', true],
  ])('filepath.Match(%j, %j) = %j', (pattern, name, expected) => {
    expect(goPathMatch(pattern, name)).toBe(expected);
  });
});

describe('--output-dir', () => {
  const ordered = orderManifests([
    { path: 'dify/templates/web.yaml', content: `${doc('Deployment', 'web')}---\n${doc('Service', 'web')}` },
    { path: 'dify/templates/job.yaml', content: 'kind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: pre-install\n' },
  ]);

  it('writes one file per template, its documents joined in print order', () => {
    expect(outputDirLayout(ordered)).toEqual([
      {
        path: 'dify/templates/web.yaml',
        content: `---\n# Source: dify/templates/web.yaml\n${doc('Service', 'web').trim()}\n---\n# Source: dify/templates/web.yaml\n${doc('Deployment', 'web').trim()}\n`,
      },
      { path: 'dify/templates/job.yaml', content: '---\n# Source: dify/templates/job.yaml\nkind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: pre-install\n' },
    ]);
    expect(outputDirLayout(ordered, { releaseName: 'r' }).map((f) => f.path)).toEqual(['r/dify/templates/web.yaml', 'r/dify/templates/job.yaml']);
  });

  it('logs a line per document, then a blank line', () => {
    expect(outputDirLog('out', ordered)).toBe(
      'wrote out/dify/templates/web.yaml\nwrote out/dify/templates/web.yaml\nwrote out/dify/templates/job.yaml\n\n',
    );
  });
});

describe('assertParses', () => {
  const m = (content: string): Manifest => ({ source: 'dify/templates/x.yaml', content, kind: kindOf(content) });

  it.each([
    ['a syntax error', 'kind: A\nmetadata:\n  name: a\n   bad: indent'],
    ['a list', '- a\n- b'],
    ['a scalar', 'just text'],
    ['metadata that is not a mapping', 'kind: A\nmetadata: 5'],
    ['a kind that is a list', 'kind: [A]'],
    ['annotations that are a list', 'kind: A\nmetadata:\n  annotations: [a]'],
    ['an annotation value that is a map', 'kind: A\nmetadata:\n  annotations:\n    a: {b: c}'],
    ['an unknown anchor', 'kind: A\nx: *nowhere'],
  ])('rejects %s', (_name, content) => {
    expect(() => assertParses(m(content))).toThrow(/^template dify\/templates\/x\.yaml produced invalid YAML: ./);
  });

  it.each([
    ['comments only', '# nothing here'],
    ['an empty document', ''],
    ['duplicate keys', 'kind: A\nkind: A'],
    ['number annotations', 'kind: A\nmetadata:\n  annotations:\n    weight: 5'],
    ['null metadata', 'kind: A\nmetadata:'],
    ['a second document after ...', 'kind: A\n...\n- x'],
  ])('accepts %s (as Helm does)', (_name, content) => {
    expect(() => assertParses(m(content))).not.toThrow();
  });

  it('reads a kind the line scan cannot as Helm reads it (any line, any case of the key)', () => {
    expect(kindOf('kind:\n  Service')).toBe('Service');
    expect(kindOf('Kind: Namespace')).toBe('Namespace');
    expect(kindOf('kInd: Service\nkind: Secret')).toBe('Secret');
    expect(() => assertParses(m('kind:\n  Service'))).not.toThrow();
    expect(() => assertParses({ source: 'x', content: 'kind: A', kind: 'B' })).toThrow(/says kind "B" where the YAML says "A"/);
  });
});

// ---------------------------------------------------------------------------------------------
// Against real Helm.

/** Literal templates (no actions): what TS is given is exactly what the Go engine renders. */
const LITERAL: Record<string, string> = {
  'a-split.yaml': `---\n# leading separator\n${doc('ConfigMap', 'a')}--- # trailing comment\nkind: Zeta\n---\n---\nkind: Alpha\n`,
  'b-kinds.yaml': [...[...INSTALL_ORDER].reverse(), 'Widget', 'apple', 'Aardvark'].map((k) => doc(k)).join('---\n') + '---\n# comment only\n',
  'c-hooks.yaml': [
    'kind: Job\nmetadata:\n  name: j\n  annotations:\n    "helm.sh/hook": pre-install,pre-upgrade\n',
    'kind: ConfigMap\nmetadata:\n  name: dropped\n  annotations:\n    helm.sh/hook: someday\n',
    'kind: Secret\nmetadata:\n  name: weighted\n  annotations:\n    helm.sh/hook-weight: 5\n',
    'kind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: " test "\n',
    'kind: ConfigMap\nmetadata:\n  name: null-hook\n  annotations:\n    helm.sh/hook: ~\n',
  ].join('---\n'),
  'd-space.yaml': 'kind: A\n---\u00a0\n---\nkind: B\n---\r\nkind: Crlf\r\n',
  'e-odd.yaml': 'kind: yes\n---\nkind: "Service"\n---\n\'kind\': ConfigMap\n---\nkind: A\nkind: B\n',
  'sub/deep.yaml': doc('Service', 'deep'),
  '_partial.yaml': doc('Secret', 'partial'),
  'blank.yaml': '  \n\n',
  'NOTES.txt': 'notes',
};

const CHART_YAML = 'apiVersion: v2\nname: dify\nversion: 0.1.0\n';
/** Templates whose separators Helm 4.2+ splits differently from Helm 3 (and from us). */
const SPLITTER_EDGES = new Set(['a-split.yaml', 'd-space.yaml']);

function makeChart(templates: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dify-manifests-'));
  writeFileSync(join(dir, 'Chart.yaml'), CHART_YAML);
  for (const [name, text] of Object.entries(templates)) {
    mkdirSync(dirname(join(dir, 'templates', name)), { recursive: true });
    writeFileSync(join(dir, 'templates', name), text);
  }
  return dir;
}

function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** `helm template` by one real Helm; Helm 4's stdout with its one printing difference undone. */
async function helmRun(major: HelmMajor, chartDir: string, opts: TemplateOptions = {}) {
  const r = await helmTemplate(major, chartDir, [], opts);
  return { ...r, stderr: helmErrors(r.stderr), stdout: major === 4 ? normalizeHelm4(r.stdout) : r.stdout };
}

const haveHelm = helmOrSkip();

describe.skipIf(!haveHelm)('agrees with real Helm', () => {
  let chart = '';
  const files: TemplateOutput[] = Object.entries(LITERAL).map(([name, content]) => ({ path: `dify/templates/${name}`, content }));
  const ordered = orderManifests(files);

  beforeAll(() => {
    chart = makeChart(LITERAL);
  }, 120_000);

  it('prints the same bytes as Helm 3.21.4', async () => {
    const go = await helmRun(3, chart);
    expect(go.stderr).toBe('');
    expect(printManifests(ordered)).toBe(go.stdout);
    for (const m of ordered) assertParses(m);
  });

  it('prints the same bytes as Helm 4.3.2 where its new splitter is not at issue', async () => {
    // Helm 4.2+ splits documents on its own rule (helm.ts, HELM4_DIFFERENCES): `--- # comment`,
    // `---` + NBSP and CRLF separators come apart differently there, so those two files stay out.
    const plain = Object.fromEntries(Object.entries(LITERAL).filter(([name]) => !SPLITTER_EDGES.has(name)));
    const go = await helmRun(4, makeChart(plain));
    expect(go.stderr).toBe('');
    const files = Object.entries(plain).map(([name, content]) => ({ path: `dify/templates/${name}`, content }));
    expect(printManifests(orderManifests(files))).toBe(go.stdout);
  });

  it.each([
    [['templates/b-kinds.yaml']],
    [['templates/sub/*']],
    [['templates/*.yaml']],
    [['templates/c-hooks.yaml', 'templates/a-split.yaml']],
    [['templates/[a-c]-*.yaml']],
    [['templates/?-space.yaml', 'templates/e-odd.yaml']],
    [['templates/nope.yaml']],
    [['dify/templates/a-split.yaml']],
    [['templates/[a']],
  ])('--show-only %j', async (patterns) => {
    const go = await helmRun(3, chart, { showOnly: patterns });
    let ts: string;
    try {
      ts = printManifests(ordered, { showOnly: patterns });
    } catch (e) {
      ts = `Error: ${(e as Error).message}\n`;
    }
    // An error carries Helm's message; ours may add a hint after it.
    if (go.code === 0) expect(ts).toBe(go.stdout);
    else expect(ts.startsWith(go.stderr.trimEnd())).toBe(true);
  });

  it.each([[false], [true]])('--output-dir (--release-name: %j)', async (releaseNameDir) => {
    const cwd = mkdtempSync(join(tmpdir(), 'dify-outdir-'));
    const go = await helmRun(3, chart, { outputDir: 'out', releaseNameDir, cwd });
    expect(go.stderr).toBe('');
    const opts = releaseNameDir ? { releaseName: 'release-name' } : {};
    expect(outputDirLog('out', ordered, opts)).toBe(go.stdout);
    const expected = Object.fromEntries(outputDirLayout(ordered, opts).map((f) => [f.path, f.content]));
    expect(filesUnder(join(cwd, 'out'))).toEqual(expected);
  });

  it.each([
    ['kind: A\nmetadata:\n  name: a\n   bad: indent'],
    ['- a\n- b'],
    ['just text'],
    ['kind: A\nmetadata: 5'],
    ['kind: [A]'],
    ['kind: A\nmetadata:\n  annotations: [a]'],
    ['kind: A\nmetadata:\n  annotations:\n    a: {b: c}'],
    ['kind: A\nx: *nowhere'],
    ['kind: A\n--- words\nkind: B'],
  ])('fails where Helm fails: %j', async (content) => {
    const chartDir = makeChart({ 'x.yaml': content });
    for (const major of HELM_MAJORS) {
      const go = await helmRun(major, chartDir);
      expect(go.code).toBe(1);
      expect(go.stderr).toMatch(/^Error: YAML parse error on dify\/templates\/x\.yaml: /);
    }
    const ms = orderManifests([{ path: 'dify/templates/x.yaml', content }]);
    expect(() => ms.forEach(assertParses)).toThrow(/produced invalid YAML/);
  });
});
