/**
 * From rendered template files to what `helm template` (Helm 3.15) prints: documents split as
 * releaseutil.SplitManifests splits them, hooks set apart, kinds in Helm's install order, each
 * printed under a `# Source:` header; plus `--show-only` and `--output-dir` as Helm does them.
 */
import { posix } from 'node:path';
import { parseAllDocuments, isMap as isYamlMap, isScalar, isSeq, visit, type Node, type Scalar } from 'yaml';
import { compareGoStrings } from '../go/fmt.js';
import { goPathMatch } from '../go/filepath.js';
import { goTrimSpace } from '../go/strings.js';
import { keyString, resolvePlain } from '../go/yaml-resolve.js';
import { UserError } from '../errors.js';
import { NON_FINITE, scanHead, simpleHeadOk, type ScannedHead } from './yamlhead.js';

/** Helm's releaseutil.InstallOrder. Unknown kinds come after these, alphabetically. */
export const INSTALL_ORDER: readonly string[] = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

/** The `helm.sh/hook` events Helm knows; a document naming any other is dropped. */
export const HOOK_EVENTS: ReadonlySet<string> = new Set([
  'pre-install',
  'post-install',
  'pre-delete',
  'post-delete',
  'pre-upgrade',
  'post-upgrade',
  'pre-rollback',
  'post-rollback',
  'test',
  'test-success',
]);

const HOOK_ANNOTATION = 'helm.sh/hook';
const RANK = new Map(INSTALL_ORDER.map((k, i) => [k, i]));

/** One rendered template file, named as Helm names it (`dify/templates/api.yaml`). */
export interface TemplateOutput {
  path: string;
  content: string;
}

/** One YAML document of the release. */
export interface Manifest {
  /** The template it came from, `dify/templates/api.yaml`. */
  source: string;
  /** The document, whitespace-trimmed as Helm trims it. */
  content: string;
  /** `kind` as Helm's SimpleHead reads it ("" when absent). */
  kind: string;
  /** Set when the document is a Helm hook: hooks print after every other manifest. */
  hookEvents?: string[];
  /** Set when orderManifests' line scan found the head sound, so assertParses need not look again. */
  headChecked?: true;
}

// ---------------------------------------------------------------------------------------------
// Splitting

/** RE2's \s. */
const isRe2Space = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;

/** The leftmost `\s*\n---` at or after `from`: where the match starts and where its dashes are. */
function nextSeparator(s: string, from: number): { start: number; dashes: number } | undefined {
  // Dashes first, then the newline before them: '\n' starts every line, so a search led by it
  // stops at each one (twice as slow on a release).
  let d = s.indexOf('---', from + 1);
  while (d >= 0 && s.charCodeAt(d - 1) !== 0x0a) d = s.indexOf('---', d + 3);
  if (d < 0) return undefined;
  const nl = d - 1;
  let start = nl;
  while (start > from && isRe2Space(s.charCodeAt(start - 1))) start--;
  return { start, dashes: nl + 1 };
}

/**
 * releaseutil.SplitManifests, in document order: the text is trimmed, split at `---` lines
 * (a `---` line's trailing text becomes the next document's start), empty pieces dropped, the
 * rest trimmed. A piece of only comments is a document; so is one of only exotic whitespace
 * (it trims to ""). The separator is releaseutil's `(?:^|\s*\n)---\s*` with Go's \s
 * ([\t\n\f\r ]), found with indexOf: the regex itself retries its `\s*\n` at every position.
 */
export function splitManifests(text: string): string[] {
  return splitTrimmed(goTrimSpace(text));
}

/** splitManifests of text already trimmed. */
function splitTrimmed(whole: string): string[] {
  const pieces: string[] = [];
  let from = 0;
  let sep = whole.startsWith('---') ? { start: 0, dashes: 0 } : nextSeparator(whole, 0);
  while (sep) {
    pieces.push(whole.slice(from, sep.start));
    let after = sep.dashes + 3;
    while (after < whole.length && isRe2Space(whole.charCodeAt(after))) after++;
    from = after;
    sep = nextSeparator(whole, from);
  }
  pieces.push(whole.slice(from));
  return pieces.filter((p) => p !== '').map(goTrimSpace);
}

