/**
 * Values files: read and typed exactly as Helm 3 reads them (sigs.k8s.io/yaml over go-yaml v2,
 * then a JSON round trip, so every number is a float64 and every map key a string). Errors are
 * one line, `<file>:<line>:<col>: <what>`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isAlias,
  isMap as isYamlMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  Parser,
  CST,
  type Alias,
  type Document,
  type Node,
  type Scalar,
  type YAMLMap,
  visit,
} from 'yaml';
import { keyString, resolvePlain, type Resolved } from '../go/yaml-resolve.js';
import { goScan } from '../go/yaml-scan.js';
import { setKey } from './maps.js';
import { Provenance } from './provenance.js';
import { parseSimpleValues } from './simpleyaml.js';
import { kindInWords, type Value, type ValueMap } from './types.js';
import { describeFsError, UserError } from '../errors.js';
import { readChartFile } from '../chart/files.js';
import { urlParseError, urlScheme } from '../go/url.js';
import { goTrimSpace } from '../go/strings.js';
import { formatFloatG } from '../go/fmt.js';

export interface LoadedValues {
  values: ValueMap;
  /** The name errors and provenance use: the path as given, or `<stdin>`. */
  source: string;
  /** Where each value path was written, as `file:line:col`. */
  positions: Provenance;
  /** What Helm reads silently but a user may not mean (a duplicate key), one line each. */
  warnings?: string[];
}

const TAG = 'tag:yaml.org,2002:';
/**
 * Line breaks go-yaml's reader turns into '\n': CR LF, a lone CR, NEL. LS and PS are line breaks
 * to its scanner too, kept as they are in a value where it keeps a break (readDocument).
 */
const GO_BREAKS = /\r\n?|\x85/g;
/** LS and PS, line breaks to go-yaml (is_break) and text to the `yaml` package. */
const LS_PS = /[\u2028\u2029]/;
const LS_PS_ALL = /[\u2028\u2029]/g;
/** Characters YAML does not allow raw in a stream (go-yaml's yaml_reader check). */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
// A "billion laughs" guard: go-yaml also refuses documents whose aliases expand enormously.
const MAX_NODES = 5_000_000;

/**
 * How deep values may nest: far past any real chart's values, and well within what the recursive
 * steps after this one (coalescing, the schema check, templates' toYaml and toJson, the output
 * check) do on V8's default stack. Helm reads up to 10000 levels.
 */
export const MAX_VALUES_DEPTH = 500;

/** The one line for values nested past MAX_VALUES_DEPTH: the start of their path, and where they were written. */
export function tooDeepMessage(pathStart: string, where: string | undefined): string {
  return `${pathStart}...: values nested more than ${MAX_VALUES_DEPTH} levels deep, the most dify-chart renders (Helm reads up to 10000)${where ? ` (from ${where})` : ''}`;
}

/** Parses a values document; see parseValuesDocument. */
export function parseValuesYaml(text: string, source: string): ValueMap {
  return parseValuesDocument(text, source).values;
}

/**
 * Parses the first YAML document of `text` (go-yaml v2 ignores the rest) into a map of values,
 * recording where each value path was written. An empty document is an empty map.
 */
export function parseValuesDocument(text: string, source: string): LoadedValues {
  const lf = goLines(text, source);
  // Most values files are plain block YAML: read those without the full parser (same result).
  const simple = parseSimpleValues(lf, source);
  if (simple) return { values: simple.values, source, positions: simple.positions };
  return parseValuesWithYaml(lf, source);
}

/**
 * The text as go-yaml's reader takes it: control characters refused (anywhere in the stream,
 * comments too, as go-yaml and so Helm refuse them), CR LF, a lone CR and NEL read as '\n' (the
 * `yaml` package reads only CR LF and LF as line ends).
 */
function goLines(text: string, source: string): string {
  const bad = NOT_PRINTABLE.exec(text);
  if (bad) {
    const before = text.slice(0, bad.index).split('\n');
    const col = Array.from(before[before.length - 1] ?? '').length + 1;
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new UserError(`${source}:${before.length}:${col}: control characters are not allowed (U+${code}); write it as an escape in a double-quoted string`, { file: source, line: before.length, col });
  }
  return text.replace(GO_BREAKS, '\n');
}

/**
 * The full reader, for any YAML (the `yaml` package's parser under go-yaml's rules), for text
 * already checked for control characters. Exported so tests hold the fast path to it.
 */
export function parseValuesWithYaml(text: string, source: string): LoadedValues {
  const { value: top, positions, warnings } = readDocument(text, source, {});
  if (top === null) return { values: {}, source, positions, warnings };
  if (!isValueMap(top)) {
    throw new UserError(`${source}: top level must be a map of values, got ${kindInWords(top)}`, { file: source });
  }
  return { values: top, source, positions, warnings };
}

