/**
 * Values merge exactly as real Helm merges them: chart defaults, -f files in order, --set,
 * --set-string, --set-json, --set-literal and --set-file, nulls from either side, typed numbers.
 * A chart that prints `.Values` as JSON is rendered by `dify-chart render` and by `helm template`
 * of its archive with the same flags.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { cli, tempDir } from '../cli/run.js';
import { helm, HELM_MAJORS, normalizeHelm4 } from '../support/helm.js';
import { helmOrSkip } from '../support/helm.js';

const haveHelm = helmOrSkip();
let dir = '';
let chart = '';
let tgz = '';

const DEFAULTS = `a: 1
str: s
list: [1, 2]
m:
  z: 1
nested:
  keep: null
  x: "y"
  deep:
    k: v
`;

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(async () => {
  dir = tempDir('dify-values-');
  chart = join(dir, 'vals');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: vals\nversion: 0.1.0\n');
  writeFileSync(join(chart, 'values.yaml'), DEFAULTS);
  writeFileSync(join(chart, 'values.schema.json'), '{"type":"object"}\n');
  writeFileSync(join(chart, 'templates', 'v.yaml.hbs'), 'v: {{quote (toJson Values)}}\nkeep: {{#if Values.nested}}{{hasKey Values.nested "keep"}}{{/if}}\n');
  const archive = await packageChart({ chartDir: chart });
  tgz = join(dir, archive.fileName);
  writeFileSync(tgz, archive.bytes);
}, 120_000);

/** [case, flags given to both; files are made first] */
const CASES: [string, () => string[]][] = [
  ['defaults alone', () => []],
  ['a null given for a key the chart also sets to null', () => ['-f', file('both-null-keep.yaml', 'nested:\n  keep: null\n')]],
  ['a null deletes a chart map', () => ['-f', file('del.yaml', 'nested: null\nm:\n  z: null\n  y: 2\n')]],
  ['-f files in order: maps merge, lists replace, later wins', () => ['-f', file('a.yaml', 'a: 2\nlist: [x]\nm: {q: 1}\n'), '-f', file('b.yaml', 'a: 3\nm: {z: 9}\n')]],
  ['--set with index, nesting, types and null', () => ['--set', 'a=2,list[1]=x,new.k=true,n=null,big=12345678901234567890,f=1.50,nested.keep=0']],
  ['--set-string', () => ['--set-string', 'a=007,b=true']],
  ['--set-json', () => ['--set-json', 'm={"q":[1,{"r":null}],"z":null}', '--set-json', 'list=[true,"s",1.5e6]']],
  ['--set-literal', () => ['--set-literal', 'str=a,b=c\\,d{x}']],
  ['--set-file', () => ['--set-file', `str=${file('text.txt', 'line 1\nline 2\n')}`]],
  ['numbers of a values file', () => ['-f', file('nums.yaml', 'n: [1000000, 1e6, 0.1, 12345678901234567890, -0, 0x1F, 010, 1_000, .5]\n')]],
  ['YAML 1.1 words and timestamps', () => ['-f', file('words.yaml', 'w: [yes, no, on, off, y, n, ~, 2001-12-14, "2001-12-14"]\n')]],
  // A '.' float ParseFloat reads out of range stays a string; a float key beyond float32 is `.inf`.
  ['overflowing floats: a value, and keys', () => ['-f', file('overflow.yaml', 'ov: .1e400\nkeys:\n  1e300: x\n  -1e39: y\n  .5: z\n')]],
  ['anchors and merge keys', () => ['-f', file('anchors.yaml', 'base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n')]],
  // Thousands of aliases and merges of one anchor, then of the same name anchored again (an alias takes the last before it).
  ['4,000 aliases and merge keys of one anchor, then of it anchored again', () => ['-f', file('many-aliases.yaml', `base: &b {x: 1, y: [2, 3]}\nlist:\n${'- *b\n'.repeat(2000)}m:\n${Array.from({ length: 2000 }, (_, i) => `  k${i}: {<<: *b, y: ${i}}\n`).join('')}again: &b [4]\nafter: [*b, *b]\n`)]],
  // go-yaml merges a `<<` key tagged !!merge or ! (quoted too), not a quoted one without a tag.
  ['merge keys tagged !!merge or !', () => ['-f', file('merge-tags.yaml', 'm:\n  !!merge <<: {a: 1}\n  ! "<<": {b: 2}\n  "<<": {c: 3}\nnested:\n  !!merge "<<": [{d: 4}, {e: 5}]\n')]],
  // A block scalar's last line at the end of the file without a line break keeps none in go-yaml v2 (Helm 4 adds one).
  ['block scalars whose last line ends the file', () => ['-f', file('block-at-eof-1.yaml', 'str: |+\n  x'), '-f', file('block-at-eof-2.yaml', 'nested:\n  x: >\n    a\n    b'), '-f', file('block-at-eof-3.yaml', 'm:\n  q: |+\n    x\n    ')]],
  // A directive line ends the first document even without `...` before it: Helm 3 reads no further.
  ['directive lines after the document', () => ['-f', file('mid-directive.yaml', 'a: 3\n%YAML 1.1\n---\na: 4\n'), '-f', file('mid-tag-directive.yaml', 'str: t\n%TAG ! x\n---\nstr: u\n')]],
  // LS and PS are line breaks to go-yaml (kept in a value where it keeps a break).
  ['LS and PS as line breaks', () => ['-f', file('lsps.yaml', 'm:\n  q: "x" # c\u2028  r: "y"\nstr: "x\u2028   y"\nnested:\n  x: |\n    a\u2029    b\n  y: p\u2028   q\n  z: \'s\u2029\n\n  t\'\n')]],
  ['-f, then --set over it, then --set-string over that', () => ['-f', file('order.yaml', 'a: 5\n'), '--set', 'a=6', '--set-string', 'a=7']],
  // go-yaml v2 as Helm reads values: a later duplicate key wins (we also warn on stderr), CR LF,
  // a lone CR and NEL end lines, `!!null` takes what resolves to null, `%YAML 1.1` is its own.
  ['duplicate keys: the last wins, a map replaced whole', () => ['-f', file('dup.yaml', 'a: 1\nm:\n  z: 2\nm:\n  q: 3\na: 4\n')]],
  ['CR LF, lone CR and NEL line ends', () => ['-f', file('breaks.yaml', 'a: 2\r\nm:\r  q: x\x85str: "s\x85  t"\n')]],
  ['!!null tags', () => ['-f', file('null-tag.yaml', 'm:\n  z: !!null ""\nstr: !!null\nlist: !!null ~\n')]],
  ['a %YAML 1.1 directive', () => ['-f', file('directive.yaml', '%YAML 1.1\n---\na: 3\n')]],
  ['a document end after the document, and another', () => ['-f', file('end.yaml', 'a: 3\n...\n...\n')]],
  // -f is a string slice to Helm: each use a comma-separated list, read as CSV.
  ['-f with two files, comma-separated', () => ['-f', `${file('csv1.yaml', 'a: 5\nm: {y: 1}\n')},${file('csv2.yaml', 'm: {x: 2}\n')}`]],
  ['-f with a quoted file name and an empty -f', () => ['-f', `"${file('csv3.yaml', 'str: quoted\n')}"`, '-f', '']],
  ['a -f path with a control character after #', () => ['-f', file('frag#\t.yaml', 'a: 6\n')]],
  ['a %YAML version running into a comment, then an indented comment', () => ['-f', file('comment-directive.yaml', '%YAML 1.1#c\n  # indented\n---\na: 7\n')]],
  ['--set-file keeps a byte order mark', () => ['--set-file', `str=${file('bom.txt', '\ufeffbom')}`]],
  ['--set true/false/null in Go case folding (U+017F is an s)', () => ['--set', 'a=falſe', '--set', 'str=TRUE', '--set', 'list=nUll']],
  ['--set-json with escaped lone surrogates (Go reads U+FFFD)', () => ['--set-json', 'str="x\\ud800y\\udc00"', '--set-json', 'm={"\\udbff":1}']],
  ['a key that begins with three dots', () => ['-f', file('dots.yaml', '...a: 3\n')]],
  // go-yaml holds the lines of a quoted value to no indentation.
  ['quoted values continued less deep than their keys', () => ['-f', file('continued.yaml', 'str: "a\nb"\nnested:\n  x: \'c\n d\'\nm:\n  q: "e\\\nf"\n')]],
  // A line ending in an escaped quote (\" or the second of '') continues the value, at any indentation.
  ['quoted values whose line ends in an escaped quote, continued less deep', () => ['-f', file('escaped-end.yaml', "str: 'a''\nb'\nnested:\n  x: 'x''\n c'\nm:\n  q: \"x\\\"\n y\"\n")]],
  ["go-yaml's escapes, \\' among them", () => ['-f', file('escapes.yaml', 'str: "it\\\'s \\x41\\u00e9\\U0001F600 \\e\\N\\_\\L\\P\\0 \\\\"\n')]],
  // A tab where go-yaml skips blanks before a token: after a key's colon, and in a value's continuation line.
  // go-yaml takes an implicit key of at most 1024 characters.
  ['plain keys of 1024 characters, block and flow', () => ['-f', file('key1024.yaml', `${'k'.repeat(1024)}: 1\nm: {${'q'.repeat(1024)}: 2}\nlist:\n- ${'x'.repeat(1024)}: 3\n`)]],
  ['a key over two lines after ? in a flow map', () => ['-f', file('flow-explicit.yaml', 'm: {? a\n b: 1, c: 2}\n')]],
  ['tabs go-yaml reads: after a colon, in a continued value, in flow', () => ['-f', file('tabs-ok.yaml', 'a:\t2\nstr: x\n \ty\nm: {q:\t1,\tz: 2}\n')]],
  // In flow, go-yaml keeps a colon before `,` `[` `]` `{` `}` in a plain value, and reads `?` as a key even against its text.
  ['colons before a flow indicator, in flow', () => ['-f', file('flow-colons.yaml', 'list: [a:, b::, "c":d, e:f]\nm: {q: r:, s:: t, u:}\nnested: {x: [y:\n  z:]}\n')]],
  ['? running into its key, in flow', () => ['-f', file('flow-keys.yaml', 'list: [?x, ?y z, ?w: 1, ?"q", ? s]\nm: {?k, ?l: 2, ?"n": 3}\nnested: {x: [a, ?b c\n  d]}\n')]],
];

