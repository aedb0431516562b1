/**
 * The compiler proven construct by construct: small templates rendered by the TypeScript engine
 * and, compiled to Go, by real Helm 3.21.4 and 4.3.2 (`helm template` of the packaged archive);
 * the bytes must agree.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compileChart, renderChartText, type PrebuiltChart } from '../../src/render/release.js';
import { parseValuesYaml } from '../../src/values/load.js';
import { chartThroughHelm, helmOrSkip, type HelmMajor } from '../support/helm.js';

// The description has what Helm's loader rewrites (a newline, a tab, a NEL, a zero-width space).
const CHART_YAML = 'apiVersion: v2\nname: dify\nversion: 0.1.0\nappVersion: 20240101\ndescription: "line one\\n\\tline\\u0085two\\u200b end\\n"\nkeywords: ["a\\tb", 010]\ncondition: yes\nCondition: no\n';
const VALUES = `
api:
  image:
    repository: langgenius/dify-api
    tag: "1.7.1"
  env: {}
  list: []
m: {z: 1, a: 2, M: 3}
l: [a, b, c]
nums: {a: 1000000, b: 0.5, c: 10000000000, d: 1.0, e: 0}
tricky: ["yes", "0123", "a: b", "#x", "multi\\nline", "{{ x }}", "üñí"]
emptyMap: {}
falsy: {f: false, z: 0, s: "", n: null}
noValueText: "a<no value>b"
dash: {"c-d": {e: 1}}
bigs: {a: 12345678901234567890, b: 1e21}
`;

/**
 * name → template source. Each exercises one construct of the dialect. A snippet runs twice: as
 * a template of its own (its output is valid YAML) and as a partial whose output is wrapped in a
 * block scalar (for output that is not YAML by itself).
 */