/** How a reader other than the values loader decodes: the output check reads documents into Helm's SimpleHead. */
export interface GoYamlOptions {
  /** Whether the value at a path goes into a Go string field, where sigs.k8s.io/yaml writes a number or bool as its text. */
  stringField?: (path: readonly string[]) => boolean;
  /** Keep the last of two keys of two types that print alike (Helm keeps one at random) instead of refusing them. */
  keepClashingKeys?: boolean;
  /** go-yaml's own types, before the JSON round trip: integers stay bigint (an int, not a float64). */
  goTyped?: boolean;
  /** Refuse a repeated key, as yaml.UnmarshalStrict does. */
  strict?: boolean;
}

/** The first document of a YAML text as sigs.k8s.io/yaml hands it to json.Unmarshal. */
export interface GoYamlDocument {
  /** null for an empty document. */
  value: Value;
  positions: Provenance;
  warnings: string[];
}

/**
 * The first YAML document of `text` read as sigs.k8s.io/yaml.Unmarshal reads it (go-yaml v2, then
 * its conversion to JSON), whatever its shape: the values loader's reading, for Helm reads
 * rendered manifests with the same function. Errors are UserErrors `<source>:<line>:<col>: <what>`.
 */
export function readGoYaml(text: string, source: string, opts: GoYamlOptions = {}): GoYamlDocument {
  return readDocument(goLines(text, source), source, opts);
}

function readDocument(input: string, source: string, opts: GoYamlOptions): GoYamlDocument {
  try {
    return readNested(input, source, opts);
  } catch (e) {
    // The `yaml` package recurses per level: a file nested thousands deep overflows it. Named as
    // the composer's own overflow is (tooDeepOr), else by the file alone.
    const located = tooDeepOr(e, input, source);
    if (located instanceof RangeError && OVERFLOW.test(located.message)) {
      throw new UserError(`${source}: nests deeper than dify-chart can read (values may nest ${MAX_VALUES_DEPTH} levels)`, { file: source });
    }
    throw located;
  }
}

function readNested(input: string, source: string, opts: GoYamlOptions): GoYamlDocument {
  // What go-yaml's scanner refuses or stops at where the `yaml` package reads on (src/go/yaml-scan.ts).
  const scan = goScan(input);
  // go-yaml breaks lines at LS and PS too: the `yaml` package is given '\n' there (one unit for
  // one, offsets kept), and the values of scalars holding them are the walk's.
  const lsps = LS_PS.test(input);
  const lined = lsps ? input.replace(LS_PS_ALL, '\n') : input;
  // A colon go-yaml keeps in a plain scalar in flow, where the `yaml` package would end the scalar
  // (`[a:]`), is given to it as a character it reads as text, and the values of those scalars are
  // the walk's; a `?` in flow that runs into its key (`{?x}`), a key indicator to go-yaml, as a
  // space (the Converter makes `[?x]` a map). One unit for one: offsets are kept.
  const edits: [number, string][] = [...scan.colons.map((at): [number, string] => [at, TEXT_COLON]), ...scan.flowKeys.map((at): [number, string] => [at, ' '])];
  const kept = edits.length === 0 ? lined : replaceAt(lined, edits.sort((a, b) => a[0] - b[0]));
  // A directive line ends the first document, as go-yaml's parser reads it; the rest is not read.
  const first = scan.directiveAt === undefined ? kept : kept.slice(0, scan.directiveAt);
  let text = first;
  let lines = new LineCounter();
  let docs = parseStream(text, lines, source);
  // go-yaml does not hold the lines of a quoted scalar to any indentation, the `yaml` package
  // does: such a scalar is indented (its value unchanged) and the text read again.
  // Where each rewrite put its indentation (line starts of the text it was made on), to find the
  // walk's offsets again.
  const shifts: Indented[] = [];
  for (let tries = 0; tries < 64; tries++) {
    const fixed = goQuotedScalar(text, docs[0], (offset, what) => failAt(lines, source, offset, what));
    if (fixed === undefined) break;
    text = fixed.text;
    shifts.push(fixed);
    lines = new LineCounter();
    docs = parseStream(text, lines, source);
  }
  const positions = new Provenance();
  checkStreamStart(text, (offset, what) => failAt(lines, source, offset, what));
  if (scan.error) failAtText(lined, source, scan.error.offset, scan.error.message);
  const doc = docs[0];
  if (!doc) return { value: null, positions, warnings: [] };
  // The `yaml` package's composer recurses per level, and reports its own stack overflow as an
  // error at a position that varies with the stack left (past some 780 levels of flow style): the
  // nesting limit is found without recursion instead, as block style finds it after loading.
  if (doc.errors.some((e) => OVERFLOW.test(e.message))) throw tooDeepOr(new RangeError(OVERFLOW.source), text, source);
  const conv = new Converter(doc, lines, source, positions, opts);
  conv.checkEscapes(text);
  // A block scalar whose last line runs into the end of the text: go-yaml reads no line break there.
  if (scan.unterminatedBlocks.length > 0) conv.unterminatedText = text;
  // go-yaml reads `\'` in double quotes as `'`; the `yaml` package refuses it (its value is made below).
  // Directives are checked above by go-yaml's rules (which let a version run into a comment).
  const err = doc.errors.find((e) => e.code !== 'BAD_DIRECTIVE' && !(e.code === 'BAD_DQ_ESCAPE' && conv.quoteEscapes.has(e.pos[0])));
  if (err) conv.fail(err.pos[0], err.message.split('\n')[0] ?? err.message);
  // Exact only where the walk followed the whole document over the text as given.
  if (lsps && !scan.complete) {
    const at = LS_PS.exec(input)!.index;
    failAtText(lined, source, at, `U+${input.codePointAt(at)!.toString(16).toUpperCase()} (a line break to go-yaml) in a document dify-chart does not read as go-yaml does; write it as an escape (\\L, \\P) in a double-quoted string`);
  }
  // The walk's offsets in the text the `yaml` package read last.
  const moved = (at: number): number => shifts.reduce((o, f) => o + f.pad * f.at.filter((p) => p <= o).length, at);
  for (const at of scan.seqKeys) conv.seqKeys.add(moved(at));
  if (scan.values.size > 0) {
    conv.goValues(new Map([...scan.values].map(([at, v]) => [moved(at), v])));
  }
  const root = doc.contents;
  let value: Value;
  try {
    value = root === null ? null : conv.value(root, []);
  } catch (e) {
    throw tooDeepOr(e, text, source);
  }
  return { value, positions, warnings: conv.warnings };
}

