/**
 * A seeded random differential test of the compiler: a few hundred well-typed expressions over the
 * dialect's helpers and a pool of awkward values, printed and tested as conditions, rendered by the
 * TypeScript engine and, compiled to Go, by real Helm 3.21.4 and 4.3.2 (one run of each for all of
 * them); the bytes must agree. differential.test.ts proves each construct on its own; this one
 * proves them in combinations nobody wrote by hand. The seed is fixed, so every run checks the same
 * corpus, and a failure names the template and the expressions whose output differs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compileChart, renderChartText, type PrebuiltChart } from '../../src/render/release.js';
import { parseValuesYaml } from '../../src/values/load.js';
import { chartThroughHelm, helmOrSkip, type HelmMajor } from '../support/helm.js';
import { seededRandom } from '../support/random.js';

const SEED = 20240611;
const TEMPLATES = 20;
const PER_TEMPLATE = 30;

const CHART_YAML = 'apiVersion: v2\nname: dify\nversion: 0.1.0\nappVersion: "1.0"\n';
// No null sits in a map the generator reads as a whole: Helm 4 drops null defaults of the chart's
// own values.yaml (helm/helm#32530), so only the path `nz.n` itself reads one.
const VALUES = `
s:
  plain: hello
  empty: ""
  spaced: " a "
  octal: "0123"
  yesWord: "yes"
  colon: "a: b"
  uni: "üñí"
  emoji: "😀x"
  multi: "multi\\nline\\n"
  dotted: a.b.c
  mixed: AbC-x_Y
  version: 1.30.1-gke.1
  vtag: v1.2.3
  numStr: "1e6"
  floatStr: "1.0"
  neg: "-5"
  hash: "#x"
  braces: "{{ x }}"
  trueWord: "true"
  tilde: "~"
f:
  half: 0.5
  one: 1.0
  million: 1e6
  zero: 0
  neg: -3
  negHalf: -0.25
  big: 12345678901
  huge: 12345678901234567890
  pi: 3.14159
  seven: 7
b: {t: true, f: false}
m:
  abc: {z: 1, a: x, M: [1, 2]}
  empty: {}
  nested: {inner: {deep: {k: v}}}
  mixed: {s: "0123", n: 0.5, b: true, l: [], e: {}}
  strs: {a: "yes", b: "", c: " a "}
l:
  strs: [b, a, "0123", "yes", "", " a "]
  nums: [1, 0.5, -3, 1e6]
  mixed: [x, 1, true, {k: v}, [1]]
  empty: []
  uni: [ü, a, Z]
  withNull: [a, null, "0123"]
nz: {n: null}
`;

type Kind = 'str' | 'int' | 'float' | 'bool' | 'map' | 'list' | 'null';
/** An expression in argument position: a literal, a path or a parenthesised call. */
interface Expr {
  src: string;
  kind: Kind | 'any';
  /** Only ASCII: trunc of anything else may cut a character in two (Go makes invalid UTF-8, which this engine refuses). */
  ascii: boolean;
}

const PATHS: Record<Kind, [string, boolean][]> = {
  str: [
    ['plain', true], ['empty', true], ['spaced', true], ['octal', true], ['yesWord', true], ['colon', true], ['uni', false],
    ['emoji', false], ['multi', true], ['dotted', true], ['mixed', true], ['version', true], ['vtag', true], ['numStr', true],
    ['floatStr', true], ['neg', true], ['hash', true], ['braces', true], ['trueWord', true], ['tilde', true],
  ].map(([k, a]) => [`Values.s.${String(k)}`, a === true]),
  float: ['half', 'one', 'million', 'zero', 'neg', 'negHalf', 'big', 'huge', 'pi', 'seven'].map((k) => [`Values.f.${k}`, true]),
  bool: [['Values.b.t', true], ['Values.b.f', true]],
  map: ['abc', 'empty', 'nested', 'mixed', 'strs', 'nested.inner'].map((k) => [`Values.m.${k}`, false]),
  list: ['strs', 'nums', 'mixed', 'empty', 'uni', 'withNull'].map((k) => [`Values.l.${k}`, false]),
  null: ['Values.nz.n', 'Values.nope', 'Values.nope.deeper', 'Values.m.empty.x', 'Values.m.abc.nope', 'Values.m.nested.inner.nope.x'].map((p) => [p, true]),
  int: [],
};
/** Lists of the values with their lengths, for `index` in range. */
const LIST_LENGTHS: [string, number][] = [['Values.l.strs', 6], ['Values.l.nums', 4], ['Values.l.mixed', 5], ['Values.l.uni', 3], ['Values.l.withNull', 3], ['Values.m.abc.M', 2]];

