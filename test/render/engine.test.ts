import { describe, expect, it } from 'vitest';
import { Engine, type TemplateFile } from '../../src/render/engine.js';
import { HELPER_NAMES, HELPERS, RenderState, renderHelpers, sprintf } from '../../src/render/helpers.js';
import { ARITY, PARAM_TYPES } from '../../src/chart/dialect.js';
import type { LookupFn } from '../../src/render/lookup.js';
import { renderContext } from '../../src/render/context.js';
import { precompileChart } from '../../src/chart/precompile.js';
import type { ValueMap } from '../../src/values/types.js';

function render(source: string, values: ValueMap, partials = '', lookup?: LookupFn): string {
  const files: TemplateFile[] = [{ name: 'templates/t.yaml', srcPath: 't.yaml.hbs', source }];
  if (partials) files.push({ name: 'templates/_helpers', srcPath: '_helpers.hbs', source: partials });
  const engine = new Engine(precompileChart(files, {}));
  const ctx = renderContext(values, { Name: 'dify', Version: '0.1.0' }, { name: 'rel', namespace: 'ns' });
  return engine.render(ctx, 'dify', lookup)[0]!.content;
}

describe('Go truthiness in if/unless/with', () => {
  const cases: [string, unknown, boolean][] = [
    ['false', false, false],
    ['zero', 0, false],
    ['bigint zero', 0n, false],
    ['empty string', '', false],
    ['null', null, false],
    ['empty list', [], false],
    ['empty map', {}, false],
    ['true', true, true],
    ['one', 1, true],
    ['string "false"', 'false', true],
    ['string "0"', '0', true],
    ['non-empty list', [0], true],
    ['non-empty map', { a: null }, true],
  ];
  for (const [name, v, truthy] of cases) {
    it(`${name} is ${truthy ? 'true' : 'false'}`, () => {
      const values = { v } as ValueMap;
      expect(render('{{#if Values.v}}T{{else}}F{{/if}}', values)).toBe(truthy ? 'T' : 'F');
      expect(render('{{#unless Values.v}}F{{else}}T{{/unless}}', values)).toBe(truthy ? 'T' : 'F');
      expect(render('{{#with Values.v}}T{{else}}F{{/with}}', values)).toBe(truthy ? 'T' : 'F');
    });
  }
  it('a missing value is false, even through missing maps', () => {
    expect(render('{{#if Values.a.b.c}}T{{else}}F{{/if}}', {})).toBe('F');
  });
  it('else if chains', () => {
    const t = '{{#if Values.a}}A{{else if Values.b}}B{{else}}C{{/if}}';
    expect(render(t, { a: 0, b: 'x' })).toBe('B');
    expect(render(t, { a: 0, b: '' })).toBe('C');
  });
});

describe('each', () => {
  it('visits map keys in sorted (byte) order with @key', () => {
    expect(render('{{#each Values.m}}{{@key}}={{this}};{{/each}}', { m: { z: 1, a: 2, M: 3 } })).toBe('M=3;a=2;z=1;');
  });
  it('gives @index over lists and runs else when empty', () => {
    expect(render('{{#each Values.l}}{{@index}}:{{this}} {{/each}}', { l: ['x', 'y'] })).toBe('0:x 1:y ');
    expect(render('{{#each Values.l}}x{{else}}empty{{/each}}', { l: [] })).toBe('empty');
    expect(render('{{#each Values.m}}x{{else}}empty{{/each}}', { m: {} })).toBe('empty');
  });
  it('offers @first/@last and ../ and @root', () => {
    const t = '{{#each Values.l}}{{#if @first}}[{{/if}}{{this}}{{../Values.sep}}{{@root.Release.Name}}{{#if @last}}]{{/if}}{{/each}}';
    expect(render(t, { l: ['a', 'b'], sep: '-' })).toBe('[a-relb-rel]');
  });
});

describe('printing follows Go %v', () => {
  it('prints float64 values from files as Go does', () => {
    expect(render('{{Values.a}} {{Values.b}} {{Values.c}} {{Values.d}}', { a: 1000000, b: 0.5, c: 10000000000, d: 1 })).toBe(
      '1e+06 0.5 1e+10 1',
    );
  });
  it('prints int64 values (--set) as integers, and missing values as nothing', () => {
    expect(render('{{Values.a}}|{{Values.missing}}|{{Values.t}}', { a: 1000000n, t: true })).toBe('1000000||true');
  });
});