/** What the `yaml` package is given for a colon go-yaml keeps as text: a private-use character, one UTF-16 unit. */
const TEXT_COLON = '\ue000';

/** `text` with the one-unit character at each offset (ascending) replaced by its edit's. */
function replaceAt(text: string, edits: readonly [number, string][]): string {
  let out = '';
  let from = 0;
  for (const [at, by] of edits) {
    out += text.slice(from, at) + by;
    from = at + 1;
  }
  return out + text.slice(from);
}

/** The stream's documents, read by the `yaml` package under go-yaml's version and rules (typing is the Converter's). */
function parseStream(text: string, lines: LineCounter, source: string): Document[] {
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, {
      version: '1.1',
      schema: 'failsafe', // every scalar stays text; the Converter types it
      merge: false, // `<<` is handled by the Converter, with go-yaml's precedence
      uniqueKeys: false, // a later key wins, as in go-yaml (the Converter)
      prettyErrors: false,
      lineCounter: lines,
    });
  } catch (e) {
    throw tooDeepOr(e, text, source);
  }
  return Array.isArray(docs) ? docs : [];
}

/** A document marker line, which ends a quoted scalar in go-yaml too (as an error). */
const MARKER_LINE = /^(?:---|\.\.\.)(?:[ \t]|$)/;

/**
 * The text with the first quoted scalar the `yaml` package cut at a line less indented than it
 * wants (its error: a missing closing quote at that line's break) indented to its satisfaction;
 * undefined when there is none. Leading blanks of a quoted scalar's lines are not its text, so
 * the value stays go-yaml's.
 */
interface Indented {
  text: string;
  /** The offsets (in the text before) where `pad` spaces went in. */
  at: number[];
  pad: number;
}

function goQuotedScalar(text: string, doc: Document | undefined, fail: (offset: number, what: string) => never): Indented | undefined {
  const cut = quotedScalarCut(text, doc);
  if (!cut) return undefined;
  const { nl, quote } = cut;
  // The closing quote, found as the `yaml` package finds it: not doubled, not escaped.
  let close = text.indexOf(quote, nl + 1);
  while (close >= 0) {
    let escapes = 0;
    while (quote === '"' && text[close - 1 - escapes] === '\\') escapes++;
    if (quote === "'" && text[close + 1] === "'") close = text.indexOf(quote, close + 2);
    else if (escapes % 2 === 1) close = text.indexOf(quote, close + 1);
    else break;
  }
  if (close < 0) return undefined;
  // As deep as the last line with text up to the cut: deeper than whatever holds the scalar.
  let end = nl;
  let start = text.lastIndexOf('\n', end - 1) + 1;
  while (start === end && start > 0) {
    end = start - 1;
    start = text.lastIndexOf('\n', end - 1) + 1;
  }
  const pad = ' '.repeat(Math.max(1, end - start));
  const body = text.slice(nl + 1, close + 1).split('\n');
  // go-yaml meets the marker inside the scalar; the `yaml` package's reading (the scalar cut short) must not stand.
  const marker = body.findIndex((l) => MARKER_LINE.test(l));
  if (marker >= 0) fail(nl + 1 + body.slice(0, marker).reduce((n, l) => n + l.length + 1, 0), 'found unexpected document indicator');
  const at: number[] = [];
  let lineAt = nl + 1;
  for (const l of body) {
    if (l !== '') at.push(lineAt);
    lineAt += l.length + 1;
  }
  return { text: text.slice(0, nl + 1) + body.map((l) => (l === '' ? l : pad + l)).join('\n') + text.slice(close + 1), at, pad: pad.length };
}

