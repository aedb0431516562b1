/**
 * The command line end to end, through a child process (`node bin/dify-chart ...`): what reaches
 * stdout and stderr, exit codes (0 ok, 1 user error, 2 usage error), every render flag, and
 * --output-dir's promise that nothing is written unless the whole render succeeds.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, command, parseDocs, PINNED, snapshot, sources, tempDir, type CliResult, type K8sObject } from './run.js';

const T = 60_000;

/** Writes `text` to a fresh values file and returns its path. */
function values(text: string, name = 'values.yaml'): string {
  const p = join(tempDir('dify-values-'), name);
  writeFileSync(p, text);
  return p;
}

const find = (objs: K8sObject[], kind: string, suffix: string): K8sObject => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name.endsWith(suffix));
  if (!o) throw new Error(`no ${kind} *${suffix}`);
  return o;
};

/** A user or usage error: exit code, exactly these stderr lines, nothing on stdout. */
function expectError(r: CliResult, code: 1 | 2, lines: (string | RegExp)[], anyOrder = false): void {
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  const got = r.stderr.slice(0, -1).split('\n');
  if (anyOrder) got.sort();
  expect(got).toHaveLength(lines.length);
  lines.forEach((l, i) => (typeof l === 'string' ? expect(got[i]).toBe(l) : expect(got[i]).toMatch(l)));
  for (const l of got) {
    expect(l).toMatch(/^Error: /);
    expect(l).not.toMatch(/^\s+at /); // no stack trace
  }
  expect(r.code).toBe(code);
}

/** A tiny chart in the template dialect that prints Release and Capabilities. */
function capsChart(): string {
  const dir = tempDir('dify-caps-chart-');
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: caps\nversion: 0.1.0\nappVersion: "1.0"\n');
  writeFileSync(join(dir, 'values.yaml'), 'greeting: hello\n');
  writeFileSync(join(dir, 'values.schema.json'), '{"type":"object"}\n'); // a chart without one gets a note
  writeFileSync(
    join(dir, 'templates', 'caps.yaml.hbs'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{Release.Name}}-caps',
      '  namespace: {{Release.Namespace}}',
      'data:',
      '  greeting: {{quote Values.greeting}}',
      '  kubeVersion: {{quote Capabilities.KubeVersion.Version}}',
      '  major: {{quote Capabilities.KubeVersion.Major}}',
      '  minor: {{quote Capabilities.KubeVersion.Minor}}',
      '  apiVersions: {{quote (join "," Capabilities.APIVersions)}}',
      '',
    ].join('\n'),
  );
  return dir;
}

let base: CliResult;
let baseObjects: K8sObject[];

beforeAll(async () => {
  base = await cli(['render', '-f', PINNED]);
  baseObjects = parseDocs(base.stdout);
}, T);

describe('render to stdout', () => {
  it('prints the manifests as helm template does, exit 0, nothing on stderr', () => {
    expect(base.code).toBe(0);
    expect(base.stderr).toBe('');
    expect(base.stdout.startsWith('---\n# Source: dify/templates/')).toBe(true);
    expect(base.stdout.endsWith('\n')).toBe(true);
    const srcs = sources(base.stdout);
    expect(srcs.length).toBe(baseObjects.length);
    // A folder per component (or a release-wide template at the top), one kind per file.
    for (const s of srcs) expect(s).toMatch(/^dify\/templates\/([a-z0-9-]+\/)?[a-z0-9-]+\.yaml$/);
    expect(baseObjects.map((o) => o.kind)).toContain('Deployment');
  });

  it('names the release `release-name` by default and uses the given name', async () => {
    for (const o of baseObjects) {
      expect(o.metadata.name.startsWith('release-name-')).toBe(true);
      expect(o.metadata.labels?.['app.kubernetes.io/instance']).toBe('release-name');
    }
    const r = await cli(['render', 'my-dify', '-f', PINNED]);
    expect(r.code).toBe(0);
    const objs = parseDocs(r.stdout);
    expect(objs.length).toBe(baseObjects.length);
    for (const o of objs) {
      expect(o.metadata.name.startsWith('my-dify-')).toBe(true);
      expect(o.metadata.labels?.['app.kubernetes.io/instance']).toBe('my-dify');
    }
  }, T);

  it('-n puts every object in the namespace (default `default`)', async () => {
    for (const o of baseObjects) expect(o.metadata.namespace).toBe('default');
    const r = await cli(['render', '-n', 'dify-prod', '-f', PINNED]);
    expect(r.code).toBe(0);
    for (const o of parseDocs(r.stdout)) expect(o.metadata.namespace).toBe('dify-prod');
    const long = await cli(['render', '--namespace', 'ns2', '-f', PINNED]);
    for (const o of parseDocs(long.stdout)) expect(o.metadata.namespace).toBe('ns2');
  }, T);
});

