/**
 * Bad input gets a clear error and loses nothing. Every case runs the real CLI in a child process
 * with `--output-dir` pointing at a folder that already holds a render, and asserts: the exact
 * one-line message(s) on stderr, exit code 1 (user error) or 2 (usage error), nothing on stdout,
 * no stack trace, and the folder byte for byte as it was.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART, cli, PINNED, snapshot, tempDir } from '../cli/run.js';

const T = 60_000;
const isRoot = process.getuid?.() === 0;

interface Case {
  name: string;
  /** Arguments after `render` (the output folder is added unless `output` is given). */
  args: string[];
  /** Arguments after `--output-dir DIR`. */
  after?: string[];
  lines: string[];
  code: 1 | 2;
  input?: string;
  /** The --output-dir to pass (default: a folder holding an earlier render). */
  output?: string;
  /** What must stay untouched (default: the output folder). */
  watch?: string;
  skip?: string;
}

const work = tempDir('dify-bad-input-');
let n = 0;
/** A file holding `text` (bytes as given), its path returned. */
function file(text: string | Buffer, name?: string): string {
  const p = join(work, name ?? `v${++n}.yaml`);
  writeFileSync(p, text);
  return p;
}

/** A folder that holds an earlier render's layout plus a file of the user's. */
function populatedOutput(): string {
  const dir = tempDir('dify-out-');
  for (const c of ['api', 'web']) {
    mkdirSync(join(dir, 'dify', 'templates', c), { recursive: true });
    writeFileSync(join(dir, 'dify', 'templates', c, 'deployment.yaml'), `---\n# Source: dify/templates/${c}/deployment.yaml\nold: render\n`);
  }
  writeFileSync(join(dir, 'notes.md'), 'the user wrote this');
  return dir;
}