const ASCII_LITS = ['', 'a', ' a ', '0123', 'yes', 'a: b', 'x-y_z', 'AbC', '1.0', '-5', 'true', '#x', '%d', 'hello world', 'a.b.c', 'Z'];
const UNI_LITS = ['üñí', '😀x', 'ßa'];
/** Strings as `int` (cast.ToInt64) reads them: base prefixes, a zero decimal part, what it refuses. */
const INT_STRS = ['0123', '08', '1.0', '1e6', '-5', '0x1f', '+5', '1_000', '10.', ' 7', '0b101', '9223372036854775807'];
/** Values with parts of themselves, so the affix helpers match as often as they miss. */
const AFFIXES: [string, string[]][] = [
  ['Values.s.plain', ['he', 'lo', 'hello', 'l', '']], ['Values.s.dotted', ['.c', 'a.', '.']], ['Values.s.spaced', [' ', ' a', 'a ']],
  ['Values.s.version', ['1.30', '-gke.1', '.']], ['Values.s.uni', ['ü', 'í']], ['Values.s.multi', ['line\n', 'multi']], ['"a-b-a"', ['a', '-', 'a-']],
];
const KEYS = ['a', 'z', 'M', 'k', 'abc', 'inner', 's', 'b', 'x-y', 'nope'];
const SEPS = [',', '-', ' ', 'a', ': ', '.', ''];
/** Strings with their lengths in UTF-8 bytes, for `index` of a string in range (it gives a byte). */
const STRING_BYTES: [string, number][] = [['Values.s.plain', 5], ['Values.s.uni', 6], ['Values.s.emoji', 5], ['"a-b"', 3]];
// Not "int" or "int64": sprig's int and Go's len give Go an int, add and sub an int64, and a bare
// integer literal is an int; the TypeScript engine calls all of them int64.
const KINDS = ['map', 'slice', 'string', 'bool', 'float64', 'invalid'];
const CONSTRAINTS = ['>=1.21.0-0', '^1.2', '~1.2.3', '1.2 - 1.4', '*', '<2.0.0', '>= 1.2.3 < 2.0.0-beta', '!=1.2.3', '1.x', '>1.0.0 || <0.5', '>=1.21-0'];
const VERSIONS = ['1.30.1-gke.1', '1.2.9', 'v1.2.3', '1.5.0-alpha', '2.0.0', '0.4.0', '1.2'];