/** Warnings dify-chart adds on stderr for a case (Helm is silent there); stdout is held to Helm's. */
const WARNINGS: Record<string, RegExp> = {
  'duplicate keys: the last wins, a map replaced whole': /^(warning: \S+dup\.yaml:\d+:1: duplicate key "(m|a)": the last one is used, as Helm uses it\n){2}$/,
};

function asHelm4(ours: string): string {
  return ours.replace('\\"keep\\":null,', '').replace('keep: true', 'keep: false');
}

describe.skipIf(!haveHelm)('values merge as in real Helm', () => {
  it.each(CASES)('%s', async (_name, flags) => {
    const args = flags();
    const userSetsKeep = args.some((a) => a.includes('keep'));
    const ours = await cli(['render', 'r', '--chart', chart, ...args]);
    expect(ours.stderr).toMatch(WARNINGS[_name] ?? /^$/);
    for (const major of HELM_MAJORS) {
      // Helm 4 reads a `%YAML 1.1` directive as an error (Helm 3 as the version it reads).
      if (major === 4 && args.some((a) => a.endsWith('directive.yaml'))) continue;
      // Helm 4's go-yaml adds a line break to a block scalar that ends the file without one; Helm 3's does not.
      if (major === 4 && args.some((a) => a.includes('block-at-eof'))) continue;
      const h = await helm(major, ['template', 'r', tgz, ...args]);
      expect(h.code, h.stderr).toBe(0);
      if (major === 3) expect(ours.stdout, 'helm 3').toBe(h.stdout);
      // Helm 4.2+ drops the chart's own null default nested.keep (helm/helm#32530) unless the
      // user's values set it: exactly that key differs.
      else expect(userSetsKeep ? ours.stdout : asHelm4(ours.stdout), 'helm 4').toBe(normalizeHelm4(h.stdout));
    }
  });
});