/**
 * Where the `yaml` package cut a quoted scalar at a line break, and its quote: it says a closing
 * quote is missing, or takes a quote the line ends in for the closing one where it is not (`\"` in
 * double quotes, the second of `''` in single quotes).
 */
function quotedScalarCut(text: string, doc: Document | undefined): { nl: number; quote: string } | undefined {
  if (!doc) return undefined;
  const missing = doc.errors.find((e) => e.code === 'MISSING_CHAR' && /^Missing closing ["']quote/.test(e.message) && text[e.pos[0]] === '\n');
  if (missing) return { nl: missing.pos[0], quote: missing.message[16]! };
  if (!text.includes('\\"\n') && !text.includes("''\n")) return undefined;
  let cut: { nl: number; quote: string } | undefined;
  visit(doc, {
    Scalar: (_key, node) => {
      const [start, end] = node.range ?? [];
      if (start === undefined || end === undefined || text[end] !== '\n') return undefined;
      if (node.type === 'QUOTE_DOUBLE') {
        // The last quote escaped: an odd run of backslashes before it.
        let escapes = 0;
        while (text[end - 2 - escapes] === '\\') escapes++;
        if (escapes % 2 === 0) return undefined;
        cut = { nl: end, quote: '"' };
      } else if (node.type === 'QUOTE_SINGLE') {
        // Closed, the quotes after the opening one end in an odd run (pairs, then the closing one).
        let run = 0;
        while (end - 1 - run > start && text[end - 1 - run] === "'") run++;
        if (run % 2 === 1) return undefined;
        cut = { nl: end, quote: "'" };
      } else {
        return undefined;
      }
      return visit.BREAK;
    },
  });
  return cut;
}

const OVERFLOW = /Maximum call stack size exceeded/;

/**
 * For a stack overflow while reading `text`: the nesting error, naming the first collection past
 * MAX_VALUES_DEPTH as the values check after loading names it (same path, same place, same order
 * of search); any other error is returned as it is.
 */
function tooDeepOr(e: unknown, text: string, source: string): unknown {
  if (!(e instanceof RangeError) || !OVERFLOW.test(e.message)) return e;
  const found = deepestCollection(text);
  if (found === undefined) return e;
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines.addNewLine(at + 1);
  const { line, col } = lines.linePos(found.offset);
  return new UserError(tooDeepMessage(found.path, `${source}:${line}:${col}`), { file: source, line, col });
}

/**
 * The first collection nested deeper than MAX_VALUES_DEPTH in the first document of `text`, found
 * on the `yaml` package's concrete syntax tree (built without recursion) by a walk without
 * recursion in the values check's order: the start of its path, as the check prints it, and the
 * offset of its key (in a map) or of itself (in a list).
 */
function deepestCollection(text: string): { path: string; offset: number } | undefined {
  interface Entry {
    token: CST.Token;
    depth: number;
    /** `.key`, `["key"]` or `[0]`, and the entry above. */
    seg?: string;
    parent?: Entry;
    offset: number;
  }
  const keyText = (t: CST.Token | undefined): string => {
    if (t === undefined) return '';
    const r = CST.resolveAsScalar(t);
    if (!r) return CST.stringify(t);
    const k = t.type === 'scalar' ? keyString(resolvePlain(r.value)) : r.value;
    return k ?? r.value;
  };
  const keySeg = (k: string): string => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);
  const isCollection = (t: CST.Token | undefined): t is CST.BlockMap | CST.BlockSequence | CST.FlowCollection =>
    t !== undefined && (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection');
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    if (!isCollection(token.value)) return undefined;
    const stack: Entry[] = [{ token: token.value, depth: 0, offset: token.value.offset }];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (e.depth > MAX_VALUES_DEPTH) {
        const segs: string[] = [];
        for (let at: Entry | undefined = e; at?.seg !== undefined; at = at.parent) segs.unshift(at.seg);
        return { path: `values${segs.slice(0, 4).join('')}`, offset: e.offset };
      }
      const t = e.token;
      if (!isCollection(t)) continue;
      const isList = t.type === 'block-seq' || (t.type === 'flow-collection' && t.start.source === '[');
      t.items.forEach((item, i) => {
        const value = item.value ?? undefined;
        if (!isCollection(value)) return;
        const key = 'key' in item ? item.key : undefined;
        const seg = isList ? `[${i}]` : keySeg(keyText(key ?? undefined));
        stack.push({ token: value, depth: e.depth + 1, seg, parent: e, offset: isList ? value.offset : (key?.offset ?? value.offset) });
      });
    }
    return undefined;
  }
  return undefined;
}

/**
 * The first document of `text` as go-yaml v2 decodes it into interface{} (before sigs.k8s.io/yaml's
 * JSON round trip): integers as bigint, floats as numbers, any value at the top (null when empty);
 * `strict` refuses a repeated key as yaml.UnmarshalStrict does, `stringField` names where sigs.k8s.io/yaml
 * writes a number or bool as text. Errors are UserErrors `source:line:col: what`.
 */