/** The generator: each call makes an expression of the kind asked, well typed for Go and sprig. */
class Gen {
  constructor(private readonly rnd: () => number) {}

  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }

  /** A Handlebars string literal, written raw: the pools hold no quote or backslash, and a newline stays one. */
  lit(s: string): Expr {
    return { src: `"${s}"`, kind: 'str', ascii: !/[^\n\x20-\x7e]/.test(s) };
  }
  private call(name: string, args: Expr[], kind: Expr['kind'], ascii: boolean): Expr {
    return { src: `(${name} ${args.map((a) => a.src).join(' ')})`, kind, ascii };
  }
  private path(kind: Kind): Expr {
    const [src, ascii] = this.pick(PATHS[kind]);
    return { src, kind, ascii };
  }
  /** A count for trunc or indent: Go wants an int there, so through `int` or a literal. */
  private count(lo: number, hi: number): Expr {
    const n = lo + this.int(hi - lo + 1);
    const r = this.rnd();
    return { src: r < 0.4 ? `(int ${n})` : r < 0.8 ? `(int "${n}")` : `${n}`, kind: 'int', ascii: true };
  }

  any(d: number): Expr {
    if (d > 0 && this.chance(0.25)) {
      const m = this.gen('map', d - 1);
      switch (this.int(5)) {
        case 0:
          return this.call('get', [m, this.lit(this.pick(KEYS))], 'any', false);
        case 1:
          return this.call('index', [m, this.lit(this.pick(KEYS))], 'any', false);
        case 2: {
          const [l, n] = this.chance(0.8) ? this.pick(LIST_LENGTHS) : this.pick(STRING_BYTES);
          return { src: `(index ${l} ${this.int(n)})`, kind: 'any', ascii: false };
        }
        case 3:
          return this.call(this.pick(['and', 'or', 'coalesce', 'default']), [this.any(d - 1), this.any(d - 1)], 'any', false);
        default:
          return this.call('ternary', [this.any(d - 1), this.any(d - 1), this.gen('bool', d - 1)], 'any', false);
      }
    }
    return this.gen(this.pick<Kind>(['str', 'str', 'int', 'float', 'bool', 'map', 'list', 'null']), d);
  }

  /** A string argument; `ascii` when the helper it goes to slices or cases it. */
  str(d: number, ascii = false): Expr {
    for (;;) {
      const e = this.gen('str', d);
      if (!ascii || e.ascii) return e;
    }
  }

  /** An expression as a whole: a call (leaves are common enough below it), of a kind weighted to the helpers. */
  top(d: number): Expr {
    if (this.chance(0.15)) return this.any(d);
    return this.gen(this.pick<Kind>(['str', 'str', 'str', 'str', 'bool', 'bool', 'bool', 'int', 'int', 'list', 'list', 'map', 'float']), d, true);
  }

  gen(kind: Kind, d: number, call = false): Expr {
    if (d <= 0 || (!call && this.chance(0.3))) return this.leaf(kind);
    const s = (): Expr => this.str(d - 1);
    switch (kind) {
      case 'str':
        return this.strCall(d);
      case 'int':
        switch (this.int(4)) {
          case 0:
            if (this.chance(0.4)) return this.call('int', [this.lit(this.pick(INT_STRS))], 'int', true);
            return this.call('int', [this.gen(this.pick<Kind>(['str', 'float', 'bool', 'int', 'null']), d - 1)], 'int', true);
          case 1:
            return this.call('len', [this.gen(this.pick<Kind>(['str', 'list', 'map']), d - 1)], 'int', true);
          case 2:
            return this.call('add', Array.from({ length: 1 + this.int(3) }, () => this.gen('int', d - 1)), 'int', true);
          default:
            return this.call('sub', [this.gen('int', d - 1), this.gen('int', d - 1)], 'int', true);
        }
      case 'bool':
        return this.boolCall(d);
      case 'map': {
        if (this.chance(0.3)) return this.sameKind('map', d);
        const args: Expr[] = [];
        for (let i = this.int(4); i > 0; i--) args.push(this.chance(0.85) ? this.lit(this.pick(KEYS)) : s(), this.any(d - 1));
        return args.length === 0 ? { src: '(dict)', kind: 'map', ascii: false } : this.call('dict', args, 'map', false);
      }
      case 'list':
        switch (this.int(5)) {
          case 0:
            return this.call('splitList', [this.lit(this.pick(SEPS)), s()], 'list', false);
          case 1:
            return this.call('sortAlpha', [this.gen('list', d - 1)], 'list', false);
          case 2:
            // Go ranges over a map in random order: keys only sorted.
            return this.call('sortAlpha', [this.call('keys', Array.from({ length: 1 + this.int(2) }, () => this.gen('map', d - 1)), 'list', false)], 'list', false);
          case 3:
            return this.sameKind('list', d);
          default: {
            const n = this.int(4);
            return n === 0 ? { src: '(list)', kind: 'list', ascii: false } : this.call('list', Array.from({ length: n }, () => this.any(d - 1)), 'list', false);
          }
        }
      case 'float':
        return this.sameKind('float', d);
      case 'null':
        return this.leaf('null');
    }
  }

  /** default, and, or, ternary of two operands of one kind: the answer is one of them. */
  private sameKind(kind: Kind, d: number): Expr {
    const a = this.gen(kind, d - 1);
    const b = this.gen(kind, d - 1);
    const ascii = a.ascii && b.ascii;
    if (this.chance(0.25)) return this.call('ternary', [a, b, this.gen('bool', d - 1)], kind, ascii);
    return this.call(this.pick(['default', 'and', 'or']), [a, b], kind, ascii);
  }

  private leaf(kind: Kind): Expr {
    switch (kind) {
      case 'str':
        return this.chance(0.5) ? this.path('str') : this.lit(this.chance(0.85) ? this.pick(ASCII_LITS) : this.pick(UNI_LITS));
      case 'int':
        // Now and then an integer literal past 2^53 (Go's int is exact there).
        return this.chance(0.05) ? { src: this.pick(['9007199254740993', '-9223372036854775808']), kind: 'int', ascii: true } : this.count(-3, 12);
      case 'float':
        // Literals with a fraction are float64 to Go, whole ones (3.0) included.
        return this.chance(0.8) ? this.path('float') : { src: this.pick(['0.5', '-0.25', '2.5', '3.14159', '3.0', '-1.0', '1000000.0']), kind: 'float', ascii: true };
      case 'bool':
        return this.chance(0.5) ? this.path('bool') : { src: this.pick(['true', 'false']), kind: 'bool', ascii: true };
      case 'map':
        return this.chance(0.8) ? this.path('map') : { src: '(dict)', kind: 'map', ascii: false };
      case 'list':
        return this.chance(0.8) ? this.path('list') : { src: '(list)', kind: 'list', ascii: false };
      case 'null':
        return this.path('null');
    }
  }

  private strCall(d: number): Expr {
    const s = (ascii = false): Expr => this.str(d - 1, ascii);
    switch (this.int(17)) {
      case 0:
        return this.call('toString', [this.any(d - 1)], 'str', false);
      case 1: {
        const x = s(true);
        return this.call('trunc', [this.count(-4, 8), x], 'str', true);
      }
      case 2: {
        const [a, b] = this.chance(0.5) ? this.affix() : [s(), s()];
        return this.call(this.pick(['trimSuffix', 'trimPrefix']), [a, b], 'str', a.ascii && b.ascii);
      }
      case 3: {
        const x = s();
        return this.call('trim', [x], 'str', x.ascii);
      }
      case 4:
        return this.call(this.pick(['lower', 'upper']), [s()], 'str', true);
      case 5: {
        const [o, n, x] = [this.lit(this.pick(ASCII_LITS)), s(), s()];
        return this.call('replace', [o, n, x], 'str', n.ascii && x.ascii);
      }
      case 6:
        return this.printf(d);
      case 7:
        return this.call(this.pick(['quote', 'squote']), Array.from({ length: 1 + this.int(2) }, () => this.any(d - 1)), 'str', false);
      case 8:
        return this.call('join', [this.lit(this.pick(SEPS)), this.gen('list', d - 1)], 'str', false);
      case 9:
        return this.call(this.pick(['b64enc', 'sha256sum', 'sha512sum', 'urlquery']), [s()], 'str', true);
      case 10:
        return this.call(this.pick(['toJson', 'toYaml']), [this.any(d - 1)], 'str', false);
      case 11: {
        const x = s();
        return this.call(this.pick(['indent', 'nindent']), [this.count(0, 4), x], 'str', x.ascii);
      }
      case 12: {
        const x = s();
        return this.call('include', [this.lit('f.echo'), { src: `(dict "v" ${x.src})`, kind: 'map', ascii: false }], 'str', x.ascii);
      }
      default:
        return this.sameKind('str', d);
    }
  }

  /** [part, whole]: a string and one that may start, end or contain it. */
  private affix(): [Expr, Expr] {
    const [whole, parts] = this.pick(AFFIXES);
    const w: Expr = whole.startsWith('"') ? { src: whole, kind: 'str', ascii: true } : { src: whole, kind: 'str', ascii: PATHS.str.find(([p]) => p === whole)?.[1] ?? false };
    return [this.lit(this.pick(parts)), w];
  }

  /** printf with the verbs of the dialect, each given an argument of the type Go formats plainly. */
  private printf(d: number): Expr {
    let fmt = this.pick(['', 'x=', '<']);
    const args: Expr[] = [];
    for (let i = 1 + this.int(3); i > 0; i--) {
      const verb = this.pick(['%s', '%d', '%v', '%q', '%%']);
      fmt += verb + this.pick(['', '-', ' ', '/']);
      // %q of an integer quotes the character of that code point.
      if (verb === '%q' && this.chance(0.3)) args.push(this.gen('int', d - 1));
      else if (verb === '%s' || verb === '%q') args.push(this.str(d - 1));
      else if (verb === '%d') args.push(this.gen('int', d - 1));
      else if (verb === '%v') args.push(this.any(d - 1));
    }
    return this.call('printf', [this.lit(fmt), ...args], 'str', args.every((a) => a.ascii));
  }

  private boolCall(d: number): Expr {
    const s = (): Expr => this.str(d - 1);
    switch (this.int(11)) {
      case 0:
        return this.call(this.pick(['not', 'empty']), [this.any(d - 1)], 'bool', true);
      case 1: {
        // Like with like: Go refuses float64 against int, and any pair of other kinds.
        const k = this.pick<Kind>(['str', 'int', 'float', 'bool']);
        const n = this.chance(0.2) ? 3 : 2;
        return this.call(n === 3 ? 'eq' : this.pick(['eq', 'ne']), Array.from({ length: n }, () => this.gen(k, d - 1)), 'bool', true);
      }
      case 2: {
        const k = this.pick<Kind>(['str', 'int', 'float']);
        return this.call(this.pick(['lt', 'le', 'gt', 'ge']), [this.gen(k, d - 1), this.gen(k, d - 1)], 'bool', true);
      }
      case 3:
        return this.call('hasKey', [this.gen('map', d - 1), this.chance(0.8) ? this.lit(this.pick(KEYS)) : s()], 'bool', true);
      case 4:
        return this.call(this.pick(['contains', 'hasPrefix', 'hasSuffix']), this.chance(0.5) ? this.affix() : [s(), s()], 'bool', true);
      case 5:
        return this.call('kindIs', [this.lit(this.pick(KINDS)), this.any(d - 1)], 'bool', true);
      case 6:
        return this.call('semverCompare', [this.lit(this.pick(CONSTRAINTS)), this.chance(0.7) ? this.lit(this.pick(VERSIONS)) : { src: this.pick(['Values.s.version', 'Values.s.vtag']), kind: 'str', ascii: true }], 'bool', true);
      default:
        return this.sameKind('bool', d);
    }
  }
}