describe('run as a command', () => {
  it('prints what `node bin/dify-chart` prints, and never reads NODE_EXTRA_CA_CERTS', async () => {
    // Node >= 22 reads that bundle at the first TLS connection, which dify-chart never makes: a
    // bundle Node cannot read would warn on stderr as soon as anything read it.
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: join(tempDir(), 'missing.pem') };
    const viaNode = await cli(['render', '-f', PINNED], { env });
    const viaCommand = await command(['render', '-f', PINNED], { env });
    expect(viaNode.stderr).toBe('');
    expect(viaNode.code).toBe(0);
    expect(viaCommand.stderr).toBe('');
    expect(viaCommand.code).toBe(0);
    expect(viaCommand.stdout).toBe(viaNode.stdout);
    // The same Node does warn once a TLS context is made, so the checks above can fail.
    const tls = spawnSync(process.execPath, ['-e', 'require("node:tls").createSecureContext()'], { encoding: 'utf8', env });
    expect(tls.stderr).toContain('extra certs');
  });
});

describe('values flags', () => {
  it('-f is repeatable and the later file wins, key by key', async () => {
    const a = values('web:\n  replicaCount: 2\n  podAnnotations:\n    from-a: "1"\n    both: a\n');
    const b = values('web:\n  replicaCount: 3\n  podAnnotations:\n    both: b\n');
    const r = await cli(['render', '-f', PINNED, '-f', a, '--values', b]);
    expect(r.stderr).toBe('');
    const web = find(parseDocs(r.stdout), 'Deployment', '-web');
    expect(web.spec.replicas).toBe(3);
    expect(web.spec.template.metadata.annotations).toMatchObject({ 'from-a': '1', both: 'b' });
  }, T);

  it('-f - reads the values from standard input', async () => {
    const r = await cli(['render', '-f', PINNED, '-f', '-'], { input: 'web:\n  replicaCount: 5\n' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(find(parseDocs(r.stdout), 'Deployment', '-web').spec.replicas).toBe(5);
  }, T);

  it('--set, --set-string, --set-json and --set-file, over the files, in Helm order', async () => {
    const file = values('line one\nline two\n', 'note.txt');
    const r = await cli([
      'render',
      '-f',
      PINNED,
      '--set',
      'web.replicaCount=4,commonAnnotations.typed=0123',
      '--set-string',
      'commonAnnotations.text=true',
      '--set-json',
      'api.podAnnotations={"json":"yes","n":"1"}',
      '--set-file',
      'commonAnnotations.file=' + file,
      // Helm applies --set-json, then --set, then --set-string, then --set-file, whatever the order given.
      '--set-string',
      'api.podLabels.order=string',
      '--set-json',
      'api.podLabels={"order":"json"}',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const objs = parseDocs(r.stdout);
    const api = find(objs, 'Deployment', '-api');
    expect(find(objs, 'Deployment', '-web').spec.replicas).toBe(4);
    expect(api.metadata.annotations).toMatchObject({ typed: '0123', text: 'true', file: 'line one\nline two\n' });
    expect(api.spec.template.metadata.annotations).toMatchObject({ json: 'yes', n: '1' });
    expect(api.spec.template.metadata.labels.order).toBe('string');
  }, T);
});

describe('--show-only', () => {
  it('prints only the documents of that template', async () => {
    const r = await cli(['render', '-f', PINNED, '--show-only', 'templates/api/deployment.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('---\n# Source: dify/templates/api/deployment.yaml\n')).toBe(true);
    expect(sources(r.stdout)).toEqual(['dify/templates/api/deployment.yaml']);
    const wanted = baseObjects.filter((_, i) => sources(base.stdout)[i] === 'dify/templates/api/deployment.yaml');
    expect(parseDocs(r.stdout)).toEqual(wanted);
  }, T);

  it('takes a pattern: every template of a component folder', async () => {
    const r = await cli(['render', '-f', PINNED, '--show-only', 'templates/api/*']);
    expect(r.code).toBe(0);
    const srcs = sources(r.stdout);
    expect(new Set(srcs).size).toBeGreaterThan(1);
    const inApi = (s: string) => s.startsWith('dify/templates/api/');
    expect(srcs.every(inApi)).toBe(true);
    const wanted = baseObjects.filter((_, i) => inApi(sources(base.stdout)[i]!));
    expect(parseDocs(r.stdout)).toEqual(wanted);
  }, T);

  it('is repeatable (-s)', async () => {
    const r = await cli(['render', '-f', PINNED, '-s', 'templates/web/service.yaml', '-s', 'templates/api/deployment.yaml']);
    expect(r.code).toBe(0);
    expect(new Set(sources(r.stdout))).toEqual(new Set(['dify/templates/web/service.yaml', 'dify/templates/api/deployment.yaml']));
  }, T);
});

describe('--output-dir', () => {
  it('writes DIR/dify/templates/<file> for every template, logs `wrote ...`, and nothing else on stdout', async () => {
    const dir = join(tempDir(), 'out');
    const r = await cli(['render', '-f', PINNED, '--output-dir', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const srcs = sources(base.stdout);
    expect(r.stdout).toBe(srcs.map((s) => `wrote ${dir}/${s}\n`).join('') + '\n');
    const root = join(dir, 'dify', 'templates');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => statSync(join(root, f)).isFile())
      .sort();
    expect(files.some((f) => f.includes('/'))).toBe(true); // component folders, as Helm writes them
    expect(readdirSync(dir)).toEqual(['dify']);
    expect(readdirSync(join(dir, 'dify'))).toEqual(['templates']);
    expect(files).toEqual([...new Set(srcs.map((s) => s.slice('dify/templates/'.length)))].sort());
    // The files hold exactly the documents stdout would print, each under its Source header.
    const joined = files.map((f) => readFileSync(join(dir, 'dify', 'templates', f), 'utf8'));
    for (const text of joined) expect(text.startsWith('---\n# Source: dify/templates/')).toBe(true);
    expect(parseDocs(joined.join('')).length).toBe(baseObjects.length);
    const byFile = (objs: K8sObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(byFile(parseDocs(joined.join('')))).toEqual(byFile(baseObjects));
  }, T);

  it('--show-only picks the files --output-dir writes', async () => {
    const dir = join(tempDir(), 'out');
    const r = await cli(['render', '-f', PINNED, '-s', 'templates/api/*', '--output-dir', dir]);
    expect(r.code).toBe(0);
    const shown = sources(base.stdout).filter((s) => s.startsWith('dify/templates/api/'));
    expect(r.stdout).toBe(shown.map((s) => `wrote ${dir}/${s}\n`).join('') + '\n');
    expect(readdirSync(join(dir, 'dify', 'templates'))).toEqual(['api']);
    expect(readdirSync(join(dir, 'dify', 'templates', 'api')).sort()).toEqual([...new Set(shown.map((s) => s.slice('dify/templates/api/'.length)))].sort());
  }, T);

  it('a failing render (schema error) leaves an existing output folder byte for byte untouched', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'dify', 'templates'), { recursive: true });
    writeFileSync(join(dir, 'dify', 'templates', 'api.yaml'), 'old render\n');
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    chmodSync(join(dir, 'keep.txt'), 0o600);
    const before = snapshot(dir);
    const r = await cli(['render', '-f', PINNED, '--set', 'api.replicaCount=many', '--output-dir', dir]);
    expectError(r, 1, [
      'Error: values.api.replicaCount: expected integer, got string "many" (from --set api.replicaCount=many); replicaCount is a whole number of pods',
    ]);
    expect(snapshot(dir)).toEqual(before);
  }, T);

  it('a failing render (`required` value missing) writes nothing; the same render with the value writes every file', async () => {
    const chart = capsChart();
    writeFileSync(join(chart, 'values.yaml'), 'greeting: hello\nhost: ""\n');
    writeFileSync(
      join(chart, 'templates', 'a-host.yaml.hbs'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: host\ndata:\n  host: {{quote (required "host is required: set --set host=..." Values.host)}}\n',
    );
    const dir = join(tempDir(), 'fresh');
    const failed = await cli(['render', '--chart', chart, '--output-dir', dir]);
    expectError(failed, 1, [`Error: ${join(chart, 'templates', 'a-host.yaml.hbs')}:6:17: host is required: set --set host=...`]);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/); // not even the folder
    const existing = tempDir();
    writeFileSync(join(existing, 'x'), 'x');
    const before = snapshot(existing);
    expect((await cli(['render', '--chart', chart, '--output-dir', existing])).code).toBe(1);
    expect(snapshot(existing)).toEqual(before);

    const ok = await cli(['render', '--chart', chart, '--set', 'host=dify.example.com', '--output-dir', dir]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`wrote ${dir}/caps/templates/a-host.yaml\nwrote ${dir}/caps/templates/caps.yaml\n\n`);
    expect(readFileSync(join(dir, 'caps', 'templates', 'a-host.yaml'), 'utf8')).toBe(
      '---\n# Source: caps/templates/a-host.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: host\ndata:\n  host: "dify.example.com"\n',
    );
    expect(readdirSync(join(dir, 'caps', 'templates')).sort()).toEqual(['a-host.yaml', 'caps.yaml']);
  }, T);

  it('a folder where a file must go fails before any file is replaced', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'dify', 'templates', 'web', 'deployment.yaml'), { recursive: true }); // a folder, not a file
    mkdirSync(join(dir, 'dify', 'templates', 'api'), { recursive: true });
    writeFileSync(join(dir, 'dify', 'templates', 'api', 'deployment.yaml'), 'old api\n');
    const before = snapshot(dir);
    const r = await cli(['render', '-f', PINNED, '--output-dir', dir]);
    expectError(r, 1, [`Error: --output-dir ${dir}: cannot write dify/templates/web/deployment.yaml: it exists and is not a regular file`]);
    expect(snapshot(dir)).toEqual(before);
  }, T);
});

describe('capabilities', () => {
  it('--kube-version and --api-versions reach .Capabilities (defaults v1.36.0, as Helm 3.21.4, and its list)', async () => {
    const chart = capsChart();
    const dflt = parseDocs((await cli(['render', 'r', '--chart', chart])).stdout)[0]!;
    expect(dflt.data).toMatchObject({ greeting: 'hello', kubeVersion: 'v1.36.0', major: '1', minor: '36' });
    expect(dflt.data.apiVersions.split(',')).toContain('apps/v1');
    const r = await cli(['render', 'r', '--chart', chart, '--kube-version', '1.31.2', '-a', 'example.com/v1', '--api-versions', 'monitoring.coreos.com/v1']);
    expect(r.stderr).toBe('');
    const cm = parseDocs(r.stdout)[0]!;
    expect(cm.data).toMatchObject({ kubeVersion: 'v1.31.2', major: '1', minor: '31' });
    expect(cm.data.apiVersions.split(',').slice(-2)).toEqual(['example.com/v1', 'monitoring.coreos.com/v1']);
  }, T);

  it("refuses a --kube-version outside Chart.yaml's kubeVersion, as Helm does", async () => {
    const r = await cli(['render', '-f', PINNED, '--kube-version', 'v1.20.0']);
    const constraint = /^kubeVersion: "?([^"\n]+)"?$/m.exec(readFileSync(join(import.meta.dirname, '..', '..', 'chart', 'Chart.yaml'), 'utf8'))![1];
    expectError(r, 1, [`Error: chart requires kubeVersion: ${constraint} which is incompatible with Kubernetes v1.20.0`]);
  }, T);
});