describe('helpers', () => {
  it('include renders a partial with its argument as @root', () => {
    const partials = '{{#*inline "x.name"}}{{@root.Release.Name}}-{{Values.n}}{{/inline}}';
    expect(render('{{include "x.name" @root}}', { n: 'a' }, partials)).toBe('rel-a');
    expect(render('{{nindent 2 (include "x.name" this)}}', { n: 'b' }, partials)).toBe('\n  rel-b');
  });
  it('quote, default, required', () => {
    expect(render('{{quote Values.a}}|{{quote Values.missing}}|{{default "d" Values.e}}', { a: 'x"y', e: '' })).toBe('"x\\"y"||d');
    expect(() => render('{{required "set a!" Values.a}}', {})).toThrow(/t\.yaml\.hbs:1:1: set a!/);
    // The place is also carried as fields, for callers that must not parse the message.
    const place = (source: string): unknown => {
      try {
        render(source, {});
      } catch (e) {
        const { file, line, col } = e as { file?: string; line?: number; col?: number };
        return { message: (e as Error).message, file, line, col };
      }
      return undefined;
    };
    expect(place('x\n  {{required "set a!" Values.a}}')).toEqual({ message: 't.yaml.hbs:2:3: set a!', file: 't.yaml.hbs', line: 2, col: 3 });
    expect(place('{{index (list) 3}}')).toMatchObject({ message: 't.yaml.hbs: error calling index: index out of range: 3', file: 't.yaml.hbs', line: undefined });
  });
});