/** A chart in the dialect whose template `required`s a value that defaults to "". */
function requiredChart(): string {
  const dir = tempDir('dify-required-chart-');
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: req\nversion: 0.1.0\n');
  writeFileSync(join(dir, 'values.yaml'), 'ingress:\n  host: ""\n');
  writeFileSync(
    join(dir, 'templates', 'ingress.yaml.hbs'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  host: {{quote (required "ingress.host is required: the public host name of Dify" Values.ingress.host)}}\n',
  );
  return dir;
}

/** A chart folder of the given files (path relative to the chart, content). */
function chartOf(name: string, files: Record<string, string>): string {
  const dir = tempDir(`dify-${name}-chart-`);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const f = (text: string | Buffer, name?: string) => file(text, name);
const unreadable = file('api:\n  replicaCount: 1\n', 'unreadable.yaml');
chmodSync(unreadable, 0o000);
const regular = file('just a file\n', 'regular-file');
const chart = requiredChart();
const missingSetFile = join(work, 'no-such-cert.pem');

const cases: Case[] = [
  // Files
  { name: 'missing values file', args: ['-f', join(work, 'missing.yaml')], code: 1, lines: [`${join(work, 'missing.yaml')}: no such file`] },
  { name: 'values path is a folder', args: ['-f', work], code: 1, lines: [`${work}: is a directory, not a file`] },
  {
    name: 'unreadable values file',
    args: ['-f', unreadable],
    code: 1,
    lines: [`${unreadable}: permission denied`],
    ...(isRoot ? { skip: 'root reads a chmod 000 file' } : {}),
  },
  { name: 'values file not UTF-8', args: ['-f', file(Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]), 'latin.yaml')], code: 1, lines: [`${join(work, 'latin.yaml')}: not valid UTF-8`] },
  { name: '--set-file of a file not UTF-8', args: ['-f', PINNED, '--set-file', `dify.extraConfig.X=${file(Buffer.from([0x61, 0xff, 0x62]), 'latin.txt')}`], code: 1, lines: [`--set-file "dify.extraConfig.X=${join(work, 'latin.txt')}": ${join(work, 'latin.txt')}: not valid UTF-8`] },
  { name: 'a -f path naming a URL Helm would download', args: ['-f', 'https://example.com/values.yaml'], code: 1, lines: ['https://example.com/values.yaml: Helm downloads values from https URLs; dify-chart reads local files only: download it and give its path'] },
  // Input nested past what the renderer takes: one line, exit 1, not an internal error.
  {
    name: 'values nested 501 levels deep',
    args: ['-f', PINNED, '--set-json', `dify.extraConfig.X=${'['.repeat(501)}${']'.repeat(501)}`],
    code: 1,
    lines: [`values.dify.extraConfig.X[0]...: values nested more than 500 levels deep, the most dify-chart renders (Helm reads up to 10000) (from --set-json dify.extraConfig.X=${'['.repeat(501)}${']'.repeat(501)})`],
  },
  // Flow style past the `yaml` package's composer (a stack overflow at a column that varied): the same line as block style.
  {
    name: 'a values file of lists nested 1000 deep in flow style',
    args: ['-f', PINNED, '-f', f(`a: ${'['.repeat(1000)}${']'.repeat(1000)}\n`, 'deep-flow.yaml')],
    code: 1,
    lines: [`values.a[0][0][0]...: values nested more than 500 levels deep, the most dify-chart renders (Helm reads up to 10000) (from ${join(work, 'deep-flow.yaml')}:1:504)`],
  },
  {
    name: 'a values file of maps nested 1000 deep in flow style, as 600 deep reads (loaded, then checked)',
    args: ['-f', PINNED, '-f', f(`a: ${'{b: '.repeat(1000)}1${'}'.repeat(1000)}\n`, 'deep-flow-map.yaml')],
    code: 1,
    lines: [`values.a.b.b.b...: values nested more than 500 levels deep, the most dify-chart renders (Helm reads up to 10000) (from ${join(work, 'deep-flow-map.yaml')}:1:2001)`],
  },
  {
    name: 'the same 600 deep',
    args: ['-f', PINNED, '-f', f(`a: ${'{b: '.repeat(600)}1${'}'.repeat(600)}\n`, 'deep-flow-map-600.yaml')],
    code: 1,
    lines: [`values.a.b.b.b...: values nested more than 500 levels deep, the most dify-chart renders (Helm reads up to 10000) (from ${join(work, 'deep-flow-map-600.yaml')}:1:2001)`],
  },
  {
    name: 'block-style lists nested 1000 deep, each item on its own line',
    args: ['-f', PINNED, '-f', f(`a:\n${Array.from({ length: 1000 }, (_, i) => `${'  '.repeat(i)}- \n`).join('')}`, 'deep-block.yaml')],
    code: 1,
    lines: [`values.a[0][0][0]...: values nested more than 500 levels deep, the most dify-chart renders (Helm reads up to 10000) (from ${join(work, 'deep-block.yaml')}:502:1001)`],
  },
  { name: '--set nested 5000 lists deep', args: ['-f', PINNED, '--set', `a${'[0]'.repeat(5000)}=1`], code: 1, lines: ['the input nests too deeply for dify-chart (Maximum call stack size exceeded)'] },
  // Malformed YAML: file:line:col
  { name: 'unclosed quote', args: ['-f', f('a: "unterminated\n', 'quote.yaml')], code: 1, lines: [`${join(work, 'quote.yaml')}:2:1: Missing closing "quote`] },
  { name: 'misaligned mapping', args: ['-f', f('api:\n  replicaCount: 1\n bad: x\n', 'indent.yaml')], code: 1, lines: [`${join(work, 'indent.yaml')}:3:1: All mapping items must start at the same column`] },
  { name: 'tab indentation', args: ['-f', f('api:\n\treplicaCount: 1\n', 'tab.yaml')], code: 1, lines: [`${join(work, 'tab.yaml')}:2:1: found character that cannot start any token`] },
  { name: 'nested compact mapping', args: ['-f', f('a: b: c\n', 'compact.yaml')], code: 1, lines: [`${join(work, 'compact.yaml')}:1:5: mapping values are not allowed in this context`] },
  { name: 'unknown anchor', args: ['-f', f('api: *nope\n', 'anchor.yaml')], code: 1, lines: [`${join(work, 'anchor.yaml')}:1:6: unknown anchor "nope"`] },
  { name: 'alias inside its own anchor', args: ['-f', f('a: &a [*a]\n', 'cycle.yaml')], code: 1, lines: [`${join(work, 'cycle.yaml')}:1:8: anchor "a" value contains itself`] },
  { name: 'wrong explicit tag', args: ['-f', f('api: !!int abc\n', 'tag.yaml')], code: 1, lines: [`${join(work, 'tag.yaml')}:1:12: cannot decode !!str \`abc\` as a !!int`] },
  { name: 'malformed YAML on stdin', args: ['-f', PINNED, '-f', '-'], input: 'x: [\n', code: 1, lines: ['<stdin>:2:1: Flow sequence in block collection must be sufficiently indented and end with a ]'] },
  // Document shape
  { name: 'top level is a list', args: ['-f', f('- a\n- b\n', 'list.yaml')], code: 1, lines: [`${join(work, 'list.yaml')}: top level must be a map of values, got a list`] },
  { name: 'top level is a string', args: ['-f', f('hello\n', 'scalar.yaml')], code: 1, lines: [`${join(work, 'scalar.yaml')}: top level must be a map of values, got a string`] },
  // Schema: types, keys, ranges, enums, patterns, rules
  {
    name: 'string where an integer goes',
    args: ['-f', PINNED, '-f', f('web:\n  replicaCount: two\n', 'type.yaml')],
    code: 1,
    lines: [`values.web.replicaCount: expected integer, got string "two" (from ${join(work, 'type.yaml')}:2:3); replicaCount is a whole number of pods`],
  },
  {
    name: 'fraction where an integer goes',
    args: ['-f', PINNED, '-f', f('web:\n  replicaCount: 1.5\n', 'frac.yaml')],
    code: 1,
    lines: [`values.web.replicaCount: expected integer, got number 1.5 (from ${join(work, 'frac.yaml')}:2:3); replicaCount is a whole number of pods`],
  },
  {
    name: 'map where a string goes (one line, not also the enum)',
    args: ['-f', PINNED, '-f', f('dify:\n  logLevel:\n    level: debug\n', 'map.yaml')],
    code: 1,
    lines: [`values.dify.logLevel: expected string, got a map (from ${join(work, 'map.yaml')}:2:3)`],
  },
  {
    name: '--set types a number where a string goes',
    args: ['-f', PINNED, '--set', 'api.image.tag=17'],
    code: 1,
    lines: ['values.api.image.tag: expected string, got integer 17 (from --set api.image.tag=17); use --set-string to pass it as text; image tags must be strings: quote them ("1.7.1")'],
  },
  { name: 'unknown top-level key', args: ['-f', PINNED, '--set', 'apii.replicaCount=1'], code: 1, lines: ['values.apii: unknown key (from --set apii.replicaCount=1); did you mean "api"?'] },
  {
    name: 'unknown nested key',
    args: ['-f', PINNED, '-f', f('web:\n  replicas: 2\n', 'typo.yaml')],
    code: 1,
    lines: [`values.web.replicas: unknown key (from ${join(work, 'typo.yaml')}:2:3)`],
  },
  { name: 'negative number', args: ['-f', PINNED, '--set', 'web.replicaCount=-1'], code: 1, lines: ['values.web.replicaCount: must be >= 0, got integer -1 (from --set web.replicaCount=-1); replicaCount is a whole number of pods'] },
  {
    name: 'invalid enum',
    args: ['-f', PINNED, '--set', 'dify.logLevel=LOUD'],
    code: 1,
    lines: ['values.dify.logLevel: must be one of "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", got string "LOUD" (from --set dify.logLevel=LOUD)'],
  },
  {
    name: 'pattern',
    args: ['-f', PINNED, '--set-json', 'routes=[{"path":"api","component":"api"}]'],
    code: 1,
    lines: ['values.routes[0].path: must match pattern "^/[A-Za-z0-9._~/-]*$", got string "api" (from --set-json routes=[{"path":"api","component":"api"}]); a route path starts with / and holds only letters, digits and . _ ~ / -'],
  },
  {
    name: 'environment variable name as a key',
    args: ['-f', PINNED, '--set-json', 'dify.extraConfig={"MY-VAR":"x"}'],
    code: 1,
    lines: ['values.dify.extraConfig.MY-VAR: key name must match pattern "^[A-Za-z_][A-Za-z0-9_]*$" (from --set-json dify.extraConfig={"MY-VAR":"x"}); extraConfig maps environment variable names to string values (quote numbers and booleans)'],
  },
  {
    name: 'a rule between two settings (if/then)',
    args: ['-f', PINNED, '--set', 'externalSecrets.enabled=true', '--set', 'externalSecrets.secretStoreRef.name='],
    code: 1,
    lines: ['values.externalSecrets.secretStoreRef.name: must not be empty (from --set externalSecrets.secretStoreRef.name=); externalSecrets.enabled needs externalSecrets.secretStoreRef.name'],
  },
  {
    name: 'a forbidden combination (not)',
    args: ['-f', PINNED, '--set', 'postgresql.enabled=false'],
    code: 1,
    lines: ['values: no database: enable postgresql (in-cluster), externalPostgresql or externalMysql'],
  },
  // --set grammar
  { name: '--set unclosed bracket', args: ['--set', 'routes[0=x'], code: 1, lines: ['--set "routes[0=x": unclosed bracket after "routes"'] },
  { name: '--set missing =', args: ['--set', 'web.replicaCount'], code: 1, lines: ['--set "web.replicaCount": key "web.replicaCount" has no value (expected key=value)'] },
  { name: '--set index not a number', args: ['--set', 'routes[x].path=/'], code: 1, lines: ['--set "routes[x].path=/": list index "x" of "routes" is not a number'] },
  { name: '--set negative index', args: ['--set', 'routes[-1].path=/'], code: 1, lines: ['--set "routes[-1].path=/": negative index -1 of "routes" is not allowed'] },
  { name: '--set index too large', args: ['--set', 'routes[99999].path=/'], code: 1, lines: ['--set "routes[99999].path=/": list index 99999 is greater than the maximum supported index of 65536'] },
  { name: '--set text after an index', args: ['--set', 'routes[0]x=/'], code: 1, lines: ['--set "routes[0]x=/": unexpected "x" after "routes[0]"'] },
  { name: '--set unterminated list', args: ['--set', 'ingress.hosts={a.example.com,b.example.com'], code: 1, lines: ['--set "ingress.hosts={a.example.com,b.example.com": list for "ingress.hosts" must terminate with \'}\''] },
  { name: '--set key inside a scalar', args: ['--set', 'web.replicaCount=1,web.replicaCount.x=2'], code: 1, lines: ['--set "web.replicaCount=1,web.replicaCount.x=2": cannot set a key inside "web.replicaCount": it holds the number 1, not a map'] },
  { name: '--set newline shown escaped', args: ['--set', 'a\nb'], code: 1, lines: ['--set "a\\nb": key "a\\nb" has no value (expected key=value)'] },
  { name: '--set-file of a missing file', args: ['--set-file', `ingress.tls=${missingSetFile}`], code: 1, lines: [`--set-file "ingress.tls=${missingSetFile}": ${missingSetFile}: no such file`] },
  { name: '--set-file of a folder', args: ['--set-file', `dify.cspWhitelist=${work}`], code: 1, lines: [`--set-file "dify.cspWhitelist=${work}": ${work}: is a directory, not a file`] },
  { name: '--set-json invalid JSON', args: ['--set-json', 'api.podAnnotations={"a":'], code: 1, lines: ['--set-json "api.podAnnotations={"a":": invalid JSON for "api.podAnnotations": unexpected end of JSON input'] },
  { name: '--set-json number out of range', args: ['--set-json', 'web.replicaCount=1e400'], code: 1, lines: ['--set-json "web.replicaCount=1e400": invalid JSON for "web.replicaCount": number out of range'] },
  // A chart folder's own files: Chart.yaml first, values before templates (as Helm merges values before it loads the chart).
  {
    name: 'a --chart whose Chart.yaml is not YAML',
    args: ['--chart', chartOf('badmeta', { 'Chart.yaml': 'apiVersion: v2\nname: [\n', 'values.yaml': 'a: 1\n', 'templates/cm.yaml.hbs': 'a: 1\n' })],
    code: 1,
    lines: [/* filled in beforeAll: the folder is made then */],
  },
  {
    name: 'a bad values file and a bad template: the values file is named',
    args: ['--chart', chartOf('badtpl', { 'Chart.yaml': 'apiVersion: v2\nname: bt\nversion: 0.1.0\n', 'values.yaml': 'a: 1\n', 'templates/cm.yaml.hbs': 'a: {{ Values.a }\n' }), '-f', f('a: [\n', 'bad-values.yaml')],
    code: 1,
    lines: [/* filled in beforeAll */],
  },
  // Render stage
  {
    name: 'a `required` value left empty',
    args: ['--chart', chart],
    code: 1,
    lines: [`${join(chart, 'templates', 'ingress.yaml.hbs')}:6:17: ingress.host is required: the public host name of Dify`],
  },
  {
    name: 'an Ingress no route reaches',
    args: ['-f', PINNED, '--set', 'ingress.enabled=true,web.enabled=false', '--set-json', 'routes=[{"path":"/","component":"web"}]'],
    code: 1,
    lines: [
      `${join(CHART, 'templates', 'ingress.yaml.hbs')}:3:1: ingress.enabled: no route of the routing table reaches an enabled component, so the Ingress would have no paths; enable a component a route points to, or set ingress.enabled=false`,
    ],
  },
  { name: 'unknown --show-only template', args: ['-f', PINNED, '--show-only', 'templates/nope.yaml'], code: 1, lines: ['could not find template templates/nope.yaml in chart'] },
  {
    name: '--kube-version below the chart\'s kubeVersion',
    args: ['-f', PINNED, '--kube-version', '1.20.0'],
    code: 1,
    lines: [/* filled in beforeAll from Chart.yaml */],
  },
  // Output
  { name: 'output folder under a regular file', args: ['-f', PINNED], output: join(regular, 'out'), watch: regular, code: 1, lines: [`--output-dir ${join(regular, 'out')}: cannot write: a part of the path is a file, not a folder`] },
  { name: 'output folder is a regular file', args: ['-f', PINNED], output: regular, code: 1, lines: [`--output-dir ${regular}: cannot write: a part of the path exists and is not a folder`] },
  // Usage errors (exit 2)
  { name: 'invalid release name', args: ['My_Release', '-f', PINNED], code: 2, lines: [`release name "My_Release" is invalid: use at most 53 lowercase letters, digits, '-' and '.', starting and ending alphanumeric`] },
  { name: 'release name too long', args: ['a'.repeat(54), '-f', PINNED], code: 2, lines: [`release name "${'a'.repeat(54)}" is invalid: use at most 53 lowercase letters, digits, '-' and '.', starting and ending alphanumeric`] },
  { name: 'invalid --kube-version', args: ['-f', PINNED, '--kube-version', 'banana'], code: 2, lines: ['--kube-version: invalid kube version \'banana\': could not parse "banana" as version'] },
  { name: 'namespace with a newline (injection)', args: ['-f', PINNED, '-n', 'dify\nevil: true'], code: 2, lines: [`--namespace "dify\\nevil: true" is invalid: use at most 63 lowercase letters, digits and '-'`] },
  { name: 'namespace with upper case', args: ['-f', PINNED, '-n', 'Dify'], code: 2, lines: [`--namespace "Dify" is invalid: use at most 63 lowercase letters, digits and '-'`] },
  { name: 'unknown flag', args: ['-f', PINNED, '--valuez', 'x.yaml'], code: 2, lines: ["unknown option '--valuez' (did you mean --values?)"] },
  { name: 'flag without its argument', args: [], after: ['--set'], code: 2, lines: ["option '--set <key=val>' argument missing"] },
  { name: 'three arguments (release, chart, one more)', args: ['one', CHART, 'three'], code: 2, lines: ["too many arguments for 'render'. Expected 2 arguments but got 3."] },
  { name: 'a positional chart and a different --chart', args: ['one', CHART, '--chart', work], code: 2, lines: [`two charts given: ${CHART} and --chart ${work}; give one`] },
];