describe('render --lookup', () => {
  it('is refused for the shipped chart, which reads nothing from the cluster: one line, nothing on stdout', async () => {
    const r = await cli(['render', '--lookup']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: --lookup: the shipped chart reads nothing from the cluster .*credentials Job.*\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });
});

describe('help', () => {
  it('--help lists every command; render --help lists every flag with its meaning', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stderr).toBe('');
    for (const c of ['render', 'package', 'repo', 'docs', 'lint']) expect(top.stdout).toMatch(new RegExp(`^  ${c}\\b.*\\S`, 'm'));
    const r = await cli(['render', '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const flags = [
      '-f, --values <file>',
      '--set <key=val>',
      '--set-string <key=val>',
      '--set-file <key=path>',
      '--set-json <key=json>',
      '-n, --namespace <ns>',
      '-s, --show-only <path>',
      '--output-dir <dir>',
      '--kube-version <version>',
      '-a, --api-versions <version>',
      '--chart <dir>',
      '--lookup',
      '--debug',
      '-h, --help',
    ];
    for (const f of flags) {
      const line = r.stdout.split('\n').find((l) => l.trimStart().startsWith(f + ' '));
      expect(line, f).toBeDefined();
      expect(line!.slice(line!.indexOf(f) + f.length).trim().length, `${f} has a meaning`).toBeGreaterThan(5);
    }
    expect(r.stdout).toMatch(/release name \(default: "release-name"\)/);
    expect(await cli(['help', 'render'])).toMatchObject({ code: 0, stdout: r.stdout });
  }, T);
});