/** One expression's source line(s) in a template: a top-level key `eN`, so outputs can be cut apart. */
function place(g: Gen, id: string): { text: string; expr: string } {
  const depth = 1 + g.int(3);
  const block = (body: string): string => `${id}: |2-\n  ${body}\n`;
  switch (g.int(10)) {
    case 0:
    case 1: {
      const e = g.top(depth);
      return { text: `${id}: {{toJson ${e.src}}}\n`, expr: e.src };
    }
    case 2: {
      const e = g.top(depth);
      return { text: `${id}: |2-\n{{indent 2 (toYaml ${e.src})}}\n`, expr: e.src };
    }
    case 3: {
      // Printing as Go's %v does, through a partial: `<no value>` is removed only from the finished text.
      const e = g.top(depth);
      const how = g.chance(0.5) ? `include "f.print" (dict "v" ${e.src})` : `toString ${e.src}`;
      return { text: `${id}: |2-\n{{indent 2 (${how})}}\n`, expr: e.src };
    }
    case 4: {
      const e = g.gen(g.pick<Kind>(['int', 'float', 'bool']), depth, true);
      return { text: `${id}: {{${e.src.replace(/^\((.*)\)$/s, '$1')}}}\n`, expr: e.src };
    }
    case 5: {
      const e = g.top(depth);
      const elif = g.chance(0.4) ? g.any(depth) : undefined;
      return {
        text: block(`{{#if ${e.src}}}y{{${elif ? `else if ${elif.src}}}e{{` : ''}else}}n{{/if}}`),
        expr: elif ? `${e.src} / else if ${elif.src}` : e.src,
      };
    }
    case 6: {
      const e = g.top(depth);
      return { text: block(`{{#unless ${e.src}}}y{{else}}n{{/unless}}`), expr: e.src };
    }
    case 7: {
      const e = g.top(depth);
      // Fields only of a map: Go fails on a field of anything else.
      const field = e.kind === 'map' ? ` {{toJson this.${g.pick(['a', 'z', 'k', 'inner'])}}}` : '';
      return { text: block(`{{#with ${e.src}}}{{toJson this}}${field} {{toJson @root.Values.s.plain}}{{else}}none{{/with}}`), expr: e.src };
    }
    default: {
      // Over lists, maps and null only: #each over false, 0 or "" is an accepted difference.
      const kind = g.pick<Kind>(['list', 'list', 'map', 'null']);
      const e = g.gen(kind, depth, kind !== 'null');
      const body =
        kind === 'list'
          ? `<{{@index}}:{{toJson this}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}}>`
          : `<{{toJson @key}}={{toJson this}}{{toJson ../Values.b.t}}>`; // a key built from a string may hold a newline
      return { text: block(`{{#each ${e.src}}}${body}{{else}}none{{/each}}`), expr: e.src };
    }
  }
}