const DIRECT = new Set(['paths', 'eachMap', 'printing', 'yaml', 'nested', 'templateName']);
const SNIPPETS: Record<string, string> = {
  paths: 'a: {{Values.api.image.repository}}:{{Values.api.image.tag}}\nb: {{Release.Name}}/{{Release.Namespace}}/{{Chart.Name}}\n',
  missing: 'a: [{{Values.nope.deeper.still}}] [{{Values.api.env.x.y}}] [{{Values.falsy.f.x}}] [{{Values.falsy.n.x}}]\n',
  missingIf: '{{#if Values.nope.deeper}}yes{{else}}no{{/if}}\n{{#with Values.nope.x}}{{this.y.z}}{{else}}none{{/with}}\n',
  eachMap: 'm:\n{{#each Values.m}}\n  - {{@key}}: {{this}}\n{{/each}}\n',
  eachList:
    '{{#each Values.l}}\n{{@index}} {{this}}{{#if @first}} first{{/if}}{{#if @last}} last{{/if}} {{../Values.api.image.tag}} {{@root.Release.Name}}\n{{/each}}\n',
  eachElse: '{{#each Values.emptyMap}}x{{else}}empty{{/each}} {{#each Values.api.list}}x{{else}}none{{/each}}\n',
  nested:
    '{{#with Values.api}}\n{{#each this.image}}\n{{@key}}: "{{this}} ({{../image.tag}}) {{@root.Chart.Version}}"\n{{/each}}\n{{/with}}\n',
  printing: 'n: {{Values.nums.a}} {{Values.nums.b}} {{Values.nums.c}} {{Values.nums.d}} {{Values.nums.e}} {{true}} {{int Values.nums.a}}\n',
  yaml: 'v:\n{{indent 2 (toYaml Values)}}\nj: {{toJson Values.tricky}}\n',
  quoting: '{{#each Values.tricky}}\n- {{quote this}} {{squote this}}\n{{/each}}\n',
  braces: 'literal: {{"{{"}} and \\{{ not an action }} and {\n{{#if true}}{{/if}}x{{Values.l}}\n',
  trim: 'a:   {{~Values.api.image.tag~}}   :b\n  {{#if true}}\n  standalone\n  {{/if}}\n',
  helpers:
    '{{trunc 5 "abcdefgh"}} {{trimSuffix "-" "a-"}} {{lower "AbC"}} {{upper "x"}} {{replace "." "-" "a.b.c"}} {{printf "%s-%d-%v" "a" (int 3) Values.nums.b}}\n{{b64enc "hi"}} {{sha256sum "x"}} {{sha512sum "x"}} {{join "," Values.l}} {{len Values.l}} {{add 1 2}} {{sub 5 2}} {{ternary "y" "n" true}}\n{{default "d" Values.falsy.s}} {{default "d" Values.falsy.z}} {{coalesce Values.falsy.s "c"}} {{empty Values.emptyMap}} {{hasKey Values.m "a"}} {{get Values.m "a"}} [{{get Values.m "q"}}]\n{{and 1 "" 3}} {{or 0 "" "x"}} {{not 0}} {{eq "a" "a"}} {{ne "a" "b"}} {{kindIs "map" Values.m}} {{contains "b" "abc"}} {{hasPrefix "a" "abc"}}\n{{toString Values.nums.a}} {{urlquery "a b&c/d"}} {{join "," (sortAlpha (keys Values.m))}} {{toYaml (dict "b" 1 "a" (list 1 "x"))}}\n',
  chart: '{{quote Chart.Description}} {{quote Chart.Name}} {{quote Chart.AppVersion}} {{join "," Chart.Keywords}}\n',
  // Chart.yaml is YAML 1.1 to Helm, and a string field takes a word's value as text: yes is "true", 010 is "8", an
  // integer its digits; of two keys json.Unmarshal matches alike, the later in Go's sorted order wins (condition).
  chartYaml11: '{{Chart.Condition}} {{join "," Chart.Keywords}} {{Chart.AppVersion}}\n',
  // Fields Chart.yaml leaves out are chart.Metadata's Go zero values, and IsRoot is true for the chart rendered.
  chartZero:
    '{{len Chart.Sources}} {{Chart.Sources}} {{Chart.Maintainers}} {{Chart.Dependencies}} {{Chart.Annotations}} {{Chart.Deprecated}} [{{Chart.Home}}] {{quote Chart.Icon}} {{quote Chart.Type}} {{quote Chart.Tags}} {{quote Chart.KubeVersion}}\n' +
    '{{Chart.IsRoot}} {{#if Chart.IsRoot}}root{{/if}} {{kindIs "slice" Chart.Maintainers}} {{kindIs "map" Chart.Annotations}} {{kindIs "bool" Chart.Deprecated}} {{empty Chart.Dependencies}} {{len Chart.Keywords}} {{#each Chart.Sources}}x{{else}}none{{/each}}\n',
  semver:
    '{{semverCompare ">=1.21.0-0 <2.0.0" "1.30.1-gke.1"}} {{semverCompare ">= 1.2.3 < 2.0.0-beta" "1.5.0-alpha"}} {{semverCompare ">=1.0.0-rc.9" "1.0.0-rc.10"}}\n' +
    '{{semverCompare "^1.2" "1.9.9"}} {{semverCompare "~1.2.3" "1.2.9"}} {{semverCompare "1.2 - 1.4" "1.4.9"}} {{semverCompare ">=1.21-0" "v1.30.1-gke.100"}} {{semverCompare "*" "1.0.0-beta"}}\n',
  partials: '{{include "t.labels" (dict "root" @root "component" "api")}}\n{{include "t.name" @root}}\n',
  // Partials a render may remember must still see each template's own name.
  // Helm counts include nesting per name: 1001 calls of one name under way are allowed.
  recursion: '{{include "t.down" (int 1000)}}\n',
  templateName: 'tn: "{{include "t.tname" @root}} {{include "t.outer" @root}} {{include "t.name" @root}} {{Template.BasePath}}"\n',
  // Forms the JavaScript generator writes its own way: dict as an object literal (odd count, keys
  // it must leave to the helper), direct and by-name includes, bool helpers as conditions, paths
  // through nil, indent of several lines.
  generated:
    '{{toYaml (dict "b" 1 "a")}}\n{{toYaml (dict "a-b" 1 "__proto__" "x" "k" (dict "n" Values.falsy.n "z" (list)))}}\n' +
    '{{include (printf "t.%s" "name") @root}} {{#if (eq Values.api.image.tag "1.7.1")}}eq{{/if}} {{#unless (empty Values.l)}}full{{/unless}} {{#if (not Values.falsy.z)}}not{{/if}}\n' +
    '[{{Values.falsy.n.deep.er}}] [{{Values.nope.x}}] {{indent 3 "a\\nb\\n"}}|{{nindent 0 "x"}}|{{indent 1 ""}}|{{nindent 2 "\\n\\n"}}|\n' +
    '{{eq "b" "a" "b"}} {{eq "c" "a" "b"}} {{quote "a" Values.falsy.n "b"}} [{{quote Values.falsy.n}}] {{default "only"}} {{and "x"}} {{or ""}} {{and 1 Values.falsy.s 2}} {{or Values.falsy.z "" Values.falsy.f}}\n',
  // Go's and/or stop at the argument that decides: what follows it is not evaluated (no failure,
  // no include, no required), and the answer is that argument; inside a condition as well.
  shortCircuit:
    '{{and false (fail "and went on")}} {{or "x" (fail "or went on")}} {{and Values.falsy.n (required "r" Values.falsy.n)}} [{{or Values.falsy.s (and 1 Values.falsy.z (fail "z"))}}]\n' +
    '{{#if (and Values.nope (include "t.down" (int -1)))}}no{{else}}skip{{/if}} {{#if (or Values.l (fail "l"))}}list{{/if}} {{#unless (and (eq 1 1) Values.falsy.f (fail "f"))}}unless{{/unless}} {{and 1 2 (or 0 "three")}}\n',
  // sprig's int is cast.ToInt64: strconv.ParseInt(s, 0, 64) after cast drops a zero decimal part
  // ("1.0", not "1."), 0 for anything it refuses; a float64 out of int64's range is MinInt64 (amd64);
  // add and sub wrap around as int64 does.
  ints:
    '{{int "08"}} {{int "1."}} {{int "1.0"}} {{int "1_000"}} {{int "9223372036854775808"}} {{int "-9223372036854775808"}} {{int "0x1f"}} {{int "0B101"}} {{int "0o17"}} {{int "017"}}\n' +
    '{{int "_1"}} {{int "1__0"}} {{int "0x_1f"}} {{int "10."}} {{int "+5"}} {{int "-"}} {{int Values.bigs.a}} {{int Values.bigs.b}} {{add Values.bigs.a 1}} {{add (int "9223372036854775807") 1}} {{sub (int "-9223372036854775808") 1}} {{int -3.9}}\n',
  // An integer literal is Go's int, not a float64: printf's %d takes it, kindIs says it is no float.
  intLiterals:
    '{{printf "%d %v %s|%d" 3 3 (toString 3) -7}} {{printf "%v" 1.5}} {{kindIs "float64" 3}} {{kindIs "float64" 1.5}} {{add 1 2}} {{trunc 3 "abcdef"}} {{index (list "a" "b") 1}}\n' +
    '{{toJson (dict "n" 3 "f" 1.5 "z" 0)}} {{toYaml (list 3 0 -2)}} {{#if 0}}zero{{else}}nought{{/if}} {{default 80 Values.nope}} {{ternary 1 2 true}} {{quote 3}}\n',
  // printf's %s, %d and %q take a list or map element by element; a wrong kind names its Go type.
  printfComposite:
    '{{printf "%s|%d|%q" (list 0.5 "a" true) (list 1 (int 2) "b") (list "x" 1.5)}} {{printf "%s" (dict "b" 2.5 "a" "x")}} {{printf "%d" Values.l}} {{printf "%s" (list Values.falsy.s (list "n"))}}\n' +
    '{{printf "%s" 1.5}} {{printf "%d" "x"}} {{printf "%q" true}} {{printf "%s" "a" 2.5 (list 1) (dict "k" 1) true}} {{printf "%s" Values.nope}}\n',
  // lower/upper map one code point at a time, by Unicode's simple case mapping (Go's strings.ToLower/ToUpper).
  caseMapping: '{{lower "ΑΣ ΣΑΣ ÀÉÎ İ ẞ ǅ"}} {{upper "ß ﬁ ŉ ᾳᾀᾨ ǅ àéî σς"}} {{lower "ABC"}} {{upper "abc"}}\n',
  // Go's Unicode is 15.0.0: letters and symbols added since (in Node's ICU) keep their case and are quoted escaped.
  unicode15:
    '{{lower "\ua7cb\u1c89\u{10d50}"}} {{upper "\u0264\u1c8a\u{10d70}"}} {{quote "tired \u{1fae9}"}} {{printf "%q %q" "\u1c89" 129769}} {{toJson (dict "\u{1fae9}" 1)}}\n',
  // urlquery is fmt.Sprint of its arguments: a space between two that are not strings, nil as <no value>.
  urlquery: '{{urlquery 1 2}} {{urlquery "a" 1 2 "b"}} {{urlquery Values.nope}} {{urlquery Values.falsy.n "x"}} {{urlquery true (list 1 "a")}} {{urlquery Values.m}}\n',
  // sortAlpha: Go's byte order (an astral character after U+E000), and a non-list as a one-item list.
  sortAlpha: '{{join "," (sortAlpha (list "😀" "\ue000" "b" "a"))}} {{join "," (sortAlpha Values.nope)}} {{join "," (sortAlpha "x")}} {{join "," (sortAlpha Values.m)}}\n',
  // Comparisons: like with like, strings in Go's byte order (an astral character after U+E000);
  // le is lt or eq and gt is not le, as in Go.
  comparisons:
    '{{lt "😀" "\ue000"}} {{gt "😀" "\ue000"}} {{le "a" "a"}} {{ge "a" "b"}} {{lt 1 2}} {{ge (int 3) (len Values.l)}} {{lt 0.5 Values.nums.b}} {{le Values.nums.b 0.5}} {{gt Values.nums.a 1.5}}\n' +
    '{{eq Values.nope Values.m}} {{ne Values.falsy.n "x"}} {{eq Values.nope Values.falsy.n}} {{eq "a" "b" "a"}} {{eq 1 2 (sub 3 2)}}\n',
  // index of a string gives the byte (Go's uint8) at a byte offset of its UTF-8 text.
  indexString: '{{index "abc" 1}} {{index "üñí" 1}} {{index (index Values.tricky 6) 0}} {{index Values.l 2}} {{index Values.m "z"}} [{{index Values.m "q"}}]\n',
  // %q of an integer quotes the character of that code point (strconv.QuoteRune).
  quoteRune: '{{printf "%q %q %q %q %q" 65 (int 10) (int 39) (int 92) 128512}} {{printf "%q %q %q" 160 -1 (int 1114112)}} {{printf "%q" (list 34 "a")}}\n',
  // Go splits and replaces at an empty string per code point (UTF-8 sequence), not per UTF-16 unit.
  emptySeparator: '{{join "|" (splitList "" "a😀é")}} [{{join "|" (splitList "" "")}}] {{replace "" "-" "a😀"}} {{replace "" "-" ""}} {{replace "😀" "x" "😀a😀"}}\n',
  // trunc counts UTF-8 bytes: a cut between characters of non-ASCII text.
  truncBytes: '{{trunc 3 "héllo"}} {{trunc -4 "a😀"}} {{trunc 4 "üñí"}}|{{trunc 0 "ü"}}|{{trunc -9 "ü"}} {{trunc 2 "ab"}}\n',
  // A field past the first step of a path, of a false value (false, 0, "", an empty list), is nothing:
  // the compiled `default dict` makes a map of it (a field of any other value that is not a map fails).
  fieldsOfFalse: '[{{Values.falsy.f.x}}] [{{Values.falsy.z.x.y}}] [{{Values.falsy.s.x}}] [{{Values.api.list.x}}] [{{Values.emptyMap.x}}] [{{Values.m.constructor}}] [{{Values.api.env.toString}}]\n',
  // A number literal as Go reads its text: digits an int (exact past 2^53, int64's ends included), a fraction a float64 (converted where an int parameter takes it).
  numberLiterals:
    '{{9007199254740993}} {{eq (int 9007199254740993) 9007199254740993}} {{lt 9007199254740992 (int 9007199254740993)}} {{eq Values.nums.a 1000000.0}} {{printf "%d %v %s" 3.0 2.50 -1.0}} {{kindIs "float64" 1.0}} {{trunc 3.0 "abcdef"}} {{lt 0.5 1.5}}\n' +
    '{{trunc 9223372036854775807 "abc"}} {{trunc -9223372036854775808 "abc"}} {{trunc -9223372036854775808.0 "abc"}}\n',
  // Steps Go reads plain but that read nothing: a nil from `index` (a key that is not an
  // identifier) or from a struct field (Chart's annotations), unlike a field of a nil map value.
  plainNil: '[{{Values.dash.[q-r].x}}] [{{Values.dash.[c-d].e}}] {{#if Chart.Annotations.category}}y{{else}}n{{/if}} [{{Chart.Annotations.foo}}] {{Capabilities.KubeVersion.Major}}\n',
  // range over nil takes the else branch, as over an empty list or map.
  eachNil: '{{#each Values.nope}}x{{else}}nil{{/each}} {{#each Values.falsy.n}}x{{else}}null{{/each}} {{#each Values.nope.deeper}}{{this}}{{/each}}.\n',
  // text/template prints a missing or null value as `<no value>`; Helm removes that from each
  // template's finished text only, so what an include returns still holds it (and is not empty).
  noValue:
    '[{{or (include "t.nil" @root) "fallback"}}] {{#if (and (include "t.nil" @root) true)}}yes{{else}}no{{/if}} {{len (include "t.nil" @root)}} {{b64enc (include "t.null" @root)}}\n' +
    '[{{Values.nope}}] [{{Values.falsy.n}}] [{{Values.noValueText}}] {{quote (include "t.nil" @root)}}{{#each (list 1 Values.falsy.n)}} <{{this}}>{{/each}}\n',
};