// ---------------------------------------------------------------------------------------------
// Kinds and hooks

// Top-level `kind:` lines (block mappings at column 0; anything else is caught by assertParses).
const KIND_LINE = /^(?:kind|"kind"|'kind')[ \t]*:(?:[ \t]+([^\n]*))?$/gm;

/** A plain or quoted scalar's text as sigs.k8s.io/yaml hands it to a Go string field. */
/** YAML's blanks around a scalar on its line: space, tab (and a CR before the newline). JS's trim also takes U+00A0, U+3000..., which go-yaml keeps. */
const trimBlanks = (s: string): string => s.replace(/^[ \t\r]+|[ \t\r]+$/g, '');

function scalarText(raw: string): string {
  const t = trimBlanks(raw);
  const dq = /^"((?:[^"\\]|\\.)*)"/.exec(t);
  if (dq) {
    try {
      return JSON.parse(`"${dq[1]}"`) as string;
    } catch {
      return dq[1]!;
    }
  }
  const sq = /^'((?:[^']|'')*)'/.exec(t);
  if (sq) return sq[1]!.replace(/''/g, "'");
  const plain = trimBlanks(t.replace(/(^|[ \t])#.*$/, ''));
  const r = resolvePlain(plain);
  return r.kind === 'null' ? '' : (keyString(r) ?? '');
}

/** The document's kind by a cheap line scan ("" when there is none; the last of duplicates, as go-yaml). */
export function manifestKind(doc: string): string {
  let last: RegExpMatchArray | undefined;
  for (const m of doc.matchAll(KIND_LINE)) last = m;
  return last ? scalarText(last[1] ?? '') : '';
}

function parseFirst(doc: string): { node: Node | null; error?: string } {
  const docs = parseAllDocuments(doc, { version: '1.1', schema: 'failsafe', uniqueKeys: false, prettyErrors: false });
  const first = Array.isArray(docs) ? docs[0] : undefined;
  if (!first) return { node: null };
  const err = first.errors[0];
  if (err) return { node: null, error: err.message.split('\n')[0] ?? err.message };
  let missing: string | undefined;
  visit(first, {
    Alias(_key, alias) {
      if (!alias.resolve(first)) missing ??= `unknown anchor '${alias.source}' referenced`;
    },
    Scalar(key, scalar) {
      // YAML 1.2's `\/` escape, which go-yaml (1.1) does not know.
      if (scalar.type === 'QUOTE_DOUBLE' && scalar.range) {
        for (const esc of doc.slice(scalar.range[0], scalar.range[1]).matchAll(/\\(.)/gs)) {
          if (esc[1] === '/') missing ??= 'found unknown escape character';
        }
      }
      // sigs.k8s.io/yaml goes through JSON, which has no infinities or NaN (map keys become text).
      const text = String(scalar.value);
      if (key !== 'key' && scalar.type === 'PLAIN' && NON_FINITE.test(text)) {
        missing ??= `json: unsupported value: ${/nan/i.test(text) ? 'NaN' : text.startsWith('-') ? '-Inf' : '+Inf'}`;
      }
    },
  });
  if (missing) return { node: null, error: missing };
  return { node: (first.contents as Node | null) ?? null };
}

/** A mapping's value for a key (the last of duplicates, as go-yaml keeps it). */
function get(map: Node | null | undefined, key: string): Node | null | undefined {
  if (!isYamlMap(map)) return undefined;
  let found: Node | null | undefined;
  for (const pair of map.items) {
    const k = pair.key as Node | null;
    if (isScalar(k) && nodeText(k) === key) found = (pair.value as Node | null) ?? null;
  }
  return found;
}

/** A scalar node as a Go string field receives it: plain scalars resolved as go-yaml does. */
function nodeText(n: Scalar): string {
  const src = String(n.value);
  return n.type === 'PLAIN' ? scalarText(src) : src;
}

function isNull(n: Node | null | undefined): boolean {
  return n === null || n === undefined || (isScalar(n) && n.type === 'PLAIN' && resolvePlain(String(n.value)).kind === 'null');
}

/**
 * The `helm.sh/hook` annotation's text, as Helm's SimpleHead reads it (undefined when absent):
 * from the line scan when it is sure, else from a YAML parse. `scan: false` forces the parse.
 */
export function hookText(doc: string, kind: string, scan = true): string | undefined {
  const head = scan ? scanHead(doc) : undefined;
  return hookTextOf(doc, head?.kind === kind ? head : undefined);
}

/** The hook annotation's text from the line scan's result, else from a YAML parse. */
function hookTextOf(doc: string, head: ScannedHead | undefined): string | undefined {
  if (head) return head.hook;
  const { node } = parseFirst(doc);
  const annotations = get(get(node, 'metadata'), 'annotations');
  if (!isYamlMap(annotations) || annotations.items.length === 0) return undefined;
  const value = get(annotations, HOOK_ANNOTATION);
  if (value === undefined) return undefined;
  return isScalar(value) ? nodeText(value) : '';
}

/** The hook events of a document that carries `helm.sh/hook`. */
function hookOf(doc: string, head: ScannedHead | undefined): string[] | undefined | 'unknown' {
  // A sure scan has read the annotation if there is one; otherwise look for its name first.
  if (head === undefined && !doc.includes(HOOK_ANNOTATION)) return undefined;
  const text = hookTextOf(doc, head);
  if (text === undefined) return undefined;
  const events = text.split(',').map((e) => e.trim().toLowerCase());
  return events.every((e) => HOOK_EVENTS.has(e)) ? events : 'unknown';
}

/** Helm's lessByKind as a comparator: install order, unknown kinds last and alphabetical. */
export function compareKinds(a: string, b: string): number {
  const ra = RANK.get(a);
  const rb = RANK.get(b);
  if (ra === undefined && rb === undefined) return a === b ? 0 : compareGoStrings(a, b);
  if (ra === undefined) return 1;
  if (rb === undefined) return -1;
  return ra - rb;
}

/**
 * releaseutil.SortManifests: files in path order (partials, NOTES.txt and blank files skipped),
 * each split into documents; hooks (with known events) set apart, unknown hooks dropped; both
 * groups stably sorted by kind. Returns the manifests then the hooks, in print order.
 */
export function orderManifests(files: TemplateOutput[]): Manifest[] {
  const generic: Manifest[] = [];
  const hooks: Manifest[] = [];
  const sorted = [...files].sort((a, b) => compareGoStrings(a.path, b.path));
  for (const f of sorted) {
    const base = f.path.slice(f.path.lastIndexOf('/') + 1);
    if (base.startsWith('_') || f.path.endsWith('NOTES.txt')) continue;
    const whole = goTrimSpace(f.content);
    if (whole === '') continue;
    for (const content of splitTrimmed(whole)) {
      // One line scan per document: it reads the kind and answers the hook question here and the
      // parse check later; the kind regex and the YAML parser only see what it is unsure of.
      const head = scanHead(content);
      const kind = head ? head.kind : manifestKind(content);
      const hook = hookOf(content, head);
      if (hook === 'unknown') continue;
      const m: Manifest = { source: f.path, content, kind };
      if (head) m.headChecked = true;
      if (hook) {
        m.hookEvents = hook;
        hooks.push(m);
      } else generic.push(m);
    }
  }
  const byKind = (a: Manifest, b: Manifest): number => compareKinds(a.kind, b.kind);
  return [...generic.sort(byKind), ...hooks.sort(byKind)];
}

// ---------------------------------------------------------------------------------------------
// Parse check

/**
 * The common case, fast: the line scanner of yamlhead.ts reads the document and finds the head
 * Helm needs (every fixture document takes this path). Anything it is not sure of goes through
 * the exact check, which decides and words the error as Helm does.
 */
function quickHeadOk(m: Manifest): boolean {
  return simpleHeadOk(m.content, m.kind) === true;
}

function shapeError(top: Node | null): string | undefined {
  if (isNull(top)) return undefined;
  if (!isYamlMap(top)) return `the document is ${isSeq(top) ? 'a list' : 'a scalar'}, not a mapping`;
  const scalarField = (n: Node | null | undefined, what: string): string | undefined =>
    n === undefined || n === null || isScalar(n) ? undefined : `${what} must be a string`;
  const meta = get(top, 'metadata');
  const errs = [scalarField(get(top, 'kind'), 'kind'), scalarField(get(top, 'apiVersion'), 'apiVersion')];
  if (!isNull(meta)) {
    if (!isYamlMap(meta)) return 'metadata must be a mapping';
    errs.push(scalarField(get(meta, 'name'), 'metadata.name'));
    const ann = get(meta, 'annotations');
    if (!isNull(ann)) {
      if (!isYamlMap(ann)) return 'metadata.annotations must be a mapping';
      for (const p of ann.items) errs.push(scalarField(p.value as Node | null, 'every annotation value'));
    }
  }
  return errs.find((e) => e !== undefined);
}

/**
 * Throws the error Helm would hit reading the document's head: YAML that does not parse, or a
 * document that is not a mapping, or whose kind/apiVersion/metadata have the wrong shape.
 * Message: `template dify/templates/x.yaml produced invalid YAML: <reason>`.
 */
export function assertParses(m: Manifest): void {
  if (m.headChecked || quickHeadOk(m)) return;
  const { node, error } = parseFirst(m.content);
  const reason = error ?? shapeError(node);
  if (reason) throw new UserError(`template ${m.source} produced invalid YAML: ${reason}`, { file: m.source });
  const kindNode = get(node, 'kind');
  const kind = isScalar(kindNode) && !isNull(kindNode) ? nodeText(kindNode) : '';
  if (kind !== m.kind) {
    throw new Error(`template ${m.source}: the kind scan read "${m.kind}" where the YAML says "${kind}"; write kind: on one line`);
  }
}

// ---------------------------------------------------------------------------------------------
// Printing

function header(m: Manifest): string {
  return `---\n# Source: ${m.source}\n${m.content}\n`;
}

export interface PrintOptions {
  /** `--show-only` patterns, e.g. `templates/api.yaml` or `templates/*.yaml`. */
  showOnly?: string[];
}

/**
 * The text `helm template` prints: every manifest as `---\n# Source: <path>\n<doc>\n`, that block
 * trimmed and ended with one newline (no manifests print "\n"), then the hooks the same way.
 */
export function printManifests(manifests: Manifest[], opts: PrintOptions = {}): string {
  // Concatenated, not joined: a joined copy of a whole release (over V8's 128 KiB limit for
  // ordinary objects) costs a large-object allocation, and whoever reads the text flattens it
  // once anyway. Every block starts with `---`, so trimming them all trims the last one's end.
  let main = '';
  let last: string | undefined;
  let hooks = '';
  for (const m of manifests) {
    if (m.hookEvents) hooks += header(m);
    else {
      if (last !== undefined) main += last;
      last = header(m);
    }
  }
  const text = `${last === undefined ? '' : main + goTrimSpace(last)}\n${hooks}`;
  return opts.showOnly && opts.showOnly.length > 0 ? selectShowOnly(text, opts.showOnly) : text;
}

const SOURCE = /# Source: [^/]+\/([^\n]+)/;

/**
 * `--show-only` as cmd/helm/template.go does it: the printed text is split again, each document's
 * Source path without the chart name (`templates/api.yaml`) is matched with Go's filepath.Match,
 * pattern by pattern, each printed as `---\n<doc>\n`. A pattern matching nothing is an error.
 */
export function selectShowOnly(printed: string, patterns: string[]): string {
  const docs = splitManifests(printed);
  const out: string[] = [];
  for (const pattern of patterns) {
    let missing = true;
    for (const doc of docs) {
      const m = SOURCE.exec(doc);
      if (!m || !goPathMatch(pattern, m[1]!)) continue;
      out.push(`---\n${doc}\n`);
      missing = false;
    }
    if (missing) throw templateNotFound(pattern, docs.map((d) => SOURCE.exec(d)?.[1]).filter((x): x is string => x !== undefined));
  }
  return out.join('');
}

/**
 * Helm's `could not find template P in chart`, with the path the user probably meant: paths are
 * relative to the chart (`templates/api/deployment.yaml`), so `api/deployment.yaml` or
 * `templates/api/deployment.yaml.hbs` names a template whose path ends the same way; a name many
 * components share (`deployment.yaml`) suggests them all (`templates/*\/deployment.yaml`); and a
 * component named as a file (`api.yaml`, `templates/api.yaml`, the layout before folders) suggests
 * its folder (`templates/api/*`).
 */
export function templateNotFound(pattern: string, templates: string[]): UserError {
  // `dify/templates/...` names the chart too; Helm's paths start at templates/.
  const base = pattern.replace(/\.hbs$/, '').replace(/^\.\//, '').replace(/^[^/]+\/(?=templates\/)/, '');
  const near = nearTemplate(base, [...new Set(templates)]);
  const hint =
    near !== undefined
      ? `; did you mean ${near}?`
      : base.startsWith('templates/')
        ? ''
        : '; paths are relative to the chart, e.g. templates/api/deployment.yaml';
  return new UserError(`could not find template ${pattern} in chart${hint}`);
}

function nearTemplate(base: string, templates: string[]): string | undefined {
  const same = templates.find((t) => t === base || t === `templates/${base}` || base.endsWith(`/${t}`));
  if (same !== undefined) return same;
  const ending = templates.filter((t) => t.endsWith(`/${base}`));
  if (ending.length === 1) return ending[0];
  const everyFolder = `templates/*/${base}`;
  if (ending.length > 1 && !base.includes('/') && ending.every((t) => goPathMatch(everyFolder, t))) return everyFolder;
  if (ending.length > 0) return ending[0];
  const component = /^(?:templates\/)?([^/*?[\\]+)\.yaml$/.exec(base)?.[1];
  const folder = `templates/${component}/`;
  if (component !== undefined && templates.some((t) => t.startsWith(folder))) return `${folder}*`;
  return undefined;
}

export interface OutputFile {
  /** Relative to the output directory: `dify/templates/api.yaml` (`<release>/dify/...` with --release-name). */
  path: string;
  content: string;
}

/**
 * The files `helm template --output-dir DIR` writes: one per template, its documents (manifests,
 * then hooks) each as `---\n# Source: <path>\n<doc>\n`, in print order.
 */
export function outputDirLayout(manifests: Manifest[], opts: { releaseName?: string } = {}): OutputFile[] {
  const files = new Map<string, string>();
  for (const m of [...manifests.filter((x) => !x.hookEvents), ...manifests.filter((x) => x.hookEvents)]) {
    files.set(m.source, (files.get(m.source) ?? '') + header(m));
  }
  const prefix = opts.releaseName ? `${opts.releaseName}/` : '';
  return [...files].map(([source, content]) => ({ path: prefix + source, content }));
}

/** What `helm template --output-dir DIR` prints: `wrote DIR/<path>` per document, then a blank line. */
export function outputDirLog(dir: string, manifests: Manifest[], opts: { releaseName?: string } = {}): string {
  const base = opts.releaseName ? posix.join(dir, opts.releaseName) : dir; // filepath.Join cleans
  const order = [...manifests.filter((x) => !x.hookEvents), ...manifests.filter((x) => x.hookEvents)];
  return order.map((m) => `wrote ${base}/${m.source}\n`).join('') + '\n';
}
