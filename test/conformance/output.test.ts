/**
 * The output check against real Helm: a rendered document Helm's SortManifests cannot read
 * (sigs.k8s.io/yaml.Unmarshal into releaseutil.SimpleHead) fails `dify-chart render` too, and one
 * it reads is printed as Helm prints it. Each case is a chart of one template, rendered by
 * dify-chart from its folder and by both Helms from its archive, with the same values file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { cli, tempDir } from '../cli/run.js';
import { HELM_MAJORS, helmErrors, helmOrSkip, helmTemplate, normalizeHelm4 } from '../support/helm.js';

const haveHelm = helmOrSkip();
let dir = '';

/** [case, template, values file, words of Helm's error (null: Helm prints it), words of ours] */
const CASES: [string, string, string, string | null, string][] = [
  ['a value ending in a backslash inside double quotes', 'k: "{{Values.p}}"\nj: "b"\n', "p: 'dir\\'\n", 'did not find expected key', ''],
  ['null as a key', '{{Values.k}}: 1\n', 'k: "null"\n', 'unsupported map key of type: %!s(<nil>)', 'a map key cannot be null'],
  ['~ as a key', '{{Values.k}}: 1\n', 'k: "~"\n', 'unsupported map key of type: %!s(<nil>)', 'a map key cannot be null'],
  ['a number past int64 as a key', '{{Values.k}}: 1\n', 'k: "12345678901234567890"\n', 'unsupported map key of type: uint64', 'unsupported map key'],
  ['a flow map as a key of a value', 'k: {"a":1}: 2\n', '', 'mapping values are not allowed in this context', ''],
  ['a flow list as an explicit key', '? [a]\n: 1\n', '', 'invalid map key', 'a map or list cannot be a map key'],
  ['a flow map made by escaped braces', 'k: \\{{x}}\n', '', 'invalid map key', 'a map or list cannot be a map key'],
  ['a wrongly tagged scalar', 'k: !!int abc\n', '', 'cannot decode !!str `abc` as a !!int', 'cannot decode !!str `abc` as a !!int'],
  ['a lone surrogate escape', 'k: "\\ud83d"\n', '', 'found invalid Unicode character escape code', 'found invalid Unicode character escape code'],
  ['printf printing %!s(MISSING) as a later document', 'a: 1\n---\n{{printf "%s"}}\n', '', 'could not find expected directive name', 'could not find expected directive name'],
  ['a %YAML directive as a later document', 'a: 1\n---\n%YAML 1.1\n---\nb: 1\n', '', 'did not find expected <document start>', 'did not find expected <document start>'],
  ['a kind key in capitals holding a list', 'KIND: [a]\n', '', 'json: cannot unmarshal array into Go struct field SimpleHead.kind of type string', 'json: cannot unmarshal array into Go struct field SimpleHead.kind of type string'],
  ['a top-level double-quoted value continued at column 0', 'description: "{{Values.d}}"\n', 'd: "line1\\nline2"\n', null, ''],
  ['a top-level single-quoted value continued at column 0', "description: '{{Values.d}}'\n", 'd: "line1\\nline2"\n', null, ''],
  ['a nested quoted value continued less deep than its key', 'a:\n  b: "{{Values.d}}"\n  c: 1\n', 'd: "x\\n  y\\nz"\n', null, ''],
  ['a single-quoted value whose line ends in an escaped quote, continued at column 0', "a: '{{Values.d}}'\n", "d: \"a''\\nb\"\n", null, ''],
  ['a document marker inside a value whose line ends in \\"', 'a: "x\\"\n...\n"\n', '', 'found unexpected document indicator', 'found unexpected document indicator'],
  // U+2029 (PS) breaks the line to go-yaml: the kind after it is read, and the document sorted by it.
  ['a kind after a PS line break, sorted by it', 'kind: Secret\n---\na: |+\n  x\n{{Values.p}}kind: Namespace\n', 'p: "\\u2029"\n', null, ''],
  ['a kind key in another case, sorted by its kind', 'Kind: Namespace\n---\nkind: ConfigMap\n---\nkinD: Secret\n', '', null, ''],
];

const charts = new Map<string, { folder: string; tgz: string; values: string }>();

beforeAll(async () => {
  dir = tempDir('dify-output-');
  for (const [i, [name, template, values]] of CASES.entries()) {
    const folder = join(dir, `c${i}`);
    mkdirSync(join(folder, 'templates'), { recursive: true });
    writeFileSync(join(folder, 'Chart.yaml'), `apiVersion: v2\nname: c${i}\nversion: 0.1.0\n`);
    writeFileSync(join(folder, 'values.yaml'), '');
    writeFileSync(join(folder, 'values.schema.json'), '{"type":"object"}\n');
    writeFileSync(join(folder, 'templates', 'x.yaml.hbs'), template);
    const valuesFile = join(dir, `v${i}.yaml`);
    writeFileSync(valuesFile, values);
    const archive = await packageChart({ chartDir: folder });
    const tgz = join(dir, archive.fileName);
    writeFileSync(tgz, archive.bytes);
    charts.set(name, { folder, tgz, values: valuesFile });
  }
}, 120_000);

describe.skipIf(!haveHelm)('the output check agrees with real Helm', () => {
  it.each(CASES)('%s', async (name, _template, _values, helmWords, ours) => {
    const c = charts.get(name)!;
    const r = await cli(['render', 'r', '--chart', c.folder, '-f', c.values]);
    for (const major of HELM_MAJORS) {
      const h = await helmTemplate(major, c.tgz, [c.values], { release: 'r' });
      if (helmWords === null) {
        expect(h.code, h.stderr).toBe(0);
        expect(r.stderr).toBe('');
        expect(r.stdout, `helm ${major}`).toBe(major === 3 ? h.stdout : normalizeHelm4(h.stdout));
      } else {
        expect(h.code).toBe(1);
        expect(helmErrors(h.stderr)).toMatch(/^Error: YAML parse error on c\d+\/templates\/x\.yaml: /);
        expect(h.stderr).toContain(helmWords);
      }
    }
    if (helmWords === null) return;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^Error: template c\d+\/templates\/x\.yaml produced invalid YAML: ./);
    expect(r.stderr).toContain(ours);
  });
});