const PARTIALS = '{{#*inline "f.print"}}{{this.v}}{{/inline}}\n{{#*inline "f.echo"}}{{this.v}}{{/inline}}\n';

/** template name → (expression id → its source), in order. */
function corpus(): Map<string, Map<string, { text: string; expr: string }>> {
  const g = new Gen(seededRandom(SEED));
  const out = new Map<string, Map<string, { text: string; expr: string }>>();
  for (let t = 0; t < TEMPLATES; t++) {
    const exprs = new Map<string, { text: string; expr: string }>();
    for (let i = 0; i < PER_TEMPLATE; i++) {
      const id = `e${t * PER_TEMPLATE + i}`;
      exprs.set(id, place(g, id));
    }
    out.set(`fuzz-${String(t).padStart(2, '0')}`, exprs);
  }
  return out;
}

/** A template's output cut at its top-level keys: expression id → its lines. */
function byExpression(text: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const chunk of (text ?? '').split(/^(?=e\d+:)/m)) {
    const id = /^(e\d+):/.exec(chunk)?.[1];
    if (id !== undefined) map.set(id, chunk);
  }
  return map;
}

const CORPUS = corpus();
let chartDir: string;
const haveHelm = helmOrSkip();
let helmOut: Record<HelmMajor, Map<string, string>>;