export function parseGoYaml(text: string, source: string, opts: Pick<GoYamlOptions, 'strict' | 'stringField'> = {}): Value {
  return readGoYaml(text, source, { ...opts, goTyped: true }).value;
}

/** A UserError at a position of the text: `file:line:col: what`. */
function failAt(lines: LineCounter, source: string, offset: number, what: string): never {
  const { line, col } = lines.linePos(offset);
  throw new UserError(`${source}:${line}:${col}: ${what}`, { file: source, line, col });
}

/** A UserError at an offset of `text` (its lines and columns counted as go-yaml counts them, in characters). */
function failAtText(text: string, source: string, offset: number, what: string): never {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(0, start).split('\n').length;
  const col = Array.from(text.slice(start, offset)).length + 1;
  throw new UserError(`${source}:${line}:${col}: ${what}`, { file: source, line, col });
}

/** Document start and end markers: `---` or `...` alone on their line or before more. */
const DOCUMENT_START = /^---(?:[ \t]|$)/;
const DOCUMENT_END = /^\.\.\.(?:[ \t]|$)/;

/**
 * The stream's start up to its first document, held to go-yaml v2's reading: the directives
 * (`%YAML 1.1` once at most, each `%TAG` handle once, no other name; the `yaml` package reads
 * other versions as the one it is given), then `---`; without directives, no `...` before any
 * document, which go-yaml refuses where the `yaml` package reads an empty stream.
 */
function checkStreamStart(text: string, fail: (offset: number, what: string) => never): void {
  const tags = new Set<string>();
  let yaml = false;
  // Line by line, only as far as the document's first line.
  for (let at = 0, next = 0; at < text.length; at = next) {
    const end = text.indexOf('\n', at);
    next = end < 0 ? text.length : end + 1;
    const line = text.slice(at, end < 0 ? text.length : end);
    if (line.trim() === '' || /^ *#/.test(line)) continue;
    if (!line.startsWith('%')) {
      const directives = yaml || tags.size > 0;
      if (directives && !DOCUMENT_START.test(line)) fail(at, 'did not find expected <document start>');
      if (!directives && DOCUMENT_END.test(line)) fail(at, 'did not find expected node content');
      return;
    }
    const [name = '', ...args] = line.slice(1).split(/[ \t]+/);
    // go-yaml's directive name: letters, digits, `_` and `-`, then a blank.
    const alpha = /^[0-9A-Za-z_-]*/.exec(name)![0];
    if (alpha === '') fail(at, 'could not find expected directive name');
    if (alpha !== name) fail(at + 1 + alpha.length, 'found unexpected non-alphabetical character');
    if (name === 'YAML') {
      if (yaml) fail(at, 'found duplicate %YAML directive');
      yaml = true;
      // The version may run straight into a comment: `%YAML 1.1#c`.
      const m = /^(\d+)\.(\d+)(?:#|$)/.exec(args[0] ?? '');
      if (!m || Number(m[1]) !== 1 || Number(m[2]) !== 1) fail(at, 'found incompatible YAML document');
    } else if (name === 'TAG') {
      if (tags.has(args[0] ?? '')) fail(at, 'found duplicate %TAG directive');
      tags.add(args[0] ?? '');
    } else {
      fail(at, 'found unknown directive name');
    }
  }
  // Directives and then nothing: go-yaml still wants the document they announce.
  if (yaml || tags.size > 0) fail(text.length, 'did not find expected <document start>');
}

/** Reads a values file (`-` reads standard input through `stdin`). */
export function loadValuesFile(path: string, stdin?: () => string): LoadedValues {
  if (isStdinPath(path)) return parseValuesDocument((stdin ?? readStdin)(), '<stdin>');
  const refused = valuesPathError(path);
  if (refused !== undefined) throw new UserError(refused, { file: path });
  return parseValuesDocument(readText(path), path);
}

/** Schemes whose values Helm downloads (its getters), where dify-chart reads only files. */
const DOWNLOADED = new Set(['http', 'https', 'oci']);

/**
 * Why Helm would not read a `-f` or `--set-file` path as a local file, if it would not: Helm parses
 * every such path as a URL first, failing where Go's url.Parse fails (with its words), and
 * downloads http, https and oci URLs, which dify-chart does not.
 */
export function valuesPathError(path: string): string | undefined {
  const refused = urlParseError(path);
  if (refused !== undefined) return `parse ${JSON.stringify(path)}: ${refused}`;
  const scheme = urlScheme(path);
  if (scheme !== undefined && DOWNLOADED.has(scheme)) {
    return `${path}: Helm downloads values from ${scheme} URLs; dify-chart reads local files only: download it and give its path`;
  }
  return undefined;
}

/** chart/values.yaml; a chart without one has no defaults, as in Helm. */
export function loadChartDefaults(chartDir: string): LoadedValues {
  const file = join(chartDir, 'values.yaml');
  // Read as a chart file (a link or a FIFO refused, src/chart/files.ts), not as a -f path.
  const bytes = readChartFile(file, true);
  if (!bytes) return { values: {}, source: file, positions: new Provenance() };
  return parseValuesDocument(decodeStrict(bytes, file, false), file);
}

/** Strict UTF-8 (invalid bytes throw); one decoder serves every read, as decode() keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** The same, keeping a leading byte order mark as text: --set-file passes a file's bytes on as they are. */
const UTF8_KEEP_BOM = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A file's text as UTF-8 (a leading BOM dropped unless `keepBom`), with one-line errors naming the file. */
export function readText(path: string, keepBom = false): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`${path}: ${describeFsError(e, 'read')}`, { file: path });
  }
  return decodeStrict(bytes, path, keepBom);
}

