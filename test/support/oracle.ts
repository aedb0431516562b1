/**
 * The oracle for our ports of Go's printers and readers (src/go, the output scan): real Helm
 * 3.21.4 itself. A probe chart's template reads each document with `fromYaml`
 * (sigs.k8s.io/yaml.Unmarshal, the call Helm reads values files and manifests with) and prints,
 * for every node, what `toYaml`, `toJson`, `{{ x }}` and `quote` give; one `helm template` run
 * answers a whole batch. Typed values (int64, exact float64) are built in the template with
 * `int64` and `float64`, so they are Go's own types as a template sees them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, visit } from 'yaml';
import { it } from 'vitest';
import { tempDir } from '../cli/run.js';
import { helm, helmOrSkip } from './helm.js';

/** What Helm prints for one value. */
export interface OracleNode {
  path: (string | number)[];
  /** Helm's toYaml ("" when it fails; then yamlError is set). */
  yaml: string;
  yamlError?: string;
  /** Helm's toJson ("" when it fails; then jsonError is set). */
  json: string;
  jsonError?: string;
  /** What {{ x }} prints (fmt.Sprint; nil prints "", as Helm removes `<no value>`). */
  print: string;
  /** `quote`, for strings (fmt's %q). */
  quote?: string;
}

export type OracleDoc = { nodes: OracleNode[] } | { error: string };

/** Each question is one Helm run, awaited: a synchronous one would block vitest's worker (test/support/exec.ts). */
export interface Oracle {
  /** One YAML document, read as Helm reads values files. */
  yaml(doc: string): Promise<OracleNode[]>;
  /** Many YAML documents in one run. */
  multi(docs: string[]): Promise<OracleDoc[]>;
  /** Typed values (int64 as bigint, float64 as number), one node each. */
  typed(values: unknown[]): Promise<OracleNode[]>;
}

const TEMPLATE = String.raw`{{- define "o.node" -}}
{{- $v := .v -}}
{{- $n := dict "path" .path "yaml" (toYaml $v) "json" (toJson $v) "print" "" -}}
{{- if not (kindIs "invalid" $v) }}{{ $_ := set $n "print" (printf "%v" $v) }}{{ end -}}
{{- if kindIs "string" $v }}{{ $_ := set $n "quote" (quote $v) }}{{ end }}
# n {{ .doc }} {{ toJson $n | b64enc }}
{{- if .deep }}
{{- if kindIs "map" $v }}{{ range $k, $x := $v }}{{ include "o.node" (dict "doc" $.doc "deep" true "path" (append $.path $k) "v" $x) }}{{ end }}{{ end }}
{{- if kindIs "slice" $v }}{{ range $i, $x := $v }}{{ include "o.node" (dict "doc" $.doc "deep" true "path" (append $.path $i) "v" $x) }}{{ end }}{{ end }}
{{- end }}
{{- end -}}

{{- define "o.build" -}}
{{- $s := .src -}}
{{- if hasKey $s "s" }}{{ $_ := set .dst .key $s.s }}
{{- else if hasKey $s "f" }}{{ $_ := set .dst .key (float64 $s.f) }}
{{- else if hasKey $s "i" }}{{ $_ := set .dst .key (int64 $s.i) }}
{{- else if hasKey $s "b" }}{{ $_ := set .dst .key $s.b }}
{{- else if hasKey $s "n" }}{{ $_ := set .dst .key nil }}
{{- else if hasKey $s "l" }}
{{- $items := dict }}{{ range $i, $x := $s.l }}{{ include "o.build" (dict "src" $x "dst" $items "key" (toString $i)) }}{{ end }}
{{- $l := list }}{{ range $i, $x := $s.l }}{{ $l = append $l (get $items (toString $i)) }}{{ end }}
{{- $_ := set .dst .key $l }}
{{- else if hasKey $s "m" }}
{{- $m := dict }}{{ range $p := $s.m }}{{ include "o.build" (dict "src" (index $p 1) "dst" $m "key" (index $p 0)) }}{{ end }}
{{- $_ := set .dst .key $m }}
{{- end }}
{{- end -}}

{{- range $i, $d := .Values.docs }}
{{- $m := fromYaml $d }}
{{- if and (eq (len $m) 1) (hasKey $m "Error") (regexMatch "^error (converting YAML to JSON|unmarshaling JSON): " (toString (get $m "Error"))) }}
{{- if regexMatch "cannot unmarshal array into" (get $m "Error") }}
{{- include "o.node" (dict "doc" $i "deep" true "path" list "v" (fromYamlArray $d)) }}
{{- else }}
# e {{ $i }} {{ get $m "Error" | b64enc }}
{{- end }}
{{- else }}
{{- include "o.node" (dict "doc" $i "deep" true "path" list "v" $m) }}
{{- end }}
{{- end }}
{{- range $i, $t := .Values.typed }}
{{- $box := dict }}{{ include "o.build" (dict "src" $t "dst" $box "key" "v") }}
{{- include "o.node" (dict "doc" $i "deep" false "path" list "v" (get $box "v")) }}
{{- end }}
`;

let chart: string | undefined;

function probeChart(): string {
  if (chart) return chart;
  const dir = join(tempDir('dify-oracle-'), 'oracle');
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: oracle\nversion: 0.1.0\n');
  writeFileSync(join(dir, 'templates', 'oracle.yaml'), TEMPLATE);
  chart = dir;
  return dir;
}

