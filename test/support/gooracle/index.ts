/**
 * The Go oracle (main.go beside this file): what Helm's own libraries print for values. Built once
 * in GOPATH mode against the Debian packages of sigs.k8s.io/yaml and gopkg.in/yaml.v2, into a
 * temporary directory keyed by the source's hash, so that test files running in parallel or one
 * after another share one binary.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, visit } from 'yaml';
import { it } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
const GOPATH = '/usr/share/gocode';

/** What the oracle reports for one value. */
export interface OracleNode {
  path: (string | number)[];
  /** Helm's toYaml ("" when sigs.k8s.io/yaml.Marshal fails; then yamlError says why). */
  yaml: string;
  yamlError?: string;
  /** Helm's toJson ("" when json.Marshal fails). */
  json: string;
  jsonError?: string;
  /** What {{ x }} prints (fmt.Sprint; nil prints ""). */
  print: string;
  /** fmt's %q, for strings. */
  quote?: string;
}

export type OracleDoc = { nodes: OracleNode[] } | { error: string };

export interface Oracle {
  /** One YAML values document, read as Helm reads values files. */
  yaml(doc: string): OracleNode[];
  /** Many YAML documents in one run. */
  multi(docs: string[]): OracleDoc[];
  /** Typed values (int64 as bigint, float64 as number), one node each. */
  typed(values: unknown[]): OracleNode[];
}

export type OracleStatus = { available: true; oracle: Oracle } | { available: false; reason: string };

let cached: OracleStatus | undefined;

function run(bin: string, mode: string, input: string): string {
  const r = spawnSync(bin, ['-mode', mode], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`gooracle -mode ${mode} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function lines<T>(out: string): T[] {
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

/** 16 hex digits of a float64's bits. */
function floatBits(f: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, f);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

/** The typed JSON form main.go reads: {"s":..} {"f":bits} {"i":..} {"b":..} {"n":null} {"l":[..]} {"m":[[k,v]..]}. */
export function typedJson(v: unknown): unknown {
  if (v === null || v === undefined) return { n: null };
  switch (typeof v) {
    case 'string':
      return { s: v };
    case 'number':
      return { f: floatBits(v) };
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
 * The oracle for a differential test file. Without Go (or its libraries) the file gets one test
 * that fails in CI, where a missing tool must not pass silently, and is skipped elsewhere.
 */
export function oracleForTests(): Oracle | undefined {
  const status = loadOracle();
  if (status.available) return status.oracle;
  if (process.env.CI === 'true') {
    it('needs the Go oracle in CI', () => {
      throw new Error(`Go oracle unavailable: ${status.reason}`);
    });
  } else {
    it.skip(`Go oracle unavailable (${status.reason}): differential tests skipped`, () => {});
  }
  return undefined;
}

/** Builds (or reuses) the oracle; tells why it cannot when Go or the Go libraries are missing. */
export function loadOracle(): OracleStatus {
  if (cached) return cached;
  cached = build();
  return cached;
}

function build(): OracleStatus {
  const goVersion = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (goVersion.error || goVersion.status !== 0) {
    return { available: false, reason: 'the Go toolchain (`go`) is not installed' };
  }
  for (const pkg of ['sigs.k8s.io/yaml', 'gopkg.in/yaml.v2']) {
    if (!existsSync(join(GOPATH, 'src', pkg))) {
      return { available: false, reason: `the Go package ${pkg} is not under ${GOPATH} (Debian golang-k8s-sigs-yaml-dev)` };
    }
  }
  const source = readFileSync(join(HERE, 'main.go'));
  const hash = createHash('sha256').update(source).update(goVersion.stdout).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `dify-chart-gooracle-${hash}`);
  const bin = join(dir, 'gooracle');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${bin}.${process.pid}.${Date.now()}`;
    const env: NodeJS.ProcessEnv = { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '' };
    // go needs a build cache; without HOME (some CI environments) it has no default.
    if (!env.GOCACHE && !env.XDG_CACHE_HOME && !env.HOME) env.GOCACHE = join(tmpdir(), 'dify-chart-gocache');
    const r = spawnSync('go', ['build', '-o', tmp, '.'], { cwd: HERE, encoding: 'utf8', env });
    if (r.status !== 0) {
      rmSync(tmp, { force: true });
      return { available: false, reason: `building the Go oracle failed: ${r.stderr || r.error?.message}` };
    }
    renameSync(tmp, bin); // atomic: parallel test files may race to build
  }
  const oracle: Oracle = {
    yaml: (doc) => lines<OracleNode>(run(bin, 'yaml', doc)),
    multi: (docs) => lines<OracleDoc>(run(bin, 'multi', docs.map((d) => JSON.stringify(d)).join('\n') + '\n')),
    typed: (values) => lines<OracleNode>(run(bin, 'typed', values.map((v) => JSON.stringify(typedJson(v))).join('\n') + '\n')),
  };
  return { available: true, oracle };
}

// ---------------------------------------------------------------------------------------------
// Test helpers shared by the differential tests

/**
 * A YAML text both gopkg.in/yaml.v2 and the `yaml` package read back as `v`: flow style, every
 * string double-quoted with everything outside printable ASCII escaped, long keys explicit.
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

/** Mulberry32: a small seeded PRNG, so that random corpora are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The oracle's toJson as Helm 3.15 (Go 1.22) prints it: Go 1.22's encoding/json writes U+0008 and
 * U+000C as \b and \f, where the Go 1.19 the oracle is built with writes \u0008 and \u000c.
 */
export function jsonAsGo122(json: string): string {
  return json.replace(/(?<!\\)((?:\\\\)*)\\u000([8c])/g, (_m, bs: string, d: string) => bs + (d === '8' ? '\\b' : '\\f'));
}