function decodeStrict(bytes: Buffer, name: string, keepBom: boolean): string {
  try {
    return (keepBom ? UTF8_KEEP_BOM : UTF8).decode(bytes);
  } catch {
    throw new UserError(`${name}: not valid UTF-8`, { file: name });
  }
}

/** `-` (spaces around it allowed, as Helm trims the path) names standard input. */
export function isStdinPath(path: string): boolean {
  return goTrimSpace(path) === '-';
}

/** Standard input as UTF-8, held to it as a file is (`keepBom` as in readText). */
export function readStdin(keepBom = false): string {
  return decodeStrict(readFileSync(0), '<stdin>', keepBom);
}

function isValueMap(v: Value): v is ValueMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Turns the parsed document into Values, node by node, with go-yaml v2's decoding rules. */
class Converter {
  private produced = 0;
  private readonly open = new Set<Node>();
  readonly warnings: string[] = [];
  /** Offsets of `\'` escapes in one-line double-quoted scalars, and those scalars' text as go-yaml reads it. */
  readonly quoteEscapes = new Set<number>();
  private readonly decoded = new Map<Scalar, string>();
  /** Where the key of a flow sequence's `?` entry starts (`[?x]`, given to the `yaml` package as `[ x]`): go-yaml makes the entry a map. */
  readonly seqKeys = new Set<number>();
  /**
   * The text, when it ends inside a block scalar's last line: go-yaml's reader finds no line break
   * after that line, so the scalar keeps none (`|` and `|+` alike), where the `yaml` package adds one.
   */
  unterminatedText: string | undefined;


  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly source: string,
    private readonly positions: Provenance,
    private readonly opts: GoYamlOptions,
  ) {}

  fail(offset: number, what: string): never {
    return failAt(this.lines, this.source, offset, what);
  }

  /**
   * The escapes of every double-quoted scalar, held to go-yaml's: the `yaml` package also takes
   * YAML 1.2's `\/` and JSON's surrogate pairs (`\ud83d\ude00`), which go-yaml refuses.
   */
  checkEscapes(text: string): void {
    visit(this.doc, {
      Scalar: (_key, node) => {
        if (node.type !== 'QUOTE_DOUBLE' || !node.range) return;
        const [from, to] = node.range;
        for (let i = text.indexOf('\\', from); i >= 0 && i < to; i = text.indexOf('\\', i)) {
          const c = text[i + 1] ?? '';
          if (c === "'") {
            // Made here for a one-line scalar (go-yaml's folding of lines is the `yaml` package's).
            const raw = text.slice(from, to);
            if (!raw.includes('\n') && raw.endsWith('"')) {
              this.quoteEscapes.add(i);
              this.decoded.set(node, decodeDoubleQuoted(raw.slice(1, -1)));
            }
          }
          const width = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
          if (width > 0) {
            const hex = text.slice(i + 2, i + 2 + width);
            if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length < width) this.fail(i, 'did not find expected hexdecimal number');
            const code = parseInt(hex, 16);
            if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) this.fail(i, 'found invalid Unicode character escape code');
          } else if (!Object.hasOwn(GO_ESCAPES, c) && c !== '\n') {
            this.fail(i, 'found unknown escape character');
          }
          i += 2 + width;
        }
      },
    });
  }

  /** go-yaml's values of the scalars that hold LS or PS (by their first offset), in place of the `yaml` package's. */
  goValues(values: Map<number, string>): void {
    if (values.size === 0) return;
    visit(this.doc, {
      Scalar: (_key, node) => {
        const v = node.range ? values.get(node.range[0]) : undefined;
        if (v !== undefined) this.decoded.set(node, v);
      },
    });
  }

  private at(offset: number): string {
    const { line, col } = this.lines.linePos(offset);
    return `${this.source}:${line}:${col}`;
  }

  private offsetOf(node: Node): number {
    return node.range?.[0] ?? 0;
  }

  value(node: Node, path: readonly string[]): Value {
    if (++this.produced > MAX_NODES) this.fail(this.offsetOf(node), 'document contains excessive aliasing');
    if (isAlias(node)) return this.withTarget(node, (t) => this.value(t, path));
    if (isScalar(node)) return this.scalar(node, path);
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const p = [...path, String(i)];
        if (item === null || !isNodeLike(item)) return null;
        const at = this.offsetOf(item);
        this.positions.record(p, this.at(at));
        if (this.seqKeys.has(at)) {
          // Unless the `yaml` package read a `:` after the key too, making the map itself (`[?x: 1]`).
          const pairKey: unknown = isYamlMap(item) ? item.items[0]?.key : undefined;
          if (!(isNodeLike(pairKey) && this.offsetOf(pairKey) === at)) return this.keyOnly(item, node, p);
        }
        return this.value(item, p);
      });
    }
    if (isYamlMap(node)) {
      const out: ValueMap = {};
      this.mapInto(node, path, out);
      return out;
    }
    return null;
  }

  /**
   * Each alias's node, found in one walk of the document by Alias.resolve's rule (the last node
   * anchored with its name before it, in visit order): resolve walks the whole document at each
   * call, which made a file of thousands of aliases take seconds.
   */
  private targets: Map<Alias, Node> | undefined;

  private targetOf(alias: Alias): Node | undefined {
    if (this.targets === undefined) {
      const targets = new Map<Alias, Node>();
      const anchored = new Map<string, Node>();
      visit(this.doc, {
        Node: (_key, node) => {
          if (isAlias(node)) {
            const target = anchored.get(node.source);
            if (target) targets.set(node, target);
          } else if (node.anchor) {
            anchored.set(node.anchor, node);
          }
        },
      });
      this.targets = targets;
    }
    return this.targets.get(alias);
  }

  /** Follows an alias, refusing one that points into itself. */
  private withTarget<T>(alias: Alias, use: (target: Node) => T): T {
    const target = this.targetOf(alias);
    if (!target) this.fail(this.offsetOf(alias), `unknown anchor "${alias.source}"`);
    if (this.open.has(target)) this.fail(this.offsetOf(alias), `anchor "${alias.source}" value contains itself`);
    this.open.add(target);
    try {
      return use(target);
    } finally {
      this.open.delete(target);
    }
  }

  /** A flow sequence's entry `?x` as go-yaml reads it: a map of the key to null. */
  private keyOnly(item: Node, seq: Node, path: readonly string[]): ValueMap {
    const { key } = this.key(item, seq);
    this.positions.record([...path, key], this.at(this.offsetOf(item)));
    const out: ValueMap = {};
    setKey(out, key, null);
    return out;
  }

  /**
   * go-yaml v2 decodes a mapping in order into one map: a later key overwrites an earlier one,
   * and `<<` writes the merged map's keys there and then (for a list of maps, last to first).
   */
  private mapInto(node: YAMLMap, path: readonly string[], out: ValueMap): void {
    this.open.add(node);
    // Each key written, with the kind its text resolved to (a Go map key's type).
    const written = new Map<string, string>();
    try {
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const valueNode = pair.value as Node | null;
        if (keyNode !== null && isMergeKey(keyNode)) {
          this.merge(valueNode, path, out, keyNode);
          continue;
        }
        const { key, kind } = this.key(keyNode, node);
        const earlier = written.get(key);
        if (earlier !== undefined) {
          const where = keyNode ? this.offsetOf(keyNode) : this.offsetOf(node);
          if (this.opts.strict) this.fail(where, `key ${JSON.stringify(key)} already set in map`);
          // go-yaml v2 (not strict, as Helm reads values) lets a later key replace an earlier one
          // of the same type; keys of two types (`1` and "1") are two Go map keys, and Helm then
          // keeps one of them at random as it writes JSON.
          if (earlier !== kind && !this.opts.keepClashingKeys) this.fail(where, `duplicate key "${key}" (written as ${withArticle(earlier)} and as ${withArticle(kind)}: Helm keeps one of them at random)`);
          const line = `warning: ${this.at(where)}: duplicate key "${key}": the last one is used, as Helm uses it`;
          if (!this.warnings.includes(line)) this.warnings.push(line);
        }
        written.set(key, kind);
        const p = [...path, key];
        this.positions.record(p, this.at(keyNode ? this.offsetOf(keyNode) : this.offsetOf(node)));
        setKey(out, key, valueNode === null ? null : this.value(valueNode, p));
      }
    } finally {
      this.open.delete(node);
    }
  }

  private merge(valueNode: Node | null, path: readonly string[], out: ValueMap, at: Node): void {
    const wantMap = (): never => this.fail(this.offsetOf(valueNode ?? at), 'map merge requires map or sequence of maps as the value');
    const mergeOne = (n: Node): void => {
      if (isAlias(n)) return this.withTarget(n, (t) => (isYamlMap(t) ? this.mapInto(t, path, out) : wantMap()));
      if (isYamlMap(n)) return this.mapInto(n, path, out);
      wantMap();
    };
    if (valueNode === null) return wantMap();
    if (isSeq(valueNode)) {
      const items = valueNode.items.filter(isNodeLike);
      for (let i = items.length - 1; i >= 0; i--) mergeOne(items[i] as Node);
      return;
    }
    mergeOne(valueNode);
  }

  /**
   * A map key as sigs.k8s.io/yaml writes it into JSON, and the type go-yaml gave it (two keys of
   * two types are two Go map keys, even where they print alike).
   */
  private key(node: Node | null, map: Node): { key: string; kind: string } {
    if (node === null) return this.fail(this.offsetOf(map), 'a map key cannot be empty');
    if (isAlias(node)) return this.withTarget(node, (t) => this.key(t, map));
    if (!isScalar(node)) this.fail(this.offsetOf(node), 'a map or list cannot be a map key');
    const r = this.resolve(node);
    const s = keyString(r);
    if (s === undefined) {
      this.fail(this.offsetOf(node), r.kind === 'null' ? 'a map key cannot be null' : `unsupported map key ${String(node.value)}`);
    }
    return { key: s, kind: r.kind === 'str' ? 'string' : r.kind === 'uint' ? 'int' : r.kind };
  }

  private scalar(node: Scalar, path: readonly string[]): Value {
    const r = this.resolve(node);
    if (r.kind !== 'null' && r.kind !== 'str' && this.opts.stringField?.(path) === true) return goStringField(r);
    switch (r.kind) {
      case 'null':
        return null;
      case 'bool':
      case 'str':
        return r.value;
      case 'int':
      case 'uint':
        return this.opts.goTyped ? r.value : Number(r.value); // the JSON round trip makes every number a float64
      case 'float':
        if (!Number.isFinite(r.value)) {
          const go = Number.isNaN(r.value) ? 'NaN' : r.value > 0 ? '+Inf' : '-Inf';
          this.fail(this.offsetOf(node), `${String(node.value)} is not a valid value (Helm converts YAML to JSON, which has no infinity or NaN: json: unsupported value: ${go})`);
        }
        return r.value;
    }
  }

  /** go-yaml v2's decoder: quoted and block scalars are strings, plain ones are resolved. */
  private resolve(node: Scalar): Resolved {
    let text = this.decoded.get(node) ?? String(node.value ?? '');
    const all = this.unterminatedText;
    if (all !== undefined && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') && node.range?.[1] === all.length && text.endsWith('\n')) {
      const header = /^[|>][0-9+-]*/.exec(all.slice(node.range[0]))?.[0] ?? '';
      if (!header.includes('-')) text = text.slice(0, -1);
    }
    const tag = node.tag;
    if (tag === undefined) {
      return node.type === 'PLAIN' ? resolvePlain(text) : { kind: 'str', value: text };
    }
    if (tag === `${TAG}binary`) {
      return { kind: 'str', value: Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8') };
    }
    const wanted = { [`${TAG}bool`]: 'bool', [`${TAG}int`]: 'int', [`${TAG}float`]: 'float', [`${TAG}null`]: 'null' }[tag];
    // !!str, non-specific `!`, and tags go-yaml cannot resolve keep the text.
    if (wanted === undefined) return { kind: 'str', value: text };
    const r = resolvePlain(text);
    if (r.kind === wanted || (wanted === 'int' && r.kind === 'uint')) return r;
    if (wanted === 'float' && (r.kind === 'int' || r.kind === 'uint')) return { kind: 'float', value: Number(r.value) };
    return this.fail(this.offsetOf(node), `cannot decode ${shortKind(r)} \`${text}\` as a !!${wanted}`);
  }
}

