/**
 * The output check's fast path (src/render/yamlhead.ts) against go-yaml itself: whatever the line
 * scanner accepts, sigs.k8s.io/yaml (Helm's reader, through the Helm oracle, test/support/oracle.ts) must read without
 * error, as a mapping whose kind is the one the scanner reports and whose head has Helm's shape.
 * Random documents are built from line fragments chosen to sit on the edges of the subset.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertParses, hookText, orderManifests, splitManifests, manifestKind as kindOf } from '../../src/render/manifests.js';
import { compileChart, renderChartText } from '../../src/render/release.js';
import { scanHead, simpleHeadOk } from '../../src/render/yamlhead.js';
import { buildValues } from '../../src/values/index.js';
import { turn } from '../support/exec.js';
import { oracleForTests, seededRandom } from '../support/oracle.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'chart');
const SCHEMA = join(ROOT, 'chart', 'values.schema.json');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'values');

const oracle = oracleForTests();

/** What Helm's SimpleHead needs, checked on go-yaml's reading (as JSON). */
function headProblem(json: string, kind: string): string | undefined {
  const doc = JSON.parse(json) as unknown;
  if (doc === null) return kind === '' ? undefined : `null document, kind scan "${kind}"`;
  if (typeof doc !== 'object' || Array.isArray(doc)) return 'not a mapping';
  const top = doc as Record<string, unknown>;
  const isText = (v: unknown) => v === undefined || v === null || typeof v !== 'object';
  if (!isText(top.kind) || !isText(top.apiVersion)) return 'kind/apiVersion not scalar';
  if ((top.kind ?? '') !== kind && String(top.kind ?? '') !== kind) return `kind ${JSON.stringify(top.kind)} vs scan "${kind}"`;
  const meta = top.metadata;
  if (meta === undefined || meta === null) return undefined;
  if (typeof meta !== 'object' || Array.isArray(meta)) return 'metadata not a mapping';
  const m = meta as Record<string, unknown>;
  if (!isText(m.name)) return 'metadata.name not scalar';
  const ann = m.annotations;
  if (ann === undefined || ann === null) return undefined;
  if (typeof ann !== 'object' || Array.isArray(ann)) return 'annotations not a mapping';
  return Object.values(ann).every(isText) ? undefined : 'annotation value not scalar';
}

/** Runs the documents the scan is sure of through go-yaml, holding it to the kind it read; returns the failures. */
async function disagreements(docs: string[]): Promise<string[]> {
  const accepted = docs.filter((d) => scanHead(d) !== undefined);
  if (accepted.length === 0) return [];
  const read = await oracle!.multi(accepted);
  const out: string[] = [];
  accepted.forEach((d, i) => {
    const r = read[i]!;
    if ('error' in r) {
      out.push(`accepted but go-yaml refuses (${r.error}):\n${d}`);
      return;
    }
    const root = r.nodes.find((n) => n.path.length === 0);
    const problem = root ? headProblem(root.json || 'null', scanHead(d)!.kind) : 'no root node';
    if (problem) out.push(`accepted but ${problem}:\n${d}`);
  });
  return out;
}

const KEYS = ['a', 'kind', 'apiVersion', 'metadata', 'name', 'annotations', 'b.c/d-e', '1', 'on', 'y'];
const VALUES = [
  '', 'x', 'Deployment', 'Service', 'v1', '"q"', '"a\\x41\\u00e9\\U0001F600"', '"\\uD800"', '"\\U00110000"', '"\\q"', '"\\/ \\e \\N \\_ \\L \\P \\0"',
  '"unterminated', "'it''s'", "'bad' x", '{}', '[]', '{a: 1}', '[1, 2]', '|', '|-', '>+', '|2', '# c', 'x # c', 'x#c', 'a: b', 'a:', 'a:b',
  '-1', '- x', '-', '&anc x', '*anc', '!!str x', '%x', '@x', '`x', '?x', ':x', ',x', ']x', '~', 'null', '.inf', '-.Inf', '.NaN', '+.INF', '"\\\'"', '0x1F', '2001-01-01', 'yes',
  'a, b', 'x  ', '\u00e9\u00e8', '\u0085', '\u2028', '\ufeff', 'a\tb', 'é: x',
];
const LINE_SHAPES: ((k: string, v: string) => string)[] = [
  (k, v) => `${k}:${v === '' ? '' : ' ' + v}`,
  (_k, v) => `-${v === '' ? '' : ' ' + v}`,
  (k, v) => `- ${k}:${v === '' ? '' : ' ' + v}`,
  (_k, v) => v,
  () => '# comment',
  () => '',
  () => '...',
  () => '- - x',
  (k) => `"${k}": x`,
  (k) => `${k} : x`,
  (_k, v) => `-  ${v}`,
];

function randomDoc(rand: () => number): string {
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const lines: string[] = [];
  const n = 1 + Math.floor(rand() * 8);
  let indent = 0;
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.3) indent += 2;
    else if (r < 0.5) indent = Math.max(0, indent - 2);
    else if (r < 0.55) indent += 1;
    else if (r < 0.6) indent = 0;
    lines.push(' '.repeat(indent) + pick(LINE_SHAPES)(pick(KEYS), pick(VALUES)));
  }
  return lines.join('\n');
}