describe('the dialect', () => {
  it('rejects unknown helpers with file:line:col and a hint', () => {
    expect(() => render('a\n  {{nope 1}}', {})).toThrow(/t\.yaml\.hbs:2:5: unknown helper "nope" \(hint:/);
  });
  it('rejects hash arguments, partial calls and block params', () => {
    expect(() => render('{{quote Values.a x=1}}', {})).toThrow(/hash arguments/);
    expect(() => render('{{> foo}}', {})).toThrow(/use \{\{include/);
    expect(() => render('{{#each Values.l as |x|}}{{x}}{{/each}}', {})).toThrow(/block parameters/);
  });
  it('knows how many arguments every helper takes', () => {
    expect([...ARITY.keys()].sort()).toEqual([...HELPER_NAMES].sort());
  });
  it('rejects a helper called with more or fewer arguments than its Go function takes', () => {
    expect(() => render('a: {{and}}', {})).toThrow(/t\.yaml\.hbs:1:6: and takes at least 1 argument, not 0 \(hint: Go refuses/);
    expect(() => render('{{#if (or)}}x{{/if}}', {})).toThrow(/or takes at least 1 argument, not 0/);
    expect(() => render('{{ne 1 2 3}}', {})).toThrow(/ne takes 2 arguments, not 3/);
    expect(() => render('{{#if (eq 1)}}x{{/if}}', {})).toThrow(/eq takes at least 2 arguments, not 1/);
    expect(() => render('{{lower "a" "b"}}', {})).toThrow(/lower takes 1 argument, not 2/);
    expect(() => render('{{include "x"}}', {})).toThrow(/include takes 2 arguments, not 1/);
    expect(() => render('{{constructor 1}}', {})).toThrow(/unknown helper "constructor"/);
    expect(() => render('a: {{null}}', {})).toThrow(/t\.yaml\.hbs:1:4: nil is not a command/);
    expect(() => render('{{#if null}}x{{/if}}', {})).toThrow(/nil is not a command/);
    expect(render('{{default "d" null}}', {})).toBe('d');
    expect(render('{{quote}}|{{add}}|{{and 1}}|{{default "d"}}', {})).toBe('|0|1|d');
  });
  it('rejects a literal of another type than the Go parameter takes, at load time', () => {
    expect([...PARAM_TYPES.keys()].filter((k) => !ARITY.has(k))).toEqual([]);
    expect(() => render('a: {{indent "2" "x"}}', {})).toThrow(/t\.yaml\.hbs:1:13: indent takes an int as argument 1 \(hint: Go refuses the call \("expected integer; found "2""\)/);
    expect(() => render('{{trunc 2.5 "abc"}}', {})).toThrow(/trunc takes an int as argument 1 .*found 2\.5/);
    expect(() => render('{{ternary 1 2 "x"}}', {})).toThrow(/ternary takes a bool as argument 3/);
    expect(() => render('{{get Values 1}}', {})).toThrow(/get takes a string as argument 2 .*expected string; found 1/);
    expect(() => render('{{lower null}}', {})).toThrow(/cannot assign nil to string/);
    expect(render('{{trunc 2.0 "abc"}} {{indent 1 "x"}} {{ternary 1 2 true}}', {})).toBe('ab  x 1');
    expect(() => render('{{9223372036854775808}}', {})).toThrow(/t\.yaml\.hbs:1:3: 9223372036854775808 overflows int/);
    expect(render('{{-9223372036854775808}} {{9007199254740993}}', {})).toBe('-9223372036854775808 9007199254740993');
    expect(() => render('a: {{printf "%s-%5d" "x" 1}}', {})).toThrow(/t\.yaml\.hbs:1:13: printf verb %5 is not part of the dialect/);
    expect(() => render('{{printf "100%"}}', {})).toThrow(/t\.yaml\.hbs:1:10: printf format ends in a lone % \(hint: write %% for a percent sign\)/);
    expect(() => render('{{printf "%%%"}}', {})).toThrow(/printf format ends in a lone %/);
    expect(() => render('{{printf "%😀"}}', {})).toThrow(/printf verb %😀 is not part of the dialect/);
    // Go's fmt takes any format at run time (`printf Values.fmt 255` with "%x" prints ff): the
    // dialect's engine formats only its own verbs, so a format that is not a literal is refused.
    expect(() => render('a: {{printf Values.fmt 255}}', { fmt: '%x' })).toThrow(/t\.yaml\.hbs:1:13: printf takes a string literal as its format \(hint:/);
    expect(() => render('{{include (printf (printf "%s" "t.%s") "x") Values}}', {})).toThrow(/t\.yaml\.hbs:1:19: printf takes a string literal as its format/);
    expect(() => render('{{#if (printf Values.fmt)}}x{{/if}}', { fmt: '100%' })).toThrow(/printf takes a string literal as its format/);
    // What Go's fmt.Sprintf prints for a format ending in %, should one reach the engine otherwise.
    expect(sprintf('100%', [])).toBe('100%!(NOVERB)');
    expect(sprintf('%', [1n])).toBe('%!(NOVERB)%!(EXTRA int64=1)');
    expect(render('{{printf "%%d %s%%" "x"}}', {})).toBe('%d x%');
    // Handlebars counts a lone \r as a line break: the literal is still read from its own text.
    expect(render('# a\rb: {{ 4 }}\nc: {{ 56 }} {{ 2.50 }}', {})).toBe('# a\rb: 4\nc: 56 2.5');
    expect(() => render('a: 1\n# \u2028x {{ 4 }}', {})).toThrow(/this number literal cannot be read back/);
    expect(() => render(`{{${'9'.repeat(400)}.5}}`, {})).toThrow(/out of float64 range/);
    expect(() => render('{{trunc 9223372036854775807.0 "abc"}}', {})).toThrow(/trunc takes an int as argument 1/);
    expect(render('{{trunc -9223372036854775808.0 "abc"}}', {})).toBe('abc');
    // An integer literal is held to int64 by its text: 2^63 - 1 is an int, though no float64 is.
    expect(render('{{trunc 9223372036854775807 "abc"}} {{indent 0 "x"}}', {})).toBe('abc x');
    expect(() => render('{{indent 2.50 "x"}}', {})).toThrow(/expected integer; found 2\.50/);
    expect(() => render('{{lower 12345678901234567890}}', {})).toThrow(/overflows int/);
    expect(() => render('{{lower 9223372036854775807}}', {})).toThrow(/expected string; found 9223372036854775807"/);
    expect(() => render('a: {{add 1 010}}', {})).toThrow(/t\.yaml\.hbs:1:12: 010 has a leading zero \(hint: Go reads it as octal/);
  });
  it('checks the type of a value where Go declares one, as text/template does', () => {
    expect(() => render('{{indent Values.n "x"}}', { n: 2 })).toThrow(/wrong type for value; expected int; got float64/);
    expect(() => render('{{trunc Values.n "x"}}', {})).toThrow(/wrong type for value; expected int; got interface \{\}/);
    expect(() => render('{{hasKey Values.s "a"}}', { s: 'x' })).toThrow(/expected map\[string\]interface \{\}; got string/);
    expect(() => render('{{keys Values.s}}', { s: 'x' })).toThrow(/expected map\[string\]interface \{\}; got string/);
    expect(() => render('{{ternary 1 2 Values.s}}', { s: 'x' })).toThrow(/expected bool; got string/);
    expect(() => render('{{splitList "," Values.n}}', { n: 5 })).toThrow(/expected string; got float64/);
    expect(() => render('{{kindIs Values.n 1}}', { n: 5 })).toThrow(/expected string; got float64/);
    expect(() => render('{{required Values.n "there"}}', { n: 5 })).toThrow(/expected string; got float64/);
  });
});

describe('include', () => {
  it('fails as Go does when partials recurse without end, by literal name or not', () => {
    const direct = '{{#*inline "loop"}}{{include "loop" this}}{{/inline}}';
    expect(() => render('{{include "loop" Values}}', {}, direct)).toThrow(/rendering template has a nested reference name: loop/);
    const byName = '{{#*inline "loop"}}{{include (printf "%s" "loop") this}}{{/inline}}';
    expect(() => render('{{include "loop" Values}}', {}, byName)).toThrow(/rendering template has a nested reference name: loop/);
  });
  it('counts nesting per partial name, as Helm does: a name may be under way 1001 times, not 1002', () => {
    const down = '{{#*inline "down"}}{{#if this}}{{include "down" (sub this 1)}}{{else}}done{{/if}}{{/inline}}';
    expect(render('{{include "down" Values.n}}', { n: 1000n } as unknown as ValueMap, down)).toBe('done');
    expect(() => render('{{include "down" Values.n}}', { n: 1001n } as unknown as ValueMap, down)).toThrow(/nested reference name: down/);
    // A chain of different names deeper than 1000 is no recursion to Helm.
    let chain = '';
    for (let i = 0; i < 1200; i++) chain += `{{#*inline "c${i}"}}{{include "c${i + 1}" this}}{{/inline}}`;
    chain += '{{#*inline "c1200"}}end{{/inline}}';
    expect(render('{{include "c0" Values}}', {}, chain)).toBe('end');
  });

  it('does not let a remembered answer hide a nesting error (its depth counts for the callers that reuse it)', () => {
    const partials =
      '{{#*inline "r"}}{{#if (gt n 0)}}{{include "r" (dict "top" top "n" (sub n 1))}}{{else if top}}{{include "A" top}}{{/if}}{{/inline}}' +
      '{{#*inline "A"}}{{include "B" this}}{{/inline}}' +
      '{{#*inline "B"}}{{include "r" (dict "n" 990)}}B{{/inline}}';
    // B is remembered 992 levels deep, A (reusing B) must be remembered as deep; at level 501, r
    // would then be under way 1492 times: Helm fails, and so must a reused A.
    expect(() => render('{{include "B" this}}{{include "A" this}}{{include "r" (dict "top" this "n" 500)}}', {}, partials)).toThrow(/nested reference name: r/);
    expect(render('{{include "B" this}}{{include "A" this}}{{include "r" (dict "top" this "n" 5)}}', {}, partials)).toBe('BBB');
  });

  it('a failed render leaves the next one its full depth', () => {
    const partials = '{{#*inline "down"}}{{#if this}}{{include "down" (sub this 1)}}{{else}}done{{/if}}{{/inline}}';
    const files: TemplateFile[] = [
      { name: 'templates/t.yaml', srcPath: 't.yaml.hbs', source: '{{include "down" Values.n}}' },
      { name: 'templates/_helpers', srcPath: '_helpers.hbs', source: partials },
    ];
    const engine = new Engine(precompileChart(files, {}));
    const ctx = (n: number) => renderContext({ n } as ValueMap, { Name: 'dify', Version: '0.1.0' }, { name: 'rel', namespace: 'ns' });
    expect(() => engine.render(ctx(5000), 'dify')).toThrow(/nested reference name: down/);
    expect(engine.render(ctx(990), 'dify')[0]!.content).toBe('done');
  });
  it('an unknown partial is an error at render time', () => {
    expect(() => render('{{include "nope" Values}}', {})).toThrow(/no template "nope" associated/);
  });
});

describe('helpers', () => {
  it('never change an object they are given (the memo takes an object for its contents)', () => {
    const deepFreeze = <T,>(v: T): T => {
      if (v !== null && typeof v === 'object') {
        Object.values(v).forEach(deepFreeze);
        Object.freeze(v);
      }
      return v;
    };
    const samples = (): unknown[] => [{ a: 1n, b: 'x', c: [1n, { d: 'e' }] }, ['b', 'a', 'c'], 'text', 2n, true, null];
    const state = new RenderState();
    for (const [name, fn] of Object.entries({ ...HELPERS, ...renderHelpers(() => state) })) {
      if (name === 'fail' || name === 'randAlphaNum' || name === 'lookup') continue;
      for (const a of samples()) {
        for (const b of samples()) {
          for (const args of [[a], [a, b], [b, a], ['k', a, 'l', b], [a, b, a]]) {
            try {
              fn(...deepFreeze(args));
            } catch (e) {
              // A helper may refuse its arguments; writing into a frozen one is what must not happen.
              expect(e, `${name}(${args.map((x) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).join(', ')})`).not.toBeInstanceOf(TypeError);
            }
          }
        }
      }
    }
  });
});

describe('sha256sum', () => {
  it('answers every text with its own digest, the same text again included', async () => {
    const { createHash } = await import('node:crypto');
    const sum = (t: string) => createHash('sha256').update(t).digest('hex');
    // Same lengths, different texts; more texts than it keeps; then the first ones again.
    const texts = ['ab', 'ba', 'ac', 'x'.repeat(400), `${'x'.repeat(399)}y`, 'é', '', 'q1', 'q2', 'q3', 'ab', 'ba'];
    const source = texts.map((t) => `{{sha256sum ${JSON.stringify(t)}}}`).join(' ');
    expect(render(source, {})).toBe(texts.map(sum).join(' '));
  });
});

describe('dict', () => {
  it('keeps __proto__ as a key, as a Go map does', () => {
    expect(render('{{toYaml (dict "__proto__" "x")}}', {})).toBe('__proto__: x');
    expect(render('{{toYaml (dict (printf "%s" "__proto__") "x")}}', {})).toBe('__proto__: x');
  });
});

describe('toYaml and toJson of frozen values', () => {
  it('print a frozen tree as they print its unfrozen copy, every time', () => {
    const make = () => ({ m: { b: [1n, 'x: y', { c: null }], a: 'multi\nline', k: 1.5 } });
    const plain = render('{{toYaml Values.m}}|{{toJson Values.m}}', make() as unknown as ValueMap);
    const frozen = make();
    const deepFreeze = (v: unknown): void => {
      if (v !== null && typeof v === 'object') {
        Object.values(v).forEach(deepFreeze);
        Object.freeze(v);
      }
    };
    deepFreeze(frozen);
    for (let i = 0; i < 3; i++) expect(render('{{toYaml Values.m}}|{{toJson Values.m}}', frozen as unknown as ValueMap)).toBe(plain);
  });
});

describe('partials answered from the memo', () => {
  /** Renders templates a.yaml and b.yaml (same source) with the given partials: both outputs. */
  function renderTwo(source: string, partials: string): [string, string] {
    const files: TemplateFile[] = [
      { name: 'templates/a.yaml', srcPath: 'a.yaml.hbs', source },
      { name: 'templates/b.yaml', srcPath: 'b.yaml.hbs', source },
      { name: 'templates/_helpers', srcPath: '_helpers.hbs', source: partials },
    ];
    const engine = new Engine(precompileChart(files, {}));
    const ctx = renderContext({ x: 'v' } as ValueMap, { Name: 'dify', Version: '0.1.0' }, { name: 'rel', namespace: 'ns' });
    const out = engine.render(ctx, 'dify');
    return [out[0]!.content, out[1]!.content];
  }

  it('give each template its own name when they read Template, however they reach it', () => {
    const partials =
      '{{#*inline "name"}}{{Template.Name}}{{/inline}}' +
      '{{#*inline "outer"}}[{{include "name" this}}]{{/inline}}' +
      '{{#*inline "keys"}}{{#each this}}{{@key}},{{/each}}{{/inline}}' +
      '{{#*inline "plain"}}{{Values.x}}{{/inline}}';
    // `name` is remembered first, then reached through `outer`: outer depends on the template too.
    const [a, b] = renderTwo('{{include "name" @root}} {{include "outer" @root}} {{include "outer" @root}} {{include "plain" @root}} {{include "keys" @root}}', partials);
    expect(a).toBe('dify/templates/a.yaml [dify/templates/a.yaml] [dify/templates/a.yaml] v Capabilities,Chart,Release,Template,Values,');
    expect(b).toBe(a.replaceAll('a.yaml', 'b.yaml'));
  });

  it('are remembered by the object they are called with, and only for that object', () => {
    const partials =
      '{{#*inline "name"}}{{root.Template.Name}}:{{k}}{{/inline}}' +
      '{{#*inline "v"}}{{x}}{{/inline}}' +
      '{{#*inline "count"}}{{len this}}{{/inline}}';
    const source =
      '{{#with (dict "root" @root "k" "a")}}{{include "name" this}} {{include "name" this}}{{/with}} ' +
      '{{#with (dict "root" @root "k" "b")}}{{include "name" this}}{{/with}} ' +
      '{{include "v" Values}}{{include "v" Values}} {{include "count" (list 1 2)}}{{include "count" (list 1)}}';
    const [a, b] = renderTwo(source, partials);
    expect(a).toBe('dify/templates/a.yaml:a dify/templates/a.yaml:a dify/templates/a.yaml:b vv 21');
    expect(b).toBe(a.replaceAll('a.yaml', 'b.yaml'));
  });

  it('share answers between contexts only where they agree on everything the partial reads', () => {
    const partials =
      // root and component only: remembered by component, whatever dict carries it.
      '{{#*inline "name"}}{{root.Release.Name}}-{{component}}{{/inline}}' +
      // Reads another field through a partial it passes its context to: not by component alone.
      '{{#*inline "B"}}{{extra}}{{/inline}}' +
      '{{#*inline "A"}}{{root.Release.Name}}-{{component}}-{{include "B" this}}{{/inline}}' +
      // Uses its context as a whole.
      '{{#*inline "W"}}{{#if root}}{{component}}:{{len this}}{{/if}}{{/inline}}' +
      // Reads a field from inside a with block, through `..` and @root.
      '{{#*inline "D"}}{{#with root}}{{../component}}{{@root.extra}}{{/with}}{{/inline}}';
    const source =
      '{{include "name" (dict "root" @root "component" "x" "extra" "1")}} {{include "name" (dict "root" @root "component" "x" "extra" "2")}} ' +
      '{{include "A" (dict "root" @root "component" "x" "extra" "1")}} {{include "A" (dict "root" @root "component" "x" "extra" "2")}} ' +
      '{{include "W" (dict "root" @root "component" "x")}} {{include "W" (dict "root" @root "component" "x" "extra" "2")}} ' +
      '{{include "D" (dict "root" @root "component" "x" "extra" "1")}} {{include "D" (dict "root" @root "component" "x" "extra" "2")}} ' +
      '{{include "name" (dict "root" Values "component" "x")}}';
    expect(render(source, { Release: { Name: 'fake' } }, partials)).toBe('rel-x rel-x rel-x-1 rel-x-2 x:2 x:3 x1 x2 fake-x');
  });

  it('keep -0 and 0 apart, as Go prints them apart', () => {
    const partials = '{{#*inline "n"}}{{root.Release.Name}}={{f}}{{/inline}}';
    const call = (v: string) => `{{include "n" (dict "root" @root "f" Values.${v})}}`;
    expect(render(`${call('a')} ${call('b')}`, { a: 0, b: -0 }, partials)).toBe('rel=0 rel=-0');
    expect(render(`${call('b')} ${call('a')}`, { a: 0, b: -0 }, partials)).toBe('rel=-0 rel=0');
  });

  it('render 2,000 nested includes of two names, and fail deeper chains with one line, not a stack trace', () => {
    // Two names, each including itself `depth` times down a chain of maps, the first handing over to the second.
    const partials =
      '{{#*inline "p0"}}{{#if n}}{{include "p0" n}}{{else}}{{include "p1" c}}{{/if}}{{/inline}}' +
      '{{#*inline "p1"}}{{#if n}}{{include "p1" n}}{{else}}end{{/if}}{{/inline}}';
    const chain = (depth: number, tail: unknown): unknown => {
      let x: unknown = { n: null, c: tail };
      for (let i = 0; i < depth; i++) x = { n: x };
      return x;
    };
    const values = (depth: number) => ({ top: chain(depth, chain(depth, null)) }) as unknown as ValueMap;
    expect(render('{{include "p0" Values.top}}', values(1000), partials)).toBe('end');
    expect(() => render('{{include "p0" Values.top}}', values(2000), partials)).toThrow(/^t\.yaml\.hbs: rendering template has a nested reference name: p0$/);
    // Different names, each under Helm's limit: JavaScript's stack ends first, said in one line.
    const names = 20; // 18,000 levels: past any JavaScript stack
    const many = Array.from({ length: names }, (_, k) => `{{#*inline "q${k}"}}{{#if n}}{{include "q${k}" n}}{{else}}${k < names - 1 ? `{{include "q${k + 1}" c}}` : 'end'}{{/if}}{{/inline}}`).join('');
    let deep: unknown = null;
    for (let k = 0; k < names; k++) deep = chain(900, deep);
    expect(() => render('{{include "q0" Values.top}}', { top: deep } as unknown as ValueMap, many)).toThrow(/^t\.yaml\.hbs: includes nested \d+ deep, more than this renderer's stack holds/);
  });

  it('still fail a partial that includes itself with its own object, as Helm does', () => {
    const loop = '{{#*inline "loop"}}{{include "loop" this}}{{/inline}}';
    expect(() => render('{{#with (dict "a" 1)}}{{include "loop" this}}{{/with}}', {}, loop)).toThrow(/nested reference name: loop/);
    expect(() => render('{{include "loop" Values}}', { a: 1 }, loop)).toThrow(/nested reference name: loop/);
  });

  it('are kept only when making them drew no random value, wherever the random call sits', () => {
    const partials =
      '{{#*inline "s"}}{{#if v}}{{v}}{{else}}{{randAlphaNum 16}}{{/if}}{{/inline}}' +
      '{{#*inline "outer"}}[{{include "s" this}}]{{/inline}}';
    const out = render(
      '{{include "s" Values.a}}|{{include "s" Values.a}}|{{include "s" Values.b}}|{{include "s" Values.b}}|{{include "outer" Values.b}}|{{include "outer" Values.b}}',
      { a: { v: 'pinned' }, b: { v: '' } },
      partials,
    );
    const [a1, a2, b1, b2, o1, o2] = out.split('|');
    expect([a1, a2]).toEqual(['pinned', 'pinned']);
    expect(new Set([b1, b2, o1, o2]).size).toBe(4); // every random draw is a new one, as in Helm
    expect(o1).toMatch(/^\[[A-Za-z0-9]{16}\]$/);
  });

  it('reach the cluster at every lookup when there is one', () => {
    const seen: string[] = [];
    const lookup: LookupFn = (_apiVersion, _kind, _ns, name) => {
      seen.push(name);
      return { data: { n: String(seen.length) } };
    };
    const out = render('{{include "l" Values}}|{{include "l" Values}}', { name: 'x' }, '{{#*inline "l"}}{{#with (lookup "v1" "Secret" "ns" name)}}{{data.n}}{{/with}}{{/inline}}', lookup);
    expect(out).toBe('1|2');
    expect(seen).toEqual(['x', 'x']);
    // The lookup belongs to that render only: the next one, given none, reads nothing.
    expect(render('{{#with (lookup "v1" "Secret" "ns" "x")}}{{data.n}}{{/with}}', {})).toBe('');
    expect(seen).toEqual(['x', 'x']);
  });

  it('never answer a partial that draws random values or reads the cluster', () => {
    const [a, b] = renderTwo('{{include "r" @root}}|{{include "r" @root}}', '{{#*inline "r"}}{{randAlphaNum 12}}{{/inline}}');
    const [a1, a2] = a.split('|');
    expect(a1).not.toBe(a2);
    expect(b.split('|')[0]).not.toBe(a1);
  });
});