/**
 * Whether a key is go-yaml v2's merge key `<<` (its isMerge): plain and untagged, or tagged `!`
 * (quoted too, as the parser calls that implicit), or tagged `!!merge` (quoted too).
 */
function isMergeKey(node: Node): boolean {
  if (!isScalar(node) || node.value !== '<<') return false;
  const tag = node.tag;
  return tag === undefined ? node.type === 'PLAIN' : tag === '!' || tag === `${TAG}merge`;
}

/**
 * go-yaml's one-character escapes of double-quoted scalars and what each stands for (`x`, `u` and
 * `U` apart; a backslash before a line break joins lines, and go-yaml also takes one before LS and
 * PS, which the `yaml` package refuses).
 */
const GO_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', "'": "'", '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};

/** The text of a one-line double-quoted scalar (without its quotes) as go-yaml decodes it; its escapes are already checked. */
function decodeDoubleQuoted(inner: string): string {
  return inner.replace(/\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_m, e: string) =>
    e.length > 1 ? String.fromCodePoint(parseInt(e.slice(1), 16)) : (GO_ESCAPES[e] ?? e),
  );
}

/** A number or bool as sigs.k8s.io/yaml writes it into a Go string field (floats as float32, as go-yaml would print them). */
function goStringField(r: Exclude<Resolved, { kind: 'null' } | { kind: 'str' }>): string {
  if (r.kind === 'float') return formatFloatG(r.value, 32);
  return r.kind === 'bool' ? String(r.value) : r.value.toString();
}

/** A key's type in an error: "an int", "a string". */
function withArticle(kind: string): string {
  return kind === 'int' ? 'an int' : `a ${kind}`;
}

function shortKind(r: Resolved): string {
  return r.kind === 'uint' ? '!!int' : `!!${r.kind}`;
}

function isNodeLike(n: unknown): n is Node {
  return typeof n === 'object' && n !== null;
}