const PARTIALS =
  '{{#*inline "t.name"}}{{trunc 63 (printf "%s-%s" Release.Name Chart.Name)}}{{/inline}}\n' +
  '{{#*inline "t.labels"}}\napp: {{include "t.name" this.root}}\ncomponent: {{this.component}}\nimage: {{this.root.Values.api.image.tag}}\n{{/inline}}\n' +
  '{{#*inline "t.tname"}}{{Template.Name}}{{/inline}}\n{{#*inline "t.outer"}}[{{include "t.tname" this}}]{{/inline}}\n' +
  '{{#*inline "t.nil"}}{{Values.nope}}{{/inline}}\n{{#*inline "t.null"}}{{Values.falsy.n}}{{/inline}}\n' +
  '{{#*inline "t.down"}}{{#if (gt this 0)}}{{include "t.down" (sub this 1)}}{{else}}down{{/if}}{{/inline}}\n';

let chartDir: string;
const haveHelm = helmOrSkip();
let helmOut: Record<HelmMajor, Map<string, string>>;

beforeAll(async () => {
  const files: Record<string, string> = {
    'Chart.yaml': CHART_YAML,
    'values.yaml': VALUES,
    'values.schema.json': '{"$schema":"http://json-schema.org/draft-07/schema#","type":"object"}',
    'templates/_helpers.hbs': PARTIALS,
  };
  let snippets = '';
  for (const [name, src] of Object.entries(SNIPPETS)) {
    if (DIRECT.has(name)) files[`templates/${name}.yaml.hbs`] = src;
    snippets += `{{#*inline "s.${name}"}}${src}{{/inline}}\n`;
    files[`templates/wrapped-${name}.yaml.hbs`] = `x: |\n  >>>\n{{indent 2 (include "s.${name}" @root)}}\n`;
  }
  files['templates/_snippets.hbs'] = snippets;
  const made = await chartThroughHelm('dify-diff-', files, haveHelm);
  chartDir = made.chartDir;
  if (made.out) helmOut = made.out;
}, 120_000);