/** Values files go-yaml refuses: every engine fails, ours naming the place and go-yaml's words. */
const REFUSED: [string, string, string][] = [
  ['a JSON escape YAML 1.1 lacks', 'a: "x\\/y"\n', '1:6: found unknown escape character'],
  ['a surrogate pair of escapes', 'a: "\\ud83d\\ude00"\n', '1:5: found invalid Unicode character escape code'],
  ['a %YAML 1.2 directive', '%YAML 1.2\n---\na: 1\n', '1:1: found incompatible YAML document'],
  ['a document marker inside a value whose line ends in \\"', 'a: "x\\"\n...\n"\nb: 1\n', '2:1: found unexpected document indicator'],
  ["a document marker inside a value whose line ends in ''", "a: 'x''\n...\n'\n", '2:1: found unexpected document indicator'],
  ['a %YAML 2.0 directive', '# c\n%YAML 2.0\n---\na: 1\n', '2:1: found incompatible YAML document'],
  ['an unknown directive', '%FOO bar\n---\na: 1\n', '1:1: found unknown directive name'],
  ['a bad hexadecimal escape', 'a: "\\x4g"\n', '1:5: did not find expected hexdecimal number'],
  ['!!null of a string', 'a: !!null x\n', 'cannot decode !!str `x` as a !!null'],
  ['a document end before any document', '# c\n\n...\na: 1\n', '3:1: did not find expected node content'],
  ['a document end with a comment, first', '... # c\n', '1:1: did not find expected node content'],
  ['a directive without a document start', '%TAG ! tag:x,2000:\na: 1\n', '2:1: did not find expected <document start>'],
  ['a directive and nothing after it', '%YAML 1.1\n', '2:1: did not find expected <document start>'],
  ['a directive name of no letters', '%!s\n---\na: 1\n', '1:1: could not find expected directive name'],
  ['an indented comment, then a document end', '  # c\n...\nk: 1\n', '2:1: did not find expected node content'],
  // go-yaml skips a tab before a token only inside flow and where no key may start: not at a
  // line's start (after its spaces), nor after `-`, `?` or a `:` that does not follow a key.
  ['a tab after a dash', 'sandbox:\n  pythonRequirements:\n    -\tnumpy\n', '3:6: found character that cannot start any token'],
  ['a tab after indentation, before a quoted value', 'commonAnnotations:\n  a:\n    \t"x"\n', '3:5: found character that cannot start any token'],
  ['a tab after a dash and a space', 'a:\n- \tx\n', '2:3: found character that cannot start any token'],
  ['a tab after ?', '?\tx\n', '1:2: found character that cannot start any token'],
  ['a tab after the : of an explicit key', '? a\n:\tb\n', '2:2: found character that cannot start any token'],
  ['a tab after indentation, before a key', 'a:\n  \tb: 2\n', '2:3: found character that cannot start any token'],
  ['a line of a tab after a comment', 'a: 1 # c\n\t\nb: 2\n', '2:1: found character that cannot start any token'],
  ['a line of a tab after a quoted value', 'a: "1"\n\t# c\nb: 2\n', '2:1: found character that cannot start any token'],
  ['a line of a tab after a plain value', 'a: 1\n\t\nb: 2\n', '2:1: found a tab character that violates indentation'],
  ['a tab less indented than a plain value\'s map', 'a:\n  b: 1\n  \tc: 2\n', '3:3: found a tab character that violates indentation'],
  // An implicit key longer than 1024 characters is no key to go-yaml.
  ['a plain key of 1025 characters', `${'k'.repeat(1025)}: 1\n`, '1:1026: mapping values are not allowed in this context'],
  ['a plain key of 1025 characters in a map', `m:\n  ${'k'.repeat(1025)}: 1\n`, '2:1028: mapping values are not allowed in this context'],
  ['a plain key of 1025 characters in a list item', `l:\n- ${'k'.repeat(1025)}: 1\n`, '2:1028: mapping values are not allowed in this context'],
  ['a plain key of 1025 characters after another key', `a: 1\n${'k'.repeat(1025)}: 1\n`, "2:1026: could not find expected ':'"],
  ['a plain key of 1025 characters in flow', `m: {${'k'.repeat(1025)}: 1}\n`, "1:1030: did not find expected ',' or '}'"],
  // An implicit key on more than one line is no key to go-yaml either: in flow, a value after a node.
  ['a quoted key over two lines in a flow map', 'commonAnnotations: {"a\nb": "1"}\n', "2:3: did not find expected ',' or '}'"],
  ['a plain key over two lines in a flow map', 'commonAnnotations: {a\n b: "1"}\n', "2:3: did not find expected ',' or '}'"],
  ['a plain key over two lines in a flow list', 'l: [a\n b: 1]\n', "2:3: did not find expected ',' or ']'"],
  // A directive after the document is still scanned.
  ['an unknown directive after the document', 'a: 1\n%foo\n---\na: 2\n', '2:1: found unknown directive name'],
  ['a %YAML directive without a version after the document', 'a: 1\n%YAML x\n', '2:1: did not find expected version number'],
  ['a %TAG directive without a handle after the document', 'a: 1\n%TAG x y\n', "2:1: did not find expected '!'"],
  ['a tab in the indentation after a block scalar', 'a: |\n  x\n \t\nb: 1\n', '3:2: found a tab character where an indentation space is expected'],
  // In flow, a `?` (a key to go-yaml, even inside a plain value) or any node right after a node, with no `,` between.
  ['a ? inside a URL in a flow list', 'a: [http://x/?q=1]\n', "1:14: did not find expected ',' or ']'"],
  ['a ? inside a key in a flow map', 'a: {b?c: 1}\n', "1:6: did not find expected ',' or '}'"],
  ['a ? inside a one-line flow list of plain values', 'a: [b, c?d]\n', "1:9: did not find expected ',' or ']'"],
  ['a ? after a value in a flow list', 'a: [b ?c]\n', "1:7: did not find expected ',' or ']'"],
  ['a flow list right after a plain value ending in a colon', 'a: [b:[c]]\n', "1:7: did not find expected ',' or ']'"],
  ['a ? as the value of a flow map', 'a: {b: ?c}\n', '1:8: did not find expected node content'],
  // On the line a quoted value, an alias or a flow collection ended on: go-yaml's parser wants a key, or a `-` in a list.
  ['text right after a quoted value', 'image: "nginx"latest\nb: 1\n', '1:15: did not find expected key'],
  ['text after a quoted list item', 'a:\n  - "x" y\n', "2:9: did not find expected '-' indicator"],
  ['text after a flow list as a value', 'a: [b] c\n', '1:8: did not find expected key'],
  ['text right after a double-quoted explicit key', '? "a"x\n', '1:6: did not find expected key'],
  ['text after a single-quoted explicit key, then a value', "? 'a' x\n: 1\n", '1:7: did not find expected key'],
  ['text after an alias as an explicit key', 'x: &x 1\n? *x y\n', '2:6: did not find expected key'],
];

