/**
 * Where real `helm template` fails, `dify-chart render` fails too, and its one line carries Helm's
 * message text: `required` and `fail` (with `%` in the text, which Helm 3.17+ prints as is), the
 * dify chart's own refusals, and values the schema refuses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { CHART, cli, PINNED, tempDir } from '../cli/run.js';
import { HELM_MAJORS, helmErrors, helmOrSkip, helmTemplate } from '../support/helm.js';

const haveHelm = helmOrSkip();
let dir = '';
let small = '';
let smallTgz = '';
let difyTgz = '';
let kinds = '';
let kindsTgz = '';

/**
 * Go's refusals of comparisons, index, range and fields: each case a value of `case` selecting one
 * expression, with --set flags of its own where it needs values the chart's defaults do not have.
 */
const KIND_CASES: [string, string, string, string[]?][] = [
  ['eqKinds', '{{eq Values.f "x"}}', 'error calling eq: incompatible types for comparison: float64 and string'],
  ['eqLists', '{{ne Values.l Values.l}}', 'error calling ne: non-comparable type [a b]: []interface {}'],
  ['ltBools', '{{lt true false}}', 'error calling lt: invalid type for comparison'],
  ['ltNil', '{{ge Values.nope Values.f}}', 'error calling ge: invalid type for comparison'],
  ['indexByString', '{{index Values.l "1"}}', 'error calling index: cannot index slice/array with type string'],
  ['indexPastString', '{{index "abc" 3}}', 'error calling index: reflect: string index out of range'],
  ['indexFloat', '{{index Values.f 0}}', "error calling index: can't index item of type float64"],
  ['indexMapByNil', '{{index Values.m Values.nope}}', 'error calling index: value is nil; should be of type string'],
  ['rangeFalse', '{{#each Values.flag}}x{{else}}none{{/each}}', "range can't iterate over false"],
  ['rangeEmptyString', '{{#each Values.empty}}x{{/each}}', "range can't iterate over "],
  ['fieldOfString', '{{Values.s.x}}', "can't evaluate field x in type string"],
  ['fieldLengthOfList', '{{Values.l.length}}', "can't evaluate field length in type []interface {}"],
  ['fieldOfElement', '{{#each Values.l}}{{this.x}}{{/each}}', "can't evaluate field x in type interface {}"],
  ['fieldOfNilElement', '{{#each (list Values.nope)}}{{this.x}}{{/each}}', 'nil pointer evaluating interface {}.x'],
  ['fieldOfFalseDot', '{{include "k.field" Values.flag}}', "can't evaluate field x in type bool"],
  // A path through maps values.yaml declares is read plain in Go (no `default dict`): nil or a scalar
  // where a declared map was fails, here as a field of a map's value (an interface).
  ['plainThroughNull', '{{Values.d.a.b}}', 'nil pointer evaluating interface {}.b', ['d.a=null']],
  ['plainThroughDeleted', '{{Values.d.a.b}}', 'nil pointer evaluating interface {}.a', ['d=null']],
  ['plainThroughFalse', '{{Values.d.a.b}}', "can't evaluate field b in type interface {}", ['d.a=false']],
  ['dictFieldThroughNull', '{{include "k.cab" (dict "c" Values.d)}}', 'nil pointer evaluating interface {}.b', ['d.a=null']],
  ['withThroughZero', '{{#with Values.d}}{{a.b}}{{/with}}', "can't evaluate field b in type interface {}", ['d.a=0']],
  ['fieldOfReleaseName', '{{Release.Name.x}}', "can't evaluate field x in type interface {}"],
  // Capabilities is a Go struct: a field of its field's value names that value's own type.
  ['fieldOfCapability', '{{Capabilities.KubeVersion.Major.x}}', "can't evaluate field x in type string"],
  // A key that is not an identifier is read with `index`, which fails with its own words; what it
  // returns is a value of its own type.
  ['indexStepOfNil', '{{Values.dm.[a-b].c}}', 'error calling index: index of untyped nil', ['dm=null']],
  ['indexStepOfString', '{{Values.dm.[a-b].c}}', 'error calling index: cannot index slice/array with type string', ['dm=s']],
  ['fieldAfterIndexStep', '{{Values.dm.[a-b].c}}', "can't evaluate field c in type int64", ['dm.a-b=0']],
  ['safeIndexStepOfNumber', '{{Values.nope.[a-b].c}}', "error calling index: can't index item of type int64", ['nope=1']],
];