beforeAll(async () => {
  const files: Record<string, string> = { 'Chart.yaml': CHART_YAML, 'values.yaml': VALUES, 'templates/_helpers.hbs': PARTIALS };
  for (const [name, exprs] of CORPUS) files[`templates/${name}.yaml.hbs`] = [...exprs.values()].map((e) => e.text).join('');
  const made = await chartThroughHelm('dify-fuzz-', files, haveHelm);
  chartDir = made.chartDir;
  if (made.out) helmOut = made.out;
}, 120_000);

describe('random expressions print the same through Go as through the Handlebars engine', () => {
  let compiled: PrebuiltChart | undefined;
  for (const [name, exprs] of CORPUS) {
    it.skipIf(!haveHelm)(name, () => {
      compiled ??= compileChart(chartDir);
      const ts = renderChartText(compiled, parseValuesYaml(VALUES, 'values.yaml'), { name: 'release-name', namespace: 'default', showOnly: [`templates/${name}.yaml`] });
      for (const major of [3, 4] as const) {
        const go = helmOut[major].get(`dify/templates/${name}.yaml`);
        if (ts === go) continue;
        // Name each expression whose lines differ, with both outputs, before the whole-text diff.
        const mine = byExpression(ts);
        const theirs = byExpression(go);
        const diffs = [...exprs]
          .filter(([id]) => mine.get(id) !== theirs.get(id))
          .map(([id, e]) => `${id}: ${e.expr}\n  template: ${JSON.stringify(e.text)}\n  dify-chart: ${JSON.stringify(mine.get(id))}\n  helm${major}: ${JSON.stringify(theirs.get(id))}`);
        expect(ts, `templates/${name}.yaml differs from Helm ${major} at:\n${diffs.join('\n')}`).toBe(go);
      }
    });
  }
});