describe.skipIf(!haveHelm)('values files real Helm refuses', () => {
  it.each(REFUSED)('%s', async (name, text, ours) => {
    const f = file(`refused-${name.replace(/\W+/g, '-')}.yaml`, text);
    const r = await cli(['render', 'r', '--chart', chart, '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(ours);
    const words = ours.replace(/^\d+:\d+: /, '');
    for (const major of HELM_MAJORS) {
      const h = await helm(major, ['template', 'r', tgz, '-f', f]);
      expect(h.code).not.toBe(0);
      expect(h.stderr).toContain(words);
    }
  });
});

/** Values files real Helm refuses where dify-chart's words are its own: [case, text, ours, real Helm's]. */
const REFUSED_IN_OTHER_WORDS: [string, string, string, string][] = [
  // go-yaml reads `?` then `:` in flow as a key of nothing, which Helm's conversion to JSON refuses.
  ['a ? right before a : in a flow map', 'a: {b: 1, ?:x}\n', '1:11: a map key cannot be null', 'unsupported map key of type'],
];

describe.skipIf(!haveHelm)('values files real Helm refuses in other words', () => {
  it.each(REFUSED_IN_OTHER_WORDS)('%s', async (name, text, ours, theirs) => {
    const f = file(`refused-other-${name.replace(/\W+/g, '-')}.yaml`, text);
    const r = await cli(['render', 'r', '--chart', chart, '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`Error: ${f}:${ours}\n`);
    for (const major of HELM_MAJORS) {
      const h = await helm(major, ['template', 'r', tgz, '-f', f]);
      expect(h.code).not.toBe(0);
      expect(h.stderr).toContain(theirs);
    }
  });
});

/** A block map of keys k0, k1, ... nested `depth` deep, each key on its own line one space deeper. */
function deepBlock(depth: number): string {
  return Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:\n`).join('');
}

/**
 * Values files nested past MAX_VALUES_DEPTH, which real Helm reads (up to 10000 levels): refused
 * in one line naming the path and where its level 501 was written, by the line reader and by the
 * full one (an anchor sends a file there) alike, however deep.
 */
const TOO_DEEP: [string, string, string][] = [
  ['a block map nested 3000 deep', deepBlock(3000), 'values.k0.k1.k2.k3...', '501:501'],
  ['a block map nested 3000 deep after an anchor', `x: &a 1\n${deepBlock(3000)}`, 'values.k0.k1.k2.k3...', '502:501'],
];

describe.skipIf(!haveHelm)('values files nested deeper than dify-chart renders', () => {
  it.each(TOO_DEEP)('%s', async (name, text, path, where) => {
    const f = file(`deep-${name.replace(/\W+/g, '-')}.yaml`, text);
    const r = await cli(['render', 'r', '--chart', chart, '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`Error: ${path}: values nested more than 500 levels deep, the most dify-chart renders (Helm reads up to 10000) (from ${f}:${where})\n`);
    for (const major of HELM_MAJORS) expect((await helm(major, ['template', 'r', tgz, '-f', f])).code).toBe(0);
  });
});

/** [case, flags, what our error says, what real Helm's says; Helm 3 only where Helm 4 reads it] */
const PATHS_REFUSED: [string, () => string[], string, string, (3 | 4)[]][] = [
  ['a -f path Go url.Parse refuses', () => ['-f', file('pct%zz', 'a: 1\n')], 'invalid URL escape "%zz"', 'invalid URL escape "%zz"', [3, 4]],
  ['a --set-file path with a colon in its first segment', () => ['--set-file', 'k=1a:b'], 'first path segment in URL cannot contain colon', 'first path segment in URL cannot contain colon', [3, 4]],
  ['an http URL (Helm downloads it; nothing listens here)', () => ['-f', 'http://127.0.0.1:1/values.yaml'], 'Helm downloads values from http URLs', '127.0.0.1:1', [3, 4]],
  ['a -f path whose // part has a port that is none', () => ['-f', '//h:x/values.yaml'], 'invalid port ":x" after host', 'invalid port ":x" after host', [3, 4]],
  ['a bare quote in a -f list', () => ['-f', 'a"b'], 'bare " in non-quoted-field', 'bare " in non-quoted-field', [3, 4]],
  ['a whole JSON object to --set-json', () => ['--set-json', '{"a":{"z":1}}'], "Helm 3 reads key=JSON pairs", 'failed parsing --set-json data', [3]],
];

describe.skipIf(!haveHelm)('paths and flags real Helm refuses', () => {
  it.each(PATHS_REFUSED)('%s', async (_name, flags, ours, theirs, majors) => {
    const args = flags();
    const r = await cli(['render', 'r', '--chart', chart, ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(ours);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    for (const major of majors) {
      const h = await helm(major, ['template', 'r', tgz, ...args]);
      expect(h.code).not.toBe(0);
      expect(h.stderr).toContain(theirs);
    }
  });
});