beforeAll(() => {
  const badMeta = cases.find((c) => c.name.startsWith('a --chart whose Chart.yaml'))!;
  badMeta.lines.push(`${join(badMeta.args[1]!, 'Chart.yaml')}:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]`);
  const badTpl = cases.find((c) => c.name.startsWith('a bad values file and a bad template'))!;
  badTpl.lines.push(`${badTpl.args[3]!}:2:1: Flow sequence in block collection must be sufficiently indented and end with a ]`);
  const chartYaml = readFileSync(join(import.meta.dirname, '..', '..', 'chart', 'Chart.yaml'), 'utf8');
  const constraint = /^kubeVersion: "?([^"\n]+)"?$/m.exec(chartYaml)![1]!;
  cases.find((c) => c.name.startsWith('--kube-version below'))!.lines.push(`chart requires kubeVersion: ${constraint} which is incompatible with Kubernetes v1.20.0`);
});

describe('bad input: one clear line, the right exit code, nothing on stdout, the output folder untouched', () => {
  it('has at least 30 cases', () => {
    expect(cases.filter((c) => !c.skip).length).toBeGreaterThanOrEqual(30);
  });

  for (const c of cases) {
    it.skipIf(c.skip !== undefined)(c.name, async () => {
      const out = c.output ?? populatedOutput();
      const watched = c.watch ?? out;
      const before = snapshot(watched);
      const r = await cli(['render', ...c.args, '--output-dir', out, ...(c.after ?? [])], c.input !== undefined ? { input: c.input } : {});
      expect(r.stderr).toBe(c.lines.map((l) => `Error: ${l}\n`).join(''));
      expect(r.stdout).toBe('');
      expect(r.code).toBe(c.code);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(snapshot(watched)).toEqual(before);
    }, T);
  }
});