beforeAll(async () => {
  dir = tempDir('dify-errors-');
  small = join(dir, 'errs');
  mkdirSync(join(small, 'templates'), { recursive: true });
  writeFileSync(join(small, 'Chart.yaml'), 'apiVersion: v2\nname: errs\nversion: 0.1.0\n');
  writeFileSync(join(small, 'values.yaml'), 'need: ""\nboom: false\nnum: ""\n');
  writeFileSync(join(small, 'values.schema.json'), '{"type":"object"}\n');
  writeFileSync(join(small, 'templates', 'a.yaml.hbs'), 'x: {{quote (required "100% needed: set need (it is 50%s of it)" Values.need)}}\n');
  writeFileSync(join(small, 'templates', 'c.yaml.hbs'), 'z: {{quote (lower Values.num)}}\n');
  writeFileSync(join(small, 'templates', 'b.yaml.hbs'), '{{#if Values.boom}}{{fail "boom at 99% and %d"}}{{/if}}\ny: 1\n');
  kinds = join(dir, 'kinds');
  mkdirSync(join(kinds, 'templates'), { recursive: true });
  writeFileSync(join(kinds, 'Chart.yaml'), 'apiVersion: v2\nname: kinds\nversion: 0.1.0\n');
  writeFileSync(join(kinds, 'values.yaml'), 'case: ""\nf: 0.5\nl: [a, b]\nm: {a: 1}\nflag: false\nempty: ""\ns: abc\nd: {a: {b: 1}}\ndm: {"a-b": {c: 1}}\n');
  writeFileSync(join(kinds, 'templates', '_k.hbs'), '{{#*inline "k.field"}}{{x}}{{/inline}}\n{{#*inline "k.cab"}}{{c.a.b}}{{/inline}}\n');
  writeFileSync(join(kinds, 'templates', 'k.yaml.hbs'), `k: |\n  ${KIND_CASES.map(([name, expr]) => `{{#if (eq Values.case "${name}")}}${expr}{{/if}}`).join('')}\n`);
  for (const [chartDir, set] of [[small, (t: string) => (smallTgz = t)], [CHART, (t: string) => (difyTgz = t)], [kinds, (t: string) => (kindsTgz = t)]] as const) {
    const archive = await packageChart({ chartDir });
    const tgz = join(dir, `${archive.fileName}`);
    writeFileSync(tgz, archive.bytes);
    set(tgz);
  }
}, 120_000);

/** The text after `Error: ` of Helm's first error line, checked to be the same in both Helms. */
async function helmMessage(tgz: string, valueFiles: string[], set: string[]): Promise<string> {
  const messages: string[] = [];
  for (const major of HELM_MAJORS) {
    const r = await helmTemplate(major, tgz, valueFiles, { set });
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toBe('');
    const m = /^Error: (.*)$/m.exec(helmErrors(r.stderr));
    expect(m, r.stderr).not.toBeNull();
    messages.push(m![1]!);
  }
  return messages[0]!;
}

/** The message of an execution error, without Helm's `execution error at (file:line:col): ` prefix. */
const withoutLocation = (m: string) => m.replace(/^execution error at \([^)]*\): /, '');

describe.skipIf(!haveHelm)('failures agree with real Helm', () => {
  it.each([
    ['required, with % in its text', [] as string[], '100% needed: set need (it is 50%s of it)'],
    ['fail, with % and %d in its text', ['need=x', 'boom=true'], 'boom at 99% and %d'],
    ['a number where Go wants a string', ['need=x', 'num=5'], 'wrong type for value; expected string; got int64'],
  ])('%s', async (_name, set, text) => {
    const message = withoutLocation(await helmMessage(smallTgz, [], set));
    expect(message.endsWith(text), message).toBe(true);
    expect(message.startsWith('template: ') || message === text).toBe(true);
    const r = await cli(['render', '--chart', small, ...set.flatMap((s) => ['--set', s])]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(text);
  });

  it("the dify chart's own refusal (an Ingress no route reaches)", async () => {
    const file = join(dir, 'no-route.yaml');
    writeFileSync(file, 'ingress:\n  enabled: true\nweb:\n  enabled: false\nroutes:\n  - path: /\n    component: web\n');
    const message = withoutLocation(await helmMessage(difyTgz, [PINNED, file], []));
    expect(message).toMatch(/^ingress\.enabled: no route of the routing table/);
    const r = await cli(['render', '-f', PINNED, '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  });

  it("the dify chart's own refusal (a label in both commonLabels and a component's podLabels)", async () => {
    const file = join(dir, 'label-twice.yaml');
    writeFileSync(file, 'commonLabels:\n  team: a\napi:\n  podLabels:\n    team: b\n');
    const message = withoutLocation(await helmMessage(difyTgz, [PINNED, file], []));
    expect(message).toBe('the podLabels of api repeat team of commonLabels: give a label in one of them');
    const r = await cli(['render', '-f', PINNED, '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it('the chart kubeVersion check', async () => {
    const message: (string | undefined)[] = [];
    for (const major of HELM_MAJORS) message.push(/^Error: (.*)$/m.exec((await helmTemplate(major, difyTgz, [PINNED], { kubeVersion: '1.28.9' })).stderr)?.[1]);
    expect(message[0]).toBe('chart requires kubeVersion: >=1.29.0-0 which is incompatible with Kubernetes v1.28.9');
    expect(message[1]).toBe(message[0]);
    const r = await cli(['render', '-f', PINNED, '--kube-version', '1.28.9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message[0]!);
  });

  it.each(KIND_CASES)('Go refuses the types of %s', async (name, _expr, text, sets = []) => {
    const message = await helmMessage(kindsTgz, [], [`case=${name}`, ...sets]);
    expect(message.endsWith(text), message).toBe(true);
    const r = await cli(['render', '--chart', kinds, '--set', `case=${name}`, ...sets.flatMap((s) => ['--set', s])]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd().endsWith(text.trimEnd()), r.stderr).toBe(true);
  });
});