describe('exit codes and errors', () => {
  it('1 for a user error: one line on stderr, nothing on stdout', async () => {
    expectError(await cli(['render', '-f', '/nonexistent/values.yaml']), 1, ['Error: /nonexistent/values.yaml: no such file']);
  }, T);

  it('1 for every schema violation at once, one line each', async () => {
    const f = values('api:\n  replicaCount: -1\n  replicaCnt: 2\ndify:\n  logLevel: LOUD\n');
    expectError(await cli(['render', '-f', PINNED, '-f', f]), 1, [
      `Error: values.api.replicaCnt: unknown key (from ${f}:3:3); did you mean "replicaCount"?`,
      `Error: values.api.replicaCount: must be >= 0, got number -1 (from ${f}:2:3); replicaCount is a whole number of pods`,
      `Error: values.dify.logLevel: must be one of "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", got string "LOUD" (from ${f}:5:3)`,
    ], true);
  }, T);

  it('names the file or flag of a null that removed a required default, and of the nulls a --set index pads with', async () => {
    const f = values('api:\n  resources: null\n');
    expectError(await cli(['render', '-f', PINNED, '-f', f]), 1, [
      `Error: values.api.resources: required (set to null by ${f}:2:3, which removes the chart's default)`,
    ]);
    // A --set-json that nulls one key may carry a credential in another: the flag is named without its text.
    const leak = await cli(['render', '-f', PINNED, '--set-json', 'dify.secretKey={"value":"s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-12","existingSecret":null}']);
    expect(leak.stderr).toContain('set to null by --set-json dify.secretKey, which');
    expect(leak.stderr).not.toContain('s3cr3t');
    expectError(await cli(['render', '-f', PINNED, '--set', 'api.extraEnv[1].name=A,api.extraEnv[1].value=b']), 1, [
      'Error: values.api.extraEnv[0]: expected object, got null (from --set api.extraEnv[1].name=A)',
    ]);
  }, T);

  it('lists at most 20 violations and counts the rest', async () => {
    expectError(await cli(['render', '-f', PINNED, '--set', 'global.imagePullSecrets[30].name=x']), 1, [
      ...Array.from({ length: 20 }, (_, i) => `Error: values.global.imagePullSecrets[${i}]: expected object, got null (from --set global.imagePullSecrets[30].name=x)`),
      'Error: ... and 10 more',
    ]);
  }, T);

  it('2 for usage errors: unknown flag, missing flag argument, bad release name, extra argument, unknown command', async () => {
    expectError(await cli(['render', '--bogus']), 2, ["Error: unknown option '--bogus'"]);
    expectError(await cli(['render', '--sett', 'a=1']), 2, ["Error: unknown option '--sett' (did you mean --set?)"]);
    expectError(await cli(['render', '-f']), 2, ["Error: option '-f, --values <file>' argument missing"]);
    expectError(await cli(['render', 'My_Release']), 2, [`Error: release name "My_Release" is invalid: use at most 53 lowercase letters, digits, '-' and '.', starting and ending alphanumeric`]);
    expectError(await cli(['render', 'a', './chart', 'c']), 2, ["Error: too many arguments for 'render'. Expected 2 arguments but got 3."]);
    expectError(await cli(['rendr']), 2, ["Error: unknown command 'rendr' (did you mean render?)"]);
  }, T);

  it('a usage error wins over a values error (exit 2)', async () => {
    expectError(await cli(['render', '--set', 'api.replicaCount=x', '--kube-version', 'banana']), 2, [
      'Error: --kube-version: invalid kube version \'banana\': could not parse "banana" as version',
    ]);
  }, T);

  it('--debug adds nothing to a user error', async () => {
    const plain = await cli(['render', '-f', PINNED, '--set', 'api.replicaCount=x']);
    const debug = await cli(['render', '-f', PINNED, '--set', 'api.replicaCount=x', '--debug']);
    expect(debug).toEqual(plain);
    expect(plain.code).toBe(1);
  }, T);
});