/** Snippets that print the chart default `falsy.n: null` itself. */
const NULL_DEFAULT_PRINTED = new Set(['yaml', 'wrapped-yaml']);

describe('compiled templates print what the Handlebars engine prints', () => {
  let compiled: PrebuiltChart | undefined;
  const names = [...Object.keys(SNIPPETS).filter((n) => DIRECT.has(n)), ...Object.keys(SNIPPETS).map((n) => `wrapped-${n}`)];
  for (const name of names) {
    it.skipIf(!haveHelm)(name, () => {
      const defaults = parseValuesYaml(VALUES, 'values.yaml');
      compiled ??= compileChart(chartDir);
      const ts = renderChartText(compiled, defaults, { name: 'release-name', namespace: 'default', showOnly: [`templates/${name}.yaml`] });
      expect(ts).toBe(helmOut[3].get(`dify/templates/${name}.yaml`));
      // Helm 4.2+ drops null defaults of the chart's own values.yaml (helm/helm#32530, open in
      // 4.3.2): `falsy.n` (YAML 1.1 reads the key `n` as false) is gone from its toYaml.
      const helm4 = NULL_DEFAULT_PRINTED.has(name) ? ts.replace(/^ *"false": null\n/m, '') : ts;
      expect(helm4).toBe(helmOut[4].get(`dify/templates/${name}.yaml`));
    });
  }
});