describe.runIf(oracle)('the fast output check never accepts what go-yaml refuses', () => {
  it('holds on 40,000 random documents built from edge-case lines', async () => {
    const rand = seededRandom(20261124);
    const docs = Array.from({ length: 40000 }, () => randomDoc(rand));
    const accepted = docs.filter((d) => scanHead(d) !== undefined).length;
    // Enough of them must be accepted for the comparison to mean something.
    expect(accepted).toBeGreaterThan(1000);
    expect(await disagreements(docs)).toEqual([]);
  });

  it('holds on hand-picked edges, and refuses the ones go-yaml refuses', async () => {
    const docs = [
      'kind: Deployment\nmetadata:\n  name: x\n  annotations:\n    a: |\n      text\n    b: "q"\nspec:\n- a\n- b: c\n  d:\n  - e\n',
      'a: |\n    more\n  less\n',
      'a: |\n\n      x\n   y\n',
      'a:\n- x\nb:\n  - y\n  -\n    z: 1\n',
      'kind: y\n',
      'kind: Pod\nkind: Service\n',
      'metadata:\n  annotations:\n    a:\n      b: c\n',
      'a: "\\x41\\u00e9"\n',
      'a: "\\ud800"\n',
      'a: x\n  b: y\n',
      // Quoted scalars as the scan reads them itself (no escapes) or hands to its regular expressions.
      "a: 'x\\y'\n", "a: '''\n", "a: ''''\n", "a: ''\n", 'a: ""\n', 'a: "a"#c\n', 'a: "a" #c\n', 'a: "a"b\n', "a: 'a''b' # c\n", 'a: "x\\"y"\n', "a: 'x'y'\n",
    ];
    expect(await disagreements(docs)).toEqual([]);
    expect(simpleHeadOk(docs[0]!, 'Deployment')).toBe(true);
    expect(simpleHeadOk('kind: Pod\nkind: Service\n', 'Service')).toBe(true);
    for (const refused of [docs[1], docs[6], docs[8], docs[9]]) expect(simpleHeadOk(refused!, kindOf(refused!))).toBeUndefined();
  });

  it('reads no kind go-yaml would not read as that string', () => {
    for (const v of ['null', 'Null', 'NULL', 'true', 'False', 'yes', 'No', 'on', 'OFF', 'y', 'n', '~']) {
      expect(scanHead(`kind: ${v}\nmetadata:\n  name: x`), v).toBeUndefined();
    }
    expect(scanHead('kind: Deployment\nkind: Service')?.kind).toBe('Service');
    expect(scanHead('apiVersion: v1')?.kind).toBe('');
  });

  it('reads a kind ending in non-ASCII spaces as go-yaml does: as part of the kind', async () => {
    const docs = ['kind: Namespace\u00a0\n', 'kind: Pod\u3000\nmetadata:\n  name: x\n', 'kind: "Pod\u00a0"\n', 'kind: Pod  \n', 'kind: Pod\u2009 # c\n'];
    const read = await oracle!.multi(docs);
    docs.forEach((d, i) => {
      const r = read[i]!;
      if ('error' in r) throw new Error(`${JSON.stringify(d)}: ${r.error}`);
      const root = r.nodes.find((n) => n.path.length === 0)!;
      const goKind = (JSON.parse(root.json) as { kind?: string }).kind ?? '';
      expect(scanHead(d)?.kind ?? kindOf(d), JSON.stringify(d)).toBe(goKind);
    });
    // Sorted as Helm sorts it: an unknown kind, after every known one.
    const files = ['ConfigMap', 'Namespace\u00a0'].map((k, i) => ({ path: `c/templates/${i}.yaml`, content: `apiVersion: v1\nkind: ${k}\nmetadata:\n  name: x\n` }));
    expect(orderManifests([...files].reverse()).map((m) => m.kind)).toEqual(['ConfigMap', 'Namespace\u00a0']);
  });

  it('reads the helm.sh/hook annotation as the YAML parse does, wherever it is sure', () => {
    const values = ['pre-install', 'pre-install,pre-upgrade', '"post-install"', "'pre-delete'", "'it''s'", '"a\\u0041"', 'true', 'yes', '1', '~', '',
      '|', 'pre-install # c', '"x" # c', '{}', '[a]', 'pre-install ,  post-install'];
    let sure = 0;
    for (const v of values) {
      for (const extra of ['', '\n    helm.sh/hook: post-delete', '\n    other: x']) {
        const doc = `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: m\n  annotations:\n    helm.sh/hook:${v === '' ? '' : ' ' + v}${extra}\nspec: {}`;
        const byParse = hookText(doc, false);
        expect({ v, extra, text: hookText(doc) }).toEqual({ v, extra, text: byParse });
        if (scanHead(doc)?.kind === 'Job') sure++;
      }
    }
    expect(sure).toBeGreaterThan(20);
    // Not under metadata.annotations, it is no hook.
    expect(hookText('kind: ConfigMap\ndata:\n  helm.sh/hook: pre-install')).toBeUndefined();
  });

  it('the full check behind it refuses, as go-yaml does, what a laxer YAML reader would let through', async () => {
    const docs = ['a: "x\\/y"', 'a: "x\\\\/y"', 'a: .inf', 'a:\n- -.Inf', '.inf: 1', 'a: ".inf"', 'a: .NaN', 'a: .nan'];
    const read = await oracle!.multi(docs);
    docs.forEach((content, i) => {
      let ours = true;
      try {
        assertParses({ source: 't', content, kind: '' });
      } catch {
        ours = false;
      }
      expect({ content, parses: ours }).toEqual({ content, parses: !('error' in read[i]!) });
    });
  });

  it('takes every document of every fixture, each of which go-yaml reads as accepted', async () => {
    const docs: string[] = [];
    const chart = compileChart(CHART);
    for (const f of readdirSync(FIXTURES).filter((x) => x.endsWith('.yaml'))) {
      const { values } = buildValues({ chartDir: CHART, schemaPath: SCHEMA, valueFiles: [join(FIXTURES, f)], set: [], setString: [], setFile: [], setJson: [] });
      const text = renderChartText(chart, values, { name: 'fast', namespace: 'default' });
      docs.push(...splitManifests(text).map((d) => d.replace(/^# Source: .*\n/, '')));
      await turn(); // dozens of renders in-process: let vitest's worker answer its RPC between them
    }
    const slow = docs.filter((d) => simpleHeadOk(d, kindOf(d)) !== true);
    expect(slow).toEqual([]);
    expect(await disagreements(docs)).toEqual([]);
  }, 120_000);
});

describe.runIf(oracle)('the line scan holds every unit to what go-yaml reads as printable', () => {
  // Where a unit can sit on a line the scan accepts; each place is tried with every unit below.
  const PLACES: ((x: string) => string)[] = [
    (x) => `kind: Pod\nmetadata:\n  name: a${x}b\n`,
    (x) => `kind: Pod\ndata:\n  k: "a${x}b"\n`,
    (x) => `kind: Pod\ndata:\n  k: 'a${x}b'\n`,
    (x) => `kind: Pod\ndata:\n  k${x}: v\n`,
    (x) => `kind: Pod\n# a${x}b\ndata: {}\n`,
    (x) => `kind: Pod\ndata:\n  k: "v" # a${x}b\n`,
    (x) => `kind: Pod\ndata:\n  k: |\n    line\n    a${x}b\n`,
    (x) => `kind: Pod\ndata:\n  k: |\n    a${x}b`,
    (x) => `kind: Pod\ndata:\n  - a${x}b\n`,
    (x) => `kind: Pod\ndata:\n  - k: a${x}b\n`,
    (x) => `kind: Pod\n  ${x === 'z' ? '' : x}\ndata: {}\n`, // a blank line's indentation
    (x) => `kind: Pod\ndata: a${x}`,
  ];
  it('sends a document holding a unit go-yaml refuses to the slow path, wherever it sits', () => {
    const refused = ['\x00', '\x01', '\x08', '\t', '\x0b', '\x0c', '\r', '\x1f', '\x7f', '\x80', '\x85', '\x9f', '\u2028', '\u2029', '\ud800', '\udfff', '\ufeff', '\ufffe', '\uffff'];
    for (const place of PLACES) {
      for (const x of refused) expect(scanHead(place(x)), JSON.stringify(place(x))).toBeUndefined();
      // The same place with a plain letter is accepted, so it is the unit that was refused.
      expect(scanHead(place('z')), JSON.stringify(place('z'))).toEqual({ kind: 'Pod', hook: undefined });
    }
  });

  it('accepts the printable units beyond ASCII, as go-yaml reads them', async () => {
    const docs = ['\u00a0', '\u00e9', '\u2027', '\u202a', '\ud7ff', '\ue000', '\ufefe', '\uff00', '\ufffd'].flatMap((x) => PLACES.map((place) => place(x)));
    const accepted = docs.filter((d) => scanHead(d) !== undefined);
    expect(accepted.length).toBeGreaterThan(docs.length / 2);
    expect(await disagreements(docs)).toEqual([]);
  });
});

describe('the line scan on documents of any size', () => {
  it('reads a document larger than its scratch space, and a small one after it, alike', () => {
    const small = 'kind: Secret\nmetadata:\n  name: s\n  annotations:\n    helm.sh/hook: pre-install\n';
    const big = `${small}data:\n${'  k: v\n'.repeat(400_000)}`;
    expect(scanHead(big)).toEqual({ kind: 'Secret', hook: 'pre-install' });
    expect(scanHead(`${big}  bad: [\n`)).toBeUndefined();
    expect(scanHead(small)).toEqual({ kind: 'Secret', hook: 'pre-install' });
    expect(scanHead('kind: Pod\n  x: 1\n')).toBeUndefined();
  });
});