/** One helm run: documents and typed values in, one answer each out. */
async function ask(docs: string[], typed: unknown[]): Promise<{ docs: OracleDoc[]; typed: OracleNode[] }> {
  const dir = probeChart();
  const values = join(dir, '..', `values-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  // Written as YAML with every character outside printable ASCII escaped: go-yaml refuses raw
  // control characters anywhere in a file, quoted or not.
  writeFileSync(values, yamlSource({ docs, typed }));
  const r = await helm(3, ['template', 'oracle', dir, '-f', values]);
  if (r.code !== 0) throw new Error(`the Helm oracle failed: ${r.stderr}`);
  const out = { docs: docs.map((): OracleDoc => ({ nodes: [] })), typed: [] as OracleNode[] };
  for (const line of r.stdout.split('\n')) {
    const m = /^# ([ne]) (\d+) (\S*)$/.exec(line);
    if (!m) continue;
    const text = Buffer.from(m[3]!, 'base64').toString('utf8');
    const i = Number(m[2]);
    if (m[1] === 'e') {
      out.docs[i] = { error: text };
      continue;
    }
    const node = JSON.parse(text) as OracleNode;
    if (node.yaml === '') node.yamlError = 'toYaml failed (Helm prints nothing)';
    if (node.json === '') node.jsonError = 'toJson failed (Helm prints nothing)';
    if (typed.length > 0) out.typed.push(node);
    else (out.docs[i] as { nodes: OracleNode[] }).nodes.push(node);
  }
  return out;
}

const oracle: Oracle = {
  async yaml(doc) {
    const [r] = (await ask([doc], [])).docs;
    if (!r || 'error' in r) throw new Error(`Helm cannot read the document: ${r ? r.error : 'no answer'}`);
    return r.nodes;
  },
  multi: async (docs) => (docs.length === 0 ? [] : (await ask(docs, [])).docs),
  typed: async (values) => (values.length === 0 ? [] : (await ask([], values.map(typedJson))).typed),
};

/** The typed form the probe builds from: {"s"} {"f": decimal} {"i": int64} {"b"} {"n"} {"l"} {"m": [[k, v]]}. */
export function typedJson(v: unknown): unknown {
  if (v === null || v === undefined) return { n: null };
  switch (typeof v) {
    case 'string':
      return { s: v };
    case 'number':
      // The shortest decimal that reads back as this float64; Go's ParseFloat reads it exactly.
      return { f: Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v) };
    case 'bigint':
      return { i: v.toString() };
    case 'boolean':
      return { b: v };
    default:
  }
  if (Array.isArray(v)) return { l: v.map(typedJson) };
  if (typeof v === 'object') return { m: Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, typedJson(x)]) };
  throw new Error(`no typed form for ${typeof v}`);
}

/**
 * The oracle for a differential test file. Without real Helm the file gets one test that fails in
 * CI, where a missing tool must not pass silently, and is skipped elsewhere.
 */
export function oracleForTests(): Oracle | undefined {
  let ready: boolean;
  let reason = 'real Helm is not built (tools/build.sh)';
  try {
    ready = helmOrSkip();
  } catch (e) {
    ready = false;
    reason = (e as Error).message;
  }
  if (ready) return oracle;
  if (process.env['CI'] === 'true') {
    it('needs real Helm in CI', () => {
      throw new Error(reason);
    });
  } else {
    it.skip(`real Helm unavailable (${reason}): differential tests skipped`, () => {});
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Test helpers shared by the differential tests

/**
 * A YAML text both go-yaml and the `yaml` package read back as `v`: flow style, every string
 * double-quoted with everything outside printable ASCII escaped, long keys explicit.
 */
export function yamlSource(v: unknown): string {
  const parts: string[] = [];
  writeSource(v, parts);
  return parts.join('') + '\n';
}

function quoteSource(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c <= 0xff) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c <= 0xffff) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += '\\U' + c.toString(16).padStart(8, '0');
  }
  return out + '"';
}

function writeSource(v: unknown, parts: string[]): void {
  if (v === null || v === undefined) parts.push('null');
  else if (typeof v === 'string') parts.push(quoteSource(v));
  else if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('no YAML source for non-finite numbers');
    parts.push(Object.is(v, -0) ? '-0.0' : String(v));
  } else if (typeof v === 'boolean') parts.push(String(v));
  else if (Array.isArray(v)) {
    parts.push('[');
    v.forEach((x, i) => {
      if (i > 0) parts.push(', ');
      writeSource(x, parts);
    });
    parts.push(']');
  } else if (typeof v === 'object') {
    parts.push('{');
    Object.entries(v as Record<string, unknown>).forEach(([k, x], i) => {
      if (i > 0) parts.push(', ');
      // A simple key must end within 1024 characters: longer ones are written explicitly.
      const q = quoteSource(k);
      parts.push(q.length > 1000 ? '? ' + q + ' : ' : q + ': ');
      writeSource(x, parts);
    });
    parts.push('}');
  } else throw new Error(`no YAML source for ${typeof v}`);
}

/**
 * The values of a YAML document as Helm holds them, read with the `yaml` package's YAML 1.1
 * schema: numbers are float64 (JS numbers). Integers are normalised as Go's reader does them
 * (an integer -0 is 0); timestamps are refused (Go reads them as strings; tests quote them).
 */
export function parseYaml11(src: string): unknown {
  const doc = parseDocument(src, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`YAML: ${doc.errors[0]!.message}`);
  visit(doc, {
    Scalar(_key, node) {
      if (node.value instanceof Date) throw new Error('unquoted timestamp in a test document');
      if (typeof node.value === 'number' && Object.is(node.value, -0) && node.range) {
        const text = src.slice(node.range[0], node.range[1]);
        if (/^[-+]?0+$/.test(text)) node.value = 0;
      }
    },
  });
  return doc.toJS({ maxAliasCount: -1 });
}

/** The value at an oracle node's path. */
export function valueAt(root: unknown, path: (string | number)[]): unknown {
  let v = root;
  for (const p of path) v = (v as Record<string | number, unknown>)[p];
  return v;
}

export { seededRandom } from './random.js';
